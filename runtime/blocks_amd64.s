//go:build !noasm

#include "textflag.h"

// The channel-blocked layout's conversions (blocks.go): a 16×16 transpose of float32 values in
// registers: lane c of input register Zr becomes lane r of output register Zc, in Z0…Z15, with
// Z16…Z31 as scratch.
//
// Stage 1 interleaves pairs of rows within each 128-bit lane (unpck*ps), stage 2 pairs of pairs
// (unpck*pd): register 4q+k then holds rows 4q…4q+3 of columns k, k+4, k+8, k+12, one column
// per 128-bit lane. Stages 3 and 4 move whole 128-bit lanes (vshuff32x4) to gather each
// column's four groups of rows.
#define TRANSPOSE16 \
	VUNPCKLPS Z1, Z0, Z16; \
	VUNPCKHPS Z1, Z0, Z17; \
	VUNPCKLPS Z3, Z2, Z18; \
	VUNPCKHPS Z3, Z2, Z19; \
	VUNPCKLPS Z5, Z4, Z20; \
	VUNPCKHPS Z5, Z4, Z21; \
	VUNPCKLPS Z7, Z6, Z22; \
	VUNPCKHPS Z7, Z6, Z23; \
	VUNPCKLPS Z9, Z8, Z24; \
	VUNPCKHPS Z9, Z8, Z25; \
	VUNPCKLPS Z11, Z10, Z26; \
	VUNPCKHPS Z11, Z10, Z27; \
	VUNPCKLPS Z13, Z12, Z28; \
	VUNPCKHPS Z13, Z12, Z29; \
	VUNPCKLPS Z15, Z14, Z30; \
	VUNPCKHPS Z15, Z14, Z31; \
	VUNPCKLPD Z18, Z16, Z0; \
	VUNPCKHPD Z18, Z16, Z1; \
	VUNPCKLPD Z19, Z17, Z2; \
	VUNPCKHPD Z19, Z17, Z3; \
	VUNPCKLPD Z22, Z20, Z4; \
	VUNPCKHPD Z22, Z20, Z5; \
	VUNPCKLPD Z23, Z21, Z6; \
	VUNPCKHPD Z23, Z21, Z7; \
	VUNPCKLPD Z26, Z24, Z8; \
	VUNPCKHPD Z26, Z24, Z9; \
	VUNPCKLPD Z27, Z25, Z10; \
	VUNPCKHPD Z27, Z25, Z11; \
	VUNPCKLPD Z30, Z28, Z12; \
	VUNPCKHPD Z30, Z28, Z13; \
	VUNPCKLPD Z31, Z29, Z14; \
	VUNPCKHPD Z31, Z29, Z15; \
	VSHUFF32X4 $0x88, Z4, Z0, Z16; \
	VSHUFF32X4 $0xdd, Z4, Z0, Z20; \
	VSHUFF32X4 $0x88, Z12, Z8, Z24; \
	VSHUFF32X4 $0xdd, Z12, Z8, Z28; \
	VSHUFF32X4 $0x88, Z5, Z1, Z17; \
	VSHUFF32X4 $0xdd, Z5, Z1, Z21; \
	VSHUFF32X4 $0x88, Z13, Z9, Z25; \
	VSHUFF32X4 $0xdd, Z13, Z9, Z29; \
	VSHUFF32X4 $0x88, Z6, Z2, Z18; \
	VSHUFF32X4 $0xdd, Z6, Z2, Z22; \
	VSHUFF32X4 $0x88, Z14, Z10, Z26; \
	VSHUFF32X4 $0xdd, Z14, Z10, Z30; \
	VSHUFF32X4 $0x88, Z7, Z3, Z19; \
	VSHUFF32X4 $0xdd, Z7, Z3, Z23; \
	VSHUFF32X4 $0x88, Z15, Z11, Z27; \
	VSHUFF32X4 $0xdd, Z15, Z11, Z31; \
	VSHUFF32X4 $0x88, Z24, Z16, Z0; \
	VSHUFF32X4 $0xdd, Z24, Z16, Z8; \
	VSHUFF32X4 $0x88, Z28, Z20, Z4; \
	VSHUFF32X4 $0xdd, Z28, Z20, Z12; \
	VSHUFF32X4 $0x88, Z25, Z17, Z1; \
	VSHUFF32X4 $0xdd, Z25, Z17, Z9; \
	VSHUFF32X4 $0x88, Z29, Z21, Z5; \
	VSHUFF32X4 $0xdd, Z29, Z21, Z13; \
	VSHUFF32X4 $0x88, Z26, Z18, Z2; \
	VSHUFF32X4 $0xdd, Z26, Z18, Z10; \
	VSHUFF32X4 $0x88, Z30, Z22, Z6; \
	VSHUFF32X4 $0xdd, Z30, Z22, Z14; \
	VSHUFF32X4 $0x88, Z27, Z19, Z3; \
	VSHUFF32X4 $0xdd, Z27, Z19, Z11; \
	VSHUFF32X4 $0x88, Z31, Z23, Z7; \
	VSHUFF32X4 $0xdd, Z31, Z23, Z15

// func toBlocksAVX512(dst, src *float32, stride, n, count int)
// for p < count, l < 16: dst[p*16+l] = src[l*stride+p] if l < n, else 0
TEXT ·toBlocksAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), R8
	SHLQ $2, R8                         // the stride in bytes
	MOVQ n+24(FP), R9
	MOVQ count+32(FP), CX

to_chunk:
	CMPQ CX, $0
	JLE  to_done
	MOVQ $0xffff, AX                    // K1: the chunk's pixels, 16 or the last count
	CMPQ CX, $16
	JGE  to_mask
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
to_mask:
	KMOVW AX, K1
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	MOVQ SI, R10
	CMPQ R9, $0
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z0            // plane 0
	ADDQ R8, R10
	CMPQ R9, $1
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z1            // plane 1
	ADDQ R8, R10
	CMPQ R9, $2
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z2            // plane 2
	ADDQ R8, R10
	CMPQ R9, $3
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z3            // plane 3
	ADDQ R8, R10
	CMPQ R9, $4
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z4            // plane 4
	ADDQ R8, R10
	CMPQ R9, $5
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z5            // plane 5
	ADDQ R8, R10
	CMPQ R9, $6
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z6            // plane 6
	ADDQ R8, R10
	CMPQ R9, $7
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z7            // plane 7
	ADDQ R8, R10
	CMPQ R9, $8
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z8            // plane 8
	ADDQ R8, R10
	CMPQ R9, $9
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z9            // plane 9
	ADDQ R8, R10
	CMPQ R9, $10
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z10            // plane 10
	ADDQ R8, R10
	CMPQ R9, $11
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z11            // plane 11
	ADDQ R8, R10
	CMPQ R9, $12
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z12            // plane 12
	ADDQ R8, R10
	CMPQ R9, $13
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z13            // plane 13
	ADDQ R8, R10
	CMPQ R9, $14
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z14            // plane 14
	ADDQ R8, R10
	CMPQ R9, $15
	JLE  to_transpose
	VMOVUPS.Z (R10), K1, Z15            // plane 15
to_transpose:
	TRANSPOSE16
	CMPQ CX, $16
	JL   to_tail
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	VMOVUPS Z4, 256(DI)
	VMOVUPS Z5, 320(DI)
	VMOVUPS Z6, 384(DI)
	VMOVUPS Z7, 448(DI)
	VMOVUPS Z8, 512(DI)
	VMOVUPS Z9, 576(DI)
	VMOVUPS Z10, 640(DI)
	VMOVUPS Z11, 704(DI)
	VMOVUPS Z12, 768(DI)
	VMOVUPS Z13, 832(DI)
	VMOVUPS Z14, 896(DI)
	VMOVUPS Z15, 960(DI)
	ADDQ $64, SI
	ADDQ $1024, DI
	SUBQ $16, CX
	JMP  to_chunk
to_tail:                             // the last count < 16 pixels
	VMOVUPS Z0, 0(DI)
	CMPQ CX, $1
	JLE  to_done
	VMOVUPS Z1, 64(DI)
	CMPQ CX, $2
	JLE  to_done
	VMOVUPS Z2, 128(DI)
	CMPQ CX, $3
	JLE  to_done
	VMOVUPS Z3, 192(DI)
	CMPQ CX, $4
	JLE  to_done
	VMOVUPS Z4, 256(DI)
	CMPQ CX, $5
	JLE  to_done
	VMOVUPS Z5, 320(DI)
	CMPQ CX, $6
	JLE  to_done
	VMOVUPS Z6, 384(DI)
	CMPQ CX, $7
	JLE  to_done
	VMOVUPS Z7, 448(DI)
	CMPQ CX, $8
	JLE  to_done
	VMOVUPS Z8, 512(DI)
	CMPQ CX, $9
	JLE  to_done
	VMOVUPS Z9, 576(DI)
	CMPQ CX, $10
	JLE  to_done
	VMOVUPS Z10, 640(DI)
	CMPQ CX, $11
	JLE  to_done
	VMOVUPS Z11, 704(DI)
	CMPQ CX, $12
	JLE  to_done
	VMOVUPS Z12, 768(DI)
	CMPQ CX, $13
	JLE  to_done
	VMOVUPS Z13, 832(DI)
	CMPQ CX, $14
	JLE  to_done
	VMOVUPS Z14, 896(DI)
	CMPQ CX, $15
	JLE  to_done
	VMOVUPS Z15, 960(DI)
to_done:
	VZEROUPPER
	RET

// func fromBlocksAVX512(dst *float32, stride int, src *float32, n, count int)
// for p < count, l < n: dst[l*stride+p] = src[p*16+l]
TEXT ·fromBlocksAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), R8
	SHLQ $2, R8                         // the stride in bytes
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), R9
	MOVQ count+32(FP), CX

from_chunk:
	CMPQ CX, $0
	JLE  from_done
	MOVQ $0xffff, AX                    // K1: the chunk's pixels, 16 or the last count
	CMPQ CX, $16
	JGE  from_full
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VMOVUPS 0(SI), Z0            // pixel 0
	CMPQ CX, $1
	JLE  from_transpose
	VMOVUPS 64(SI), Z1            // pixel 1
	CMPQ CX, $2
	JLE  from_transpose
	VMOVUPS 128(SI), Z2            // pixel 2
	CMPQ CX, $3
	JLE  from_transpose
	VMOVUPS 192(SI), Z3            // pixel 3
	CMPQ CX, $4
	JLE  from_transpose
	VMOVUPS 256(SI), Z4            // pixel 4
	CMPQ CX, $5
	JLE  from_transpose
	VMOVUPS 320(SI), Z5            // pixel 5
	CMPQ CX, $6
	JLE  from_transpose
	VMOVUPS 384(SI), Z6            // pixel 6
	CMPQ CX, $7
	JLE  from_transpose
	VMOVUPS 448(SI), Z7            // pixel 7
	CMPQ CX, $8
	JLE  from_transpose
	VMOVUPS 512(SI), Z8            // pixel 8
	CMPQ CX, $9
	JLE  from_transpose
	VMOVUPS 576(SI), Z9            // pixel 9
	CMPQ CX, $10
	JLE  from_transpose
	VMOVUPS 640(SI), Z10            // pixel 10
	CMPQ CX, $11
	JLE  from_transpose
	VMOVUPS 704(SI), Z11            // pixel 11
	CMPQ CX, $12
	JLE  from_transpose
	VMOVUPS 768(SI), Z12            // pixel 12
	CMPQ CX, $13
	JLE  from_transpose
	VMOVUPS 832(SI), Z13            // pixel 13
	CMPQ CX, $14
	JLE  from_transpose
	VMOVUPS 896(SI), Z14            // pixel 14
	CMPQ CX, $15
	JLE  from_transpose
	VMOVUPS 960(SI), Z15            // pixel 15
	JMP  from_transpose
from_full:
	VMOVUPS 0(SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMOVUPS 256(SI), Z4
	VMOVUPS 320(SI), Z5
	VMOVUPS 384(SI), Z6
	VMOVUPS 448(SI), Z7
	VMOVUPS 512(SI), Z8
	VMOVUPS 576(SI), Z9
	VMOVUPS 640(SI), Z10
	VMOVUPS 704(SI), Z11
	VMOVUPS 768(SI), Z12
	VMOVUPS 832(SI), Z13
	VMOVUPS 896(SI), Z14
	VMOVUPS 960(SI), Z15
from_transpose:
	KMOVW AX, K1
	TRANSPOSE16
	MOVQ DI, R10
	VMOVUPS Z0, K1, (R10)            // channel 0
	CMPQ R9, $1
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z1, K1, (R10)            // channel 1
	CMPQ R9, $2
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z2, K1, (R10)            // channel 2
	CMPQ R9, $3
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z3, K1, (R10)            // channel 3
	CMPQ R9, $4
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z4, K1, (R10)            // channel 4
	CMPQ R9, $5
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z5, K1, (R10)            // channel 5
	CMPQ R9, $6
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z6, K1, (R10)            // channel 6
	CMPQ R9, $7
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z7, K1, (R10)            // channel 7
	CMPQ R9, $8
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z8, K1, (R10)            // channel 8
	CMPQ R9, $9
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z9, K1, (R10)            // channel 9
	CMPQ R9, $10
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z10, K1, (R10)            // channel 10
	CMPQ R9, $11
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z11, K1, (R10)            // channel 11
	CMPQ R9, $12
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z12, K1, (R10)            // channel 12
	CMPQ R9, $13
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z13, K1, (R10)            // channel 13
	CMPQ R9, $14
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z14, K1, (R10)            // channel 14
	CMPQ R9, $15
	JLE  from_next
	ADDQ R8, R10
	VMOVUPS Z15, K1, (R10)            // channel 15
from_next:
	ADDQ $1024, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  from_chunk
from_done:
	VZEROUPPER
	RET
