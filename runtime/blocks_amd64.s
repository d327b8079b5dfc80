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

// ---------------------------------------------------------------------------------------------
// AVX2: an 8×8 transpose per eight pixels and eight planes (half of the sixteen lanes), from
// registers that each hold four values of one row and the same four of the row four after it,
// one in each 128-bit lane, so that two 4×4 transposes within the lanes (TRANSPOSE4x2) finish it:
// loading the high halves with VINSERTF128 from memory saves the shuffles that would move them.

// blocksMask<>: the eight dwords from blocksMask<>+4·(8−r) are r all-ones then zeros, the mask
// of the last r < 8 pixels.
DATA blocksMask<>+0(SB)/8, $0xffffffffffffffff
DATA blocksMask<>+8(SB)/8, $0xffffffffffffffff
DATA blocksMask<>+16(SB)/8, $0xffffffffffffffff
DATA blocksMask<>+24(SB)/8, $0xffffffffffffffff
DATA blocksMask<>+32(SB)/8, $0
DATA blocksMask<>+40(SB)/8, $0
DATA blocksMask<>+48(SB)/8, $0
DATA blocksMask<>+56(SB)/8, $0
GLOBL blocksMask<>(SB), RODATA|NOPTR, $64

// TRANSPOSE4x2(r0, r1, r2, r3) transposes, in each 128-bit lane, the 4×4 matrix whose rows are
// r0…r3 there: afterwards rk holds the kth values of r0…r3, lane by lane. Y8…Y11 are scratch.
#define TRANSPOSE4x2(r0, r1, r2, r3) \
	VUNPCKLPS r1, r0, Y8; \
	VUNPCKHPS r1, r0, Y9; \
	VUNPCKLPS r3, r2, Y10; \
	VUNPCKHPS r3, r2, Y11; \
	VUNPCKLPD Y10, Y8, r0; \
	VUNPCKHPD Y10, Y8, r1; \
	VUNPCKLPD Y11, Y9, r2; \
	VUNPCKHPD Y11, Y9, r3

// func toBlocksAVX2(dst, src *float32, stride, n, count int)
// for p < count, l < 16: dst[p*16+l] = src[l*stride+p] if l < n, else 0
//
// Per chunk of eight pixels (CX the pixels left; SI the chunk's first value of plane 0, DI its
// first vector; R13 its pixels, 8 or the last count%8) and per half of the lanes (BX counts
// them; R10 the half's first plane at the chunk, DX each plane; R11 the planes it takes from
// src, n then n − 8; R12 its first lanes in dst): plane r < 4's eight values go into the low
// 128 bits of Yr (pixels 0–3) and Y(r+4) (pixels 4–7), plane r ≥ 4's into the high ones of
// Y(r−4) and Yr, planes from n on are zeros; TRANSPOSE4x2 twice then leaves pixel c's eight
// lanes in Yc. In the last chunk, X14 masks pixels 0–3 (those before count), X13 pixels 4–7,
// and X12 takes the high halves.
TEXT ·toBlocksAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), R8
	SHLQ $2, R8                         // the stride in bytes
	MOVQ n+24(FP), R9
	MOVQ count+32(FP), CX
	MOVQ R8, AX
	SHLQ $3, AX                         // eight planes, in bytes

avx2ToChunk:
	CMPQ CX, $0
	JLE  avx2ToDone
	MOVQ $8, R13
	CMPQ CX, $8
	JGE  avx2ToHalves
	MOVQ CX, R13                        // the last count%8 pixels
	MOVQ $8, DX
	SUBQ CX, DX
	LEAQ blocksMask<>(SB), R14
	VMOVDQU (R14)(DX*4), Y14            // the pixels before count
	VEXTRACTF128 $1, Y14, X13

avx2ToHalves:
	MOVQ SI, R10
	MOVQ R9, R11
	MOVQ DI, R12
	MOVQ $2, BX

avx2ToHalf:
	CMPQ R11, $8
	JGE  avx2ToLoad
	VXORPS Y0, Y0, Y0                   // the planes from n on
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ R11, $0
	JLE  avx2ToStore                    // the whole half

avx2ToLoad:
	MOVQ R10, DX
	CMPQ R13, $8
	JL   avx2ToTailLoad
	VMOVUPS (DX), X0                    // plane 0
	VMOVUPS 16(DX), X4
	CMPQ R11, $1
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMOVUPS (DX), X1                    // plane 1
	VMOVUPS 16(DX), X5
	CMPQ R11, $2
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMOVUPS (DX), X2                    // plane 2
	VMOVUPS 16(DX), X6
	CMPQ R11, $3
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMOVUPS (DX), X3                    // plane 3
	VMOVUPS 16(DX), X7
	CMPQ R11, $4
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VINSERTF128 $1, (DX), Y0, Y0        // plane 4
	VINSERTF128 $1, 16(DX), Y4, Y4
	CMPQ R11, $5
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VINSERTF128 $1, (DX), Y1, Y1        // plane 5
	VINSERTF128 $1, 16(DX), Y5, Y5
	CMPQ R11, $6
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VINSERTF128 $1, (DX), Y2, Y2        // plane 6
	VINSERTF128 $1, 16(DX), Y6, Y6
	CMPQ R11, $7
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VINSERTF128 $1, (DX), Y3, Y3        // plane 7
	VINSERTF128 $1, 16(DX), Y7, Y7
	JMP  avx2ToTranspose

avx2ToTailLoad:
	VMASKMOVPS (DX), X14, X0            // plane 0, the pixels before count
	VMASKMOVPS 16(DX), X13, X4
	CMPQ R11, $1
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMASKMOVPS (DX), X14, X1            // plane 1
	VMASKMOVPS 16(DX), X13, X5
	CMPQ R11, $2
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMASKMOVPS (DX), X14, X2            // plane 2
	VMASKMOVPS 16(DX), X13, X6
	CMPQ R11, $3
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMASKMOVPS (DX), X14, X3            // plane 3
	VMASKMOVPS 16(DX), X13, X7
	CMPQ R11, $4
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMASKMOVPS (DX), X14, X12           // plane 4
	VINSERTF128 $1, X12, Y0, Y0
	VMASKMOVPS 16(DX), X13, X12
	VINSERTF128 $1, X12, Y4, Y4
	CMPQ R11, $5
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMASKMOVPS (DX), X14, X12           // plane 5
	VINSERTF128 $1, X12, Y1, Y1
	VMASKMOVPS 16(DX), X13, X12
	VINSERTF128 $1, X12, Y5, Y5
	CMPQ R11, $6
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMASKMOVPS (DX), X14, X12           // plane 6
	VINSERTF128 $1, X12, Y2, Y2
	VMASKMOVPS 16(DX), X13, X12
	VINSERTF128 $1, X12, Y6, Y6
	CMPQ R11, $7
	JLE  avx2ToTranspose
	ADDQ R8, DX
	VMASKMOVPS (DX), X14, X12           // plane 7
	VINSERTF128 $1, X12, Y3, Y3
	VMASKMOVPS 16(DX), X13, X12
	VINSERTF128 $1, X12, Y7, Y7

avx2ToTranspose:
	TRANSPOSE4x2(Y0, Y1, Y2, Y3)
	TRANSPOSE4x2(Y4, Y5, Y6, Y7)

avx2ToStore:
	VMOVUPS Y0, 0(R12)                  // pixel 0
	CMPQ R13, $1
	JLE  avx2ToNextHalf
	VMOVUPS Y1, 64(R12)                 // pixel 1
	CMPQ R13, $2
	JLE  avx2ToNextHalf
	VMOVUPS Y2, 128(R12)                // pixel 2
	CMPQ R13, $3
	JLE  avx2ToNextHalf
	VMOVUPS Y3, 192(R12)                // pixel 3
	CMPQ R13, $4
	JLE  avx2ToNextHalf
	VMOVUPS Y4, 256(R12)                // pixel 4
	CMPQ R13, $5
	JLE  avx2ToNextHalf
	VMOVUPS Y5, 320(R12)                // pixel 5
	CMPQ R13, $6
	JLE  avx2ToNextHalf
	VMOVUPS Y6, 384(R12)                // pixel 6
	CMPQ R13, $7
	JLE  avx2ToNextHalf
	VMOVUPS Y7, 448(R12)                // pixel 7

avx2ToNextHalf:
	ADDQ AX, R10
	SUBQ $8, R11
	ADDQ $32, R12
	DECQ BX
	JNZ  avx2ToHalf
	ADDQ $32, SI
	ADDQ $512, DI
	SUBQ $8, CX
	JMP  avx2ToChunk

avx2ToDone:
	VZEROUPPER
	RET

// func fromBlocksAVX2(dst *float32, stride int, src *float32, n, count int)
// for p < count, l < n: dst[l*stride+p] = src[p*16+l]
//
// Per chunk of eight pixels (CX the pixels left; SI the chunk's first vector, DI its first value
// of plane 0; R13 its pixels, 8 or the last count%8) and per half of the lanes while it has
// planes before n (BX counts the halves; R12 the half's first lanes in src; R10 its first plane
// at the chunk, DX each plane; R11 the planes it gives, n then n − 8): pixel c < 4's eight lanes
// go into the low 128 bits of Yc (lanes 0–3) and Y(c+4) (lanes 4–7), pixel c ≥ 4's into the high
// ones of Y(c−4) and Yc, nothing for pixels from count on; TRANSPOSE4x2 twice then leaves plane
// r's eight values in Yr, stored for r before n. In the last chunk, Y14 masks the pixels before
// count.
TEXT ·fromBlocksAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), R8
	SHLQ $2, R8                         // the stride in bytes
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), R9
	MOVQ count+32(FP), CX
	MOVQ R8, AX
	SHLQ $3, AX                         // eight planes, in bytes

avx2FromChunk:
	CMPQ CX, $0
	JLE  avx2FromDone
	MOVQ $8, R13
	CMPQ CX, $8
	JGE  avx2FromHalves
	MOVQ CX, R13                        // the last count%8 pixels
	MOVQ $8, DX
	SUBQ CX, DX
	LEAQ blocksMask<>(SB), R14
	VMOVDQU (R14)(DX*4), Y14            // the pixels before count

avx2FromHalves:
	MOVQ DI, R10
	MOVQ R9, R11
	MOVQ SI, R12
	MOVQ $2, BX

avx2FromHalf:
	CMPQ R11, $0
	JLE  avx2FromNext                   // no planes left
	CMPQ R13, $8
	JL   avx2FromTailLoad
	VMOVUPS 0(R12), X0                  // pixel 0
	VMOVUPS 16(R12), X4
	VMOVUPS 64(R12), X1                 // pixel 1
	VMOVUPS 80(R12), X5
	VMOVUPS 128(R12), X2                // pixel 2
	VMOVUPS 144(R12), X6
	VMOVUPS 192(R12), X3                // pixel 3
	VMOVUPS 208(R12), X7
	VINSERTF128 $1, 256(R12), Y0, Y0    // pixel 4
	VINSERTF128 $1, 272(R12), Y4, Y4
	VINSERTF128 $1, 320(R12), Y1, Y1    // pixel 5
	VINSERTF128 $1, 336(R12), Y5, Y5
	VINSERTF128 $1, 384(R12), Y2, Y2    // pixel 6
	VINSERTF128 $1, 400(R12), Y6, Y6
	VINSERTF128 $1, 448(R12), Y3, Y3    // pixel 7
	VINSERTF128 $1, 464(R12), Y7, Y7
	JMP  avx2FromTranspose

avx2FromTailLoad:                   // the lanes of pixels from count on are not stored
	VMOVUPS 0(R12), X0                  // pixel 0
	VMOVUPS 16(R12), X4
	CMPQ R13, $1
	JLE  avx2FromTranspose
	VMOVUPS 64(R12), X1                 // pixel 1
	VMOVUPS 80(R12), X5
	CMPQ R13, $2
	JLE  avx2FromTranspose
	VMOVUPS 128(R12), X2                // pixel 2
	VMOVUPS 144(R12), X6
	CMPQ R13, $3
	JLE  avx2FromTranspose
	VMOVUPS 192(R12), X3                // pixel 3
	VMOVUPS 208(R12), X7
	CMPQ R13, $4
	JLE  avx2FromTranspose
	VINSERTF128 $1, 256(R12), Y0, Y0    // pixel 4
	VINSERTF128 $1, 272(R12), Y4, Y4
	CMPQ R13, $5
	JLE  avx2FromTranspose
	VINSERTF128 $1, 320(R12), Y1, Y1    // pixel 5
	VINSERTF128 $1, 336(R12), Y5, Y5
	CMPQ R13, $6
	JLE  avx2FromTranspose
	VINSERTF128 $1, 384(R12), Y2, Y2    // pixel 6
	VINSERTF128 $1, 400(R12), Y6, Y6

avx2FromTranspose:
	TRANSPOSE4x2(Y0, Y1, Y2, Y3)
	TRANSPOSE4x2(Y4, Y5, Y6, Y7)
	MOVQ R10, DX
	CMPQ R13, $8
	JL   avx2FromTailStore
	VMOVUPS Y0, (DX)                    // plane 0
	CMPQ R11, $1
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMOVUPS Y1, (DX)                    // plane 1
	CMPQ R11, $2
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMOVUPS Y2, (DX)                    // plane 2
	CMPQ R11, $3
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMOVUPS Y3, (DX)                    // plane 3
	CMPQ R11, $4
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMOVUPS Y4, (DX)                    // plane 4
	CMPQ R11, $5
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMOVUPS Y5, (DX)                    // plane 5
	CMPQ R11, $6
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMOVUPS Y6, (DX)                    // plane 6
	CMPQ R11, $7
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMOVUPS Y7, (DX)                    // plane 7
	JMP  avx2FromNextHalf

avx2FromTailStore:
	VMASKMOVPS Y0, Y14, (DX)            // plane 0, the pixels before count
	CMPQ R11, $1
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMASKMOVPS Y1, Y14, (DX)            // plane 1
	CMPQ R11, $2
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMASKMOVPS Y2, Y14, (DX)            // plane 2
	CMPQ R11, $3
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMASKMOVPS Y3, Y14, (DX)            // plane 3
	CMPQ R11, $4
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMASKMOVPS Y4, Y14, (DX)            // plane 4
	CMPQ R11, $5
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMASKMOVPS Y5, Y14, (DX)            // plane 5
	CMPQ R11, $6
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMASKMOVPS Y6, Y14, (DX)            // plane 6
	CMPQ R11, $7
	JLE  avx2FromNextHalf
	ADDQ R8, DX
	VMASKMOVPS Y7, Y14, (DX)            // plane 7

avx2FromNextHalf:
	ADDQ AX, R10
	SUBQ $8, R11
	ADDQ $32, R12
	DECQ BX
	JNZ  avx2FromHalf

avx2FromNext:
	ADDQ $32, DI
	ADDQ $512, SI
	SUBQ $8, CX
	JMP  avx2FromChunk

avx2FromDone:
	VZEROUPPER
	RET
