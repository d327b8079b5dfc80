//go:build !noasm

#include "textflag.h"

#define DST DI  // dst: column q of the current block of p
#define DW R8   // width in bytes: the stride between rows p of dst
#define DW3 BX  // 3·width in bytes
#define SRC SI  // src: row q, column p of the current block
#define LD R9   // ld in bytes: the stride between rows q of src
#define LD3 R12 // 3·ld in bytes
#define NQ R10  // groups of four rows q left
#define NP R11  // blocks of sixteen columns p per group
#define CNT CX  // blocks left in this group
#define IN AX   // the block being read
#define OUT DX  // the first row p of the block in dst
#define OUT4 R13 // rows p = 4l … 4l+3 of the block in dst

// func transpose4x16AVX512(dst *float32, width int, src *float32, ld, rows, cols int)
TEXT ·transpose4x16AVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DST
	MOVQ width+8(FP), DW
	SHLQ $2, DW                   // DW = width in bytes
	LEAQ (DW)(DW*2), DW3          // DW3 = 3·DW
	MOVQ src+16(FP), SRC
	MOVQ ld+24(FP), LD
	SHLQ $2, LD                   // LD = ld in bytes
	LEAQ (LD)(LD*2), LD3          // LD3 = 3·LD
	MOVQ rows+32(FP), NQ
	SHRQ $2, NQ                   // NQ = rows / 4
	MOVQ cols+40(FP), NP
	SHRQ $4, NP                   // NP = cols / 16
	TESTQ NQ, NQ
	JZ    done
	TESTQ NP, NP
	JZ    done

group:
	MOVQ SRC, IN
	MOVQ DST, OUT
	MOVQ NP, CNT

block:
	// Rows a, b, c, d (q … q+3), columns p … p+15.
	VMOVUPS (IN), Z0              // a
	VMOVUPS (IN)(LD*1), Z1        // b
	VMOVUPS (IN)(LD*2), Z2        // c
	VMOVUPS (IN)(LD3*1), Z3       // d
	PREFETCHT0 256(IN)            // four blocks ahead in each row
	PREFETCHT0 256(IN)(LD*1)
	PREFETCHT0 256(IN)(LD*2)
	PREFETCHT0 256(IN)(LD3*1)

	// Interleave pairs, then pairs of pairs, within each 128-bit lane l (columns 4l … 4l+3):
	// Z8 holds a, b, c, d of column 4l in lane l, Z9 of column 4l+1, Z10 of 4l+2, Z11 of 4l+3.
	VUNPCKLPS Z1, Z0, Z4          // a0 b0 a1 b1 per lane
	VUNPCKHPS Z1, Z0, Z5          // a2 b2 a3 b3
	VUNPCKLPS Z3, Z2, Z6          // c0 d0 c1 d1
	VUNPCKHPS Z3, Z2, Z7          // c2 d2 c3 d3
	VUNPCKLPD Z6, Z4, Z8          // a0 b0 c0 d0
	VUNPCKHPD Z6, Z4, Z9          // a1 b1 c1 d1
	VUNPCKLPD Z7, Z5, Z10         // a2 b2 c2 d2
	VUNPCKHPD Z7, Z5, Z11         // a3 b3 c3 d3

	// Store lane l of Z8 … Z11 to rows 4l … 4l+3 of dst, four values each.
	VMOVUPS X8, (OUT)             // lane 0: rows p … p+3
	VMOVUPS X9, (OUT)(DW*1)
	VMOVUPS X10, (OUT)(DW*2)
	VMOVUPS X11, (OUT)(DW3*1)
	LEAQ (OUT)(DW*4), OUT4        // lane 1: rows p+4 … p+7
	VEXTRACTF32X4 $1, Z8, (OUT4)
	VEXTRACTF32X4 $1, Z9, (OUT4)(DW*1)
	VEXTRACTF32X4 $1, Z10, (OUT4)(DW*2)
	VEXTRACTF32X4 $1, Z11, (OUT4)(DW3*1)
	LEAQ (OUT4)(DW*4), OUT4       // lane 2: rows p+8 … p+11
	VEXTRACTF32X4 $2, Z8, (OUT4)
	VEXTRACTF32X4 $2, Z9, (OUT4)(DW*1)
	VEXTRACTF32X4 $2, Z10, (OUT4)(DW*2)
	VEXTRACTF32X4 $2, Z11, (OUT4)(DW3*1)
	LEAQ (OUT4)(DW*4), OUT4       // lane 3: rows p+12 … p+15
	VEXTRACTF32X4 $3, Z8, (OUT4)
	VEXTRACTF32X4 $3, Z9, (OUT4)(DW*1)
	VEXTRACTF32X4 $3, Z10, (OUT4)(DW*2)
	VEXTRACTF32X4 $3, Z11, (OUT4)(DW3*1)

	ADDQ $64, IN                  // next sixteen columns of src
	LEAQ (OUT4)(DW*4), OUT        // next sixteen rows of dst
	DECQ CNT
	JNZ  block

	LEAQ (SRC)(LD*4), SRC         // next four rows of src
	ADDQ $16, DST                 // next four columns of dst
	DECQ NQ
	JNZ  group

done:
	VZEROUPPER
	RET
