//go:build !noasm

#include "textflag.h"

// Registers shared by both kernels.
#define KC CX  // steps of p left in the tail loop
#define K4 R10 // groups of four steps left in the main loop
#define PA AX  // packed A micro-panel, advancing by one column of mr values per step
#define PB BX  // packed B micro-panel, advancing by one row of nr values per step
#define PC DX  // the tile of C
#define LDC SI // the row stride of C, in bytes
#define ROW R9 // the current row of C in the store step
#define RB R8  // the row bias, or nil
#define CB R11 // the column bias, or nil
#define FL R12 // the flags

// ---------------------------------------------------------------------------------------------
// AVX-512, 12×32. Z0..Z23 hold the tile: row i is Z(2i) (columns 0..15) and Z(2i+1) (16..31).
// Z24:Z25 hold a row of B; Z26..Z31 hold broadcasts of A and, in the store step, the biases.

// STEP512 is one step of p at byte offsets ao into PA and bo into PB: load b[p*32:][:32] into
// Z24:Z25, then for each row i broadcast a[p*12+i] and fuse-multiply-add it into Z(2i):Z(2i+1).
#define STEP512(ao, bo) \
	VMOVUPS bo(PB), Z24; \
	VMOVUPS bo+64(PB), Z25; \
	VBROADCASTSS ao+0(PA), Z26; \
	VBROADCASTSS ao+4(PA), Z27; \
	VBROADCASTSS ao+8(PA), Z28; \
	VFMADD231PS Z24, Z26, Z0; \
	VFMADD231PS Z25, Z26, Z1; \
	VFMADD231PS Z24, Z27, Z2; \
	VFMADD231PS Z25, Z27, Z3; \
	VFMADD231PS Z24, Z28, Z4; \
	VFMADD231PS Z25, Z28, Z5; \
	VBROADCASTSS ao+12(PA), Z29; \
	VBROADCASTSS ao+16(PA), Z30; \
	VBROADCASTSS ao+20(PA), Z31; \
	VFMADD231PS Z24, Z29, Z6; \
	VFMADD231PS Z25, Z29, Z7; \
	VFMADD231PS Z24, Z30, Z8; \
	VFMADD231PS Z25, Z30, Z9; \
	VFMADD231PS Z24, Z31, Z10; \
	VFMADD231PS Z25, Z31, Z11; \
	VBROADCASTSS ao+24(PA), Z26; \
	VBROADCASTSS ao+28(PA), Z27; \
	VBROADCASTSS ao+32(PA), Z28; \
	VFMADD231PS Z24, Z26, Z12; \
	VFMADD231PS Z25, Z26, Z13; \
	VFMADD231PS Z24, Z27, Z14; \
	VFMADD231PS Z25, Z27, Z15; \
	VFMADD231PS Z24, Z28, Z16; \
	VFMADD231PS Z25, Z28, Z17; \
	VBROADCASTSS ao+36(PA), Z29; \
	VBROADCASTSS ao+40(PA), Z30; \
	VBROADCASTSS ao+44(PA), Z31; \
	VFMADD231PS Z24, Z29, Z18; \
	VFMADD231PS Z25, Z29, Z19; \
	VFMADD231PS Z24, Z30, Z20; \
	VFMADD231PS Z25, Z30, Z21; \
	VFMADD231PS Z24, Z31, Z22; \
	VFMADD231PS Z25, Z31, Z23

// ACC512 adds the old tile of C, row by row from ROW, to the accumulators.
#define ACC512 \
	VADDPS (ROW), Z0, Z0; \
	VADDPS 64(ROW), Z1, Z1; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z2, Z2; \
	VADDPS 64(ROW), Z3, Z3; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z4, Z4; \
	VADDPS 64(ROW), Z5, Z5; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z6, Z6; \
	VADDPS 64(ROW), Z7, Z7; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z8, Z8; \
	VADDPS 64(ROW), Z9, Z9; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z10, Z10; \
	VADDPS 64(ROW), Z11, Z11; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z12, Z12; \
	VADDPS 64(ROW), Z13, Z13; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z14, Z14; \
	VADDPS 64(ROW), Z15, Z15; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z16, Z16; \
	VADDPS 64(ROW), Z17, Z17; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z18, Z18; \
	VADDPS 64(ROW), Z19, Z19; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z20, Z20; \
	VADDPS 64(ROW), Z21, Z21; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Z22, Z22; \
	VADDPS 64(ROW), Z23, Z23; \
	ADDQ LDC, ROW

// ROWBIAS512 adds rowBias[i] (broadcast into Z26) to row i.
#define ROWBIAS512 \
	VBROADCASTSS 0(RB), Z26; \
	VADDPS Z26, Z0, Z0; \
	VADDPS Z26, Z1, Z1; \
	VBROADCASTSS 4(RB), Z26; \
	VADDPS Z26, Z2, Z2; \
	VADDPS Z26, Z3, Z3; \
	VBROADCASTSS 8(RB), Z26; \
	VADDPS Z26, Z4, Z4; \
	VADDPS Z26, Z5, Z5; \
	VBROADCASTSS 12(RB), Z26; \
	VADDPS Z26, Z6, Z6; \
	VADDPS Z26, Z7, Z7; \
	VBROADCASTSS 16(RB), Z26; \
	VADDPS Z26, Z8, Z8; \
	VADDPS Z26, Z9, Z9; \
	VBROADCASTSS 20(RB), Z26; \
	VADDPS Z26, Z10, Z10; \
	VADDPS Z26, Z11, Z11; \
	VBROADCASTSS 24(RB), Z26; \
	VADDPS Z26, Z12, Z12; \
	VADDPS Z26, Z13, Z13; \
	VBROADCASTSS 28(RB), Z26; \
	VADDPS Z26, Z14, Z14; \
	VADDPS Z26, Z15, Z15; \
	VBROADCASTSS 32(RB), Z26; \
	VADDPS Z26, Z16, Z16; \
	VADDPS Z26, Z17, Z17; \
	VBROADCASTSS 36(RB), Z26; \
	VADDPS Z26, Z18, Z18; \
	VADDPS Z26, Z19, Z19; \
	VBROADCASTSS 40(RB), Z26; \
	VADDPS Z26, Z20, Z20; \
	VADDPS Z26, Z21, Z21; \
	VBROADCASTSS 44(RB), Z26; \
	VADDPS Z26, Z22, Z22; \
	VADDPS Z26, Z23, Z23

// COLBIAS512 adds colBias (in Z24:Z25) to every row.
#define COLBIAS512 \
	VADDPS Z24, Z0, Z0; \
	VADDPS Z25, Z1, Z1; \
	VADDPS Z24, Z2, Z2; \
	VADDPS Z25, Z3, Z3; \
	VADDPS Z24, Z4, Z4; \
	VADDPS Z25, Z5, Z5; \
	VADDPS Z24, Z6, Z6; \
	VADDPS Z25, Z7, Z7; \
	VADDPS Z24, Z8, Z8; \
	VADDPS Z25, Z9, Z9; \
	VADDPS Z24, Z10, Z10; \
	VADDPS Z25, Z11, Z11; \
	VADDPS Z24, Z12, Z12; \
	VADDPS Z25, Z13, Z13; \
	VADDPS Z24, Z14, Z14; \
	VADDPS Z25, Z15, Z15; \
	VADDPS Z24, Z16, Z16; \
	VADDPS Z25, Z17, Z17; \
	VADDPS Z24, Z18, Z18; \
	VADDPS Z25, Z19, Z19; \
	VADDPS Z24, Z20, Z20; \
	VADDPS Z25, Z21, Z21; \
	VADDPS Z24, Z22, Z22; \
	VADDPS Z25, Z23, Z23

// RELU512 clamps every element at zero (Z26 holds zeros): max(0, x) returns x when x is NaN.
#define RELU512 \
	VMAXPS Z0, Z26, Z0; \
	VMAXPS Z1, Z26, Z1; \
	VMAXPS Z2, Z26, Z2; \
	VMAXPS Z3, Z26, Z3; \
	VMAXPS Z4, Z26, Z4; \
	VMAXPS Z5, Z26, Z5; \
	VMAXPS Z6, Z26, Z6; \
	VMAXPS Z7, Z26, Z7; \
	VMAXPS Z8, Z26, Z8; \
	VMAXPS Z9, Z26, Z9; \
	VMAXPS Z10, Z26, Z10; \
	VMAXPS Z11, Z26, Z11; \
	VMAXPS Z12, Z26, Z12; \
	VMAXPS Z13, Z26, Z13; \
	VMAXPS Z14, Z26, Z14; \
	VMAXPS Z15, Z26, Z15; \
	VMAXPS Z16, Z26, Z16; \
	VMAXPS Z17, Z26, Z17; \
	VMAXPS Z18, Z26, Z18; \
	VMAXPS Z19, Z26, Z19; \
	VMAXPS Z20, Z26, Z20; \
	VMAXPS Z21, Z26, Z21; \
	VMAXPS Z22, Z26, Z22; \
	VMAXPS Z23, Z26, Z23

// STORE512 writes the tile to C, row by row from ROW.
#define STORE512 \
	VMOVUPS Z0, (ROW); \
	VMOVUPS Z1, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z2, (ROW); \
	VMOVUPS Z3, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z4, (ROW); \
	VMOVUPS Z5, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z6, (ROW); \
	VMOVUPS Z7, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z8, (ROW); \
	VMOVUPS Z9, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z10, (ROW); \
	VMOVUPS Z11, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z12, (ROW); \
	VMOVUPS Z13, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z14, (ROW); \
	VMOVUPS Z15, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z16, (ROW); \
	VMOVUPS Z17, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z18, (ROW); \
	VMOVUPS Z19, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z20, (ROW); \
	VMOVUPS Z21, 64(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Z22, (ROW); \
	VMOVUPS Z23, 64(ROW); \
	ADDQ LDC, ROW

// func sgemmKernel12x32AVX512(kc int, a, b, c *float32, ldc int, rowBias, colBias *float32, flags int)
TEXT ·sgemmKernel12x32AVX512(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), KC           // KC = kc
	MOVQ a+8(FP), PA
	MOVQ b+16(FP), PB
	MOVQ c+24(FP), PC
	MOVQ ldc+32(FP), LDC
	SHLQ $2, LDC                // LDC = ldc in bytes
	MOVQ rowBias+40(FP), RB
	MOVQ colBias+48(FP), CB
	MOVQ flags+56(FP), FL

	// Prefetch the tile of C (its first, middle and last bytes per row) while we compute.
	MOVQ PC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 64(ROW); PREFETCHT0 124(ROW); ADDQ LDC, ROW

	// Clear the accumulators.
	VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9; VPXORD Z10, Z10, Z10; VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12; VPXORD Z13, Z13, Z13; VPXORD Z14, Z14, Z14; VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16; VPXORD Z17, Z17, Z17; VPXORD Z18, Z18, Z18; VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20; VPXORD Z21, Z21, Z21; VPXORD Z22, Z22, Z22; VPXORD Z23, Z23, Z23

	MOVQ KC, K4
	SHRQ $2, K4                 // K4 = kc / 4
	ANDQ $3, KC                 // KC = kc % 4
	TESTQ K4, K4
	JZ   k_tail512

k_loop512:
	// Prefetch A eight steps (384 bytes) ahead into L1; B stays in L1 across the tiles of a column.
	PREFETCHT0 384(PA)
	PREFETCHT0 448(PA)
	PREFETCHT0 512(PA)
	STEP512(0, 0)
	STEP512(48, 128)
	STEP512(96, 256)
	STEP512(144, 384)
	ADDQ $192, PA                // four columns of A
	ADDQ $512, PB                // four rows of B
	DECQ K4
	JNZ  k_loop512

k_tail512:
	TESTQ KC, KC
	JZ    store512

k_tail_loop512:
	STEP512(0, 0)
	ADDQ $48, PA                 // one column of A
	ADDQ $128, PB                // one row of B
	DECQ KC
	JNZ  k_tail_loop512

store512:
	TESTQ $1, FL                // kernelAcc: add the old C
	JZ    rowbias512
	MOVQ  PC, ROW
	ACC512

rowbias512:
	TESTQ RB, RB
	JZ    colbias512
	ROWBIAS512

colbias512:
	TESTQ CB, CB
	JZ    relu512
	VMOVUPS (CB), Z24              // the column bias
	VMOVUPS 64(CB), Z25
	COLBIAS512

relu512:
	TESTQ $2, FL                // kernelReLU
	JZ    store_c512
	VPXORD Z26, Z26, Z26       // zeros
	RELU512

store_c512:
	MOVQ PC, ROW
	STORE512
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------------------------
// AVX2 and FMA, 6×16. Y0..Y11 hold the tile: row i is Y(2i) (columns 0..7) and Y(2i+1) (8..15).
// Y12:Y13 hold a row of B; Y14, Y15 hold broadcasts of A and, in the store step, the biases.

// STEP256 is one step of p at byte offsets ao into PA and bo into PB: load b[p*16:][:16] into
// Y12:Y13, then for each row i broadcast a[p*6+i] and fuse-multiply-add it into Y(2i):Y(2i+1).
#define STEP256(ao, bo) \
	VMOVUPS bo(PB), Y12; \
	VMOVUPS bo+32(PB), Y13; \
	VBROADCASTSS ao+0(PA), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS ao+4(PA), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS ao+8(PA), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS ao+12(PA), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS ao+16(PA), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS ao+20(PA), Y15; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11

// ACC256 adds the old tile of C, row by row from ROW, to the accumulators.
#define ACC256 \
	VADDPS (ROW), Y0, Y0; \
	VADDPS 32(ROW), Y1, Y1; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Y2, Y2; \
	VADDPS 32(ROW), Y3, Y3; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Y4, Y4; \
	VADDPS 32(ROW), Y5, Y5; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Y6, Y6; \
	VADDPS 32(ROW), Y7, Y7; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Y8, Y8; \
	VADDPS 32(ROW), Y9, Y9; \
	ADDQ LDC, ROW; \
	VADDPS (ROW), Y10, Y10; \
	VADDPS 32(ROW), Y11, Y11; \
	ADDQ LDC, ROW

// ROWBIAS256 adds rowBias[i] (broadcast into Y14) to row i.
#define ROWBIAS256 \
	VBROADCASTSS 0(RB), Y14; \
	VADDPS Y14, Y0, Y0; \
	VADDPS Y14, Y1, Y1; \
	VBROADCASTSS 4(RB), Y14; \
	VADDPS Y14, Y2, Y2; \
	VADDPS Y14, Y3, Y3; \
	VBROADCASTSS 8(RB), Y14; \
	VADDPS Y14, Y4, Y4; \
	VADDPS Y14, Y5, Y5; \
	VBROADCASTSS 12(RB), Y14; \
	VADDPS Y14, Y6, Y6; \
	VADDPS Y14, Y7, Y7; \
	VBROADCASTSS 16(RB), Y14; \
	VADDPS Y14, Y8, Y8; \
	VADDPS Y14, Y9, Y9; \
	VBROADCASTSS 20(RB), Y14; \
	VADDPS Y14, Y10, Y10; \
	VADDPS Y14, Y11, Y11

// COLBIAS256 adds colBias (in Y12:Y13) to every row.
#define COLBIAS256 \
	VADDPS Y12, Y0, Y0; \
	VADDPS Y13, Y1, Y1; \
	VADDPS Y12, Y2, Y2; \
	VADDPS Y13, Y3, Y3; \
	VADDPS Y12, Y4, Y4; \
	VADDPS Y13, Y5, Y5; \
	VADDPS Y12, Y6, Y6; \
	VADDPS Y13, Y7, Y7; \
	VADDPS Y12, Y8, Y8; \
	VADDPS Y13, Y9, Y9; \
	VADDPS Y12, Y10, Y10; \
	VADDPS Y13, Y11, Y11

// RELU256 clamps every element at zero (Y14 holds zeros): max(0, x) returns x when x is NaN.
#define RELU256 \
	VMAXPS Y0, Y14, Y0; \
	VMAXPS Y1, Y14, Y1; \
	VMAXPS Y2, Y14, Y2; \
	VMAXPS Y3, Y14, Y3; \
	VMAXPS Y4, Y14, Y4; \
	VMAXPS Y5, Y14, Y5; \
	VMAXPS Y6, Y14, Y6; \
	VMAXPS Y7, Y14, Y7; \
	VMAXPS Y8, Y14, Y8; \
	VMAXPS Y9, Y14, Y9; \
	VMAXPS Y10, Y14, Y10; \
	VMAXPS Y11, Y14, Y11

// STORE256 writes the tile to C, row by row from ROW.
#define STORE256 \
	VMOVUPS Y0, (ROW); \
	VMOVUPS Y1, 32(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Y2, (ROW); \
	VMOVUPS Y3, 32(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Y4, (ROW); \
	VMOVUPS Y5, 32(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Y6, (ROW); \
	VMOVUPS Y7, 32(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Y8, (ROW); \
	VMOVUPS Y9, 32(ROW); \
	ADDQ LDC, ROW; \
	VMOVUPS Y10, (ROW); \
	VMOVUPS Y11, 32(ROW); \
	ADDQ LDC, ROW

// func sgemmKernel6x16AVX2(kc int, a, b, c *float32, ldc int, rowBias, colBias *float32, flags int)
TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), KC           // KC = kc
	MOVQ a+8(FP), PA
	MOVQ b+16(FP), PB
	MOVQ c+24(FP), PC
	MOVQ ldc+32(FP), LDC
	SHLQ $2, LDC                // LDC = ldc in bytes
	MOVQ rowBias+40(FP), RB
	MOVQ colBias+48(FP), CB
	MOVQ flags+56(FP), FL

	// Prefetch the tile of C (its first, middle and last bytes per row) while we compute.
	MOVQ PC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 32(ROW); PREFETCHT0 60(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 32(ROW); PREFETCHT0 60(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 32(ROW); PREFETCHT0 60(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 32(ROW); PREFETCHT0 60(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 32(ROW); PREFETCHT0 60(ROW); ADDQ LDC, ROW
	PREFETCHT0 (ROW); PREFETCHT0 32(ROW); PREFETCHT0 60(ROW); ADDQ LDC, ROW

	// Clear the accumulators.
	VPXOR Y0, Y0, Y0; VPXOR Y1, Y1, Y1; VPXOR Y2, Y2, Y2; VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4; VPXOR Y5, Y5, Y5; VPXOR Y6, Y6, Y6; VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8; VPXOR Y9, Y9, Y9; VPXOR Y10, Y10, Y10; VPXOR Y11, Y11, Y11

	MOVQ KC, K4
	SHRQ $2, K4                 // K4 = kc / 4
	ANDQ $3, KC                 // KC = kc % 4
	TESTQ K4, K4
	JZ   k_tail256

k_loop256:
	// Prefetch A eight steps (192 bytes) ahead into L1; B stays in L1 across the tiles of a column.
	PREFETCHT0 192(PA)
	PREFETCHT0 256(PA)
	STEP256(0, 0)
	STEP256(24, 64)
	STEP256(48, 128)
	STEP256(72, 192)
	ADDQ $96, PA                // four columns of A
	ADDQ $256, PB                // four rows of B
	DECQ K4
	JNZ  k_loop256

k_tail256:
	TESTQ KC, KC
	JZ    store256

k_tail_loop256:
	STEP256(0, 0)
	ADDQ $24, PA                 // one column of A
	ADDQ $64, PB                // one row of B
	DECQ KC
	JNZ  k_tail_loop256

store256:
	TESTQ $1, FL                // kernelAcc: add the old C
	JZ    rowbias256
	MOVQ  PC, ROW
	ACC256

rowbias256:
	TESTQ RB, RB
	JZ    colbias256
	ROWBIAS256

colbias256:
	TESTQ CB, CB
	JZ    relu256
	VMOVUPS (CB), Y12              // the column bias
	VMOVUPS 32(CB), Y13
	COLBIAS256

relu256:
	TESTQ $2, FL                // kernelReLU
	JZ    store_c256
	VPXOR Y14, Y14, Y14       // zeros
	RELU256

store_c256:
	MOVQ PC, ROW
	STORE256
	VZEROUPPER
	RET
