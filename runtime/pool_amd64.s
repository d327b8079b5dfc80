//go:build !noasm

#include "textflag.h"

// evens are the indices of every other value of two vectors, for windows two apart.
DATA evens<>+0(SB)/4, $0
DATA evens<>+4(SB)/4, $2
DATA evens<>+8(SB)/4, $4
DATA evens<>+12(SB)/4, $6
DATA evens<>+16(SB)/4, $8
DATA evens<>+20(SB)/4, $10
DATA evens<>+24(SB)/4, $12
DATA evens<>+28(SB)/4, $14
DATA evens<>+32(SB)/4, $16
DATA evens<>+36(SB)/4, $18
DATA evens<>+40(SB)/4, $20
DATA evens<>+44(SB)/4, $22
DATA evens<>+48(SB)/4, $24
DATA evens<>+52(SB)/4, $26
DATA evens<>+56(SB)/4, $28
DATA evens<>+60(SB)/4, $30
GLOBL evens<>(SB), RODATA|NOPTR, $64

// func maxArgmaxAVX512(best *float32, at *int32, x *float32, ix0 *int32, iy0, kh, kw, h, w, sw int)
TEXT ·maxArgmaxAVX512(SB), NOSPLIT, $0-80
	MOVQ best+0(FP), BX
	MOVQ at+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ ix0+24(FP), R8
	MOVQ iy0+32(FP), R9                 // iy = iy0 + ky
	MOVQ kh+40(FP), R12                 // rows of the window left
	MOVQ kw+48(FP), R13
	MOVQ h+56(FP), R14
	MOVQ w+64(FP), R15
	MOVQ sw+72(FP), DX                  // the windows' stride: 1 and 2 load, others gather
	MOVL $0x55555555, CX                // every other bit, for stride 2's masks
	VMOVDQU32    evens<>(SB), Z23
	VMOVDQU32    (R8), Z20              // ix0 of each lane
	VPBROADCASTD R15, Z21               // w in every lane
	VPTERNLOGD   $0xff, Z2, Z2, Z2      // the index of each lane's maximum: −1, none yet
	VXORPS       Z1, Z1, Z1             // each lane's maximum
	KXNORW       K3, K3, K3             // K3: lanes that have taken no value yet
	TESTQ R12, R12
	JLE   done

row:
	CMPQ R9, R14                        // iy outside [0, h), unsigned: the row reads nothing
	JAE  nextRow
	MOVQ R9, R10
	IMULQ R15, R10
	VPBROADCASTD R10, Z22               // iy·w
	XORQ R11, R11                       // kx

col:
	VPBROADCASTD R11, Z6
	VPADDD   Z6, Z20, Z5                // ix = ix0 + kx
	VPCMPUD  $1, Z21, Z5, K1            // K1: ix < w, unsigned, so also ix ≥ 0
	VPADDD   Z22, Z5, Z7                // the index iy·w + ix
	CMPQ     DX, $1
	JEQ      stride1
	CMPQ     DX, $2
	JEQ      stride2
	KMOVW    K1, K2                     // the gather clears its mask
	VXORPS   Z8, Z8, Z8
	VGATHERDPS (SI)(Z7*4), K2, Z8       // the values where K1 is set
	JMP      compare

stride1:                                // lane j reads the value j after lane 0's
	VMOVD    X7, R10
	MOVLQSX  R10, R10
	VMOVUPS.Z (SI)(R10*4), K1, Z8
	JMP      compare

stride2:                                // lane j reads the value 2j after lane 0's
	VMOVD    X7, R10
	MOVLQSX  R10, R10
	KMOVW    K1, AX
	PDEPL    CX, AX, AX                 // lane j's bit to bit 2j
	KMOVD    AX, K6
	KSHIFTRD $16, K6, K7
	VMOVUPS.Z (SI)(R10*4), K6, Z8       // the 32 values from lane 0's, those read
	VMOVUPS.Z 64(SI)(R10*4), K7, Z9
	VPERMT2PS Z9, Z23, Z8               // every other one

compare:
	VCMPPS   $0x1e, Z1, Z8, K4          // K4: value > maximum (GT_OQ: false for NaN)
	VCMPPS   $0x03, Z8, Z8, K5          // K5: the value is NaN (UNORD_Q)
	KORW     K5, K4, K4                 // either
	KORW     K3, K4, K4                 // or the lane has no value yet
	KANDW    K1, K4, K4                 // and the value is inside the image
	VMOVAPS   Z8, K4, Z1                // take it
	VMOVDQA32 Z7, K4, Z2                // and its index
	KANDNW   K3, K4, K3                 // those lanes now have a value
	INCQ R11
	CMPQ R11, R13
	JLT  col

nextRow:
	INCQ R9
	DECQ R12
	JNZ  row

done:
	VMOVUPS   Z1, (BX)
	VMOVDQU32 Z2, (DI)
	VZEROUPPER
	RET

// func maxPoolRowAVX512(y, x *float32, n, kh, kw, sw, row int)
TEXT ·maxPoolRowAVX512(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ kh+24(FP), R8
	MOVQ kw+32(FP), R9
	MOVQ sw+40(FP), R10
	SHLQ $6, R10                        // bytes between windows
	MOVQ row+48(FP), R11
	SHLQ $2, R11                        // bytes between rows
	TESTQ CX, CX
	JLE   rowDone

rowOut:
	VMOVUPS (SI), Z0                    // the maximum, started by the first value
	MOVQ    SI, AX                      // the window's row
	MOVQ    R8, R12                     // rows left

rowRow:
	MOVQ AX, DX
	MOVQ R9, R13                        // columns left

rowCol:
	VMOVUPS (DX), Z1
	VCMPPS  $3, Z1, Z1, K1              // K1: the value is NaN (UNORD_Q)
	VMAXPS  Z0, Z1, Z0                  // the value where greater, else the maximum (also when either is NaN)
	VMOVAPS Z1, K1, Z0                  // NaN replaces it
	ADDQ    $64, DX
	DECQ    R13
	JNZ     rowCol
	ADDQ    R11, AX
	DECQ    R12
	JNZ     rowRow
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	ADDQ    R10, SI
	DECQ    CX
	JNZ     rowOut

rowDone:
	VZEROUPPER
	RET

// func maxPoolBackRowAVX512(dx, x, dy *float32, n, kh, kw, sw, row int)
TEXT ·maxPoolBackRowAVX512(SB), NOSPLIT, $0-64
	MOVQ dx+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ kh+32(FP), R8
	MOVQ kw+40(FP), R9
	MOVQ sw+48(FP), R10
	SHLQ $6, R10                        // bytes between windows
	MOVQ row+56(FP), R11
	SHLQ $2, R11                        // bytes between rows
	MOVL $1, AX
	VPBROADCASTD AX, Z4                 // 1 in every lane
	TESTQ CX, CX
	JLE   backDone

backOut:
	// The search: Z0 each lane's maximum, Z2 its position in the window, Z3 the position.
	VMOVUPS (SI), Z0
	VPXORD  Z2, Z2, Z2
	VPXORD  Z3, Z3, Z3
	MOVQ    SI, AX
	MOVQ    R8, R12

backRow:
	MOVQ AX, DX
	MOVQ R9, R13

backCol:
	VMOVUPS   (DX), Z1
	VCMPPS    $0x1e, Z0, Z1, K1         // K1: the value is greater (GT_OQ)
	VCMPPS    $3, Z1, Z1, K2            // K2: or NaN
	KORW      K2, K1, K1
	VMOVAPS   Z1, K1, Z0
	VMOVDQA32 Z3, K1, Z2
	VPADDD    Z4, Z3, Z3
	ADDQ      $64, DX
	DECQ      R13
	JNZ       backCol
	ADDQ      R11, AX
	DECQ      R12
	JNZ       backRow

	// The gradient: at each position, dx += dy in the lanes whose maximum it holds.
	VMOVUPS (BX), Z5
	VPXORD  Z3, Z3, Z3
	MOVQ    DI, AX
	MOVQ    R8, R12

addRow:
	MOVQ AX, DX
	MOVQ R9, R13

addCol:
	VPCMPEQD Z3, Z2, K1
	VMOVUPS  (DX), Z6
	VADDPS   Z5, Z6, Z6
	VMOVUPS  Z6, K1, (DX)
	VPADDD   Z4, Z3, Z3
	ADDQ     $64, DX
	DECQ     R13
	JNZ      addCol
	ADDQ     R11, AX
	DECQ     R12
	JNZ      addRow

	ADDQ $64, BX
	ADDQ R10, SI
	ADDQ R10, DI
	DECQ CX
	JNZ  backOut

backDone:
	VZEROUPPER
	RET

// func maxPoolRowAVX2(y, x *float32, n, kh, kw, sw, row int)
//
// maxPoolRowAVX512 with each vector of sixteen lanes as two of eight: CX counts the windows (SI
// the first value of each, DI its output), R12 the window's rows (AX each row's first value),
// R13 its columns (DX the value). Y0, Y1 are the maximum's lanes 0–7 and 8–15; Y2, Y3 the value;
// Y4, Y5 where the value is NaN.
TEXT ·maxPoolRowAVX2(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ kh+24(FP), R8
	MOVQ kw+32(FP), R9
	MOVQ sw+40(FP), R10
	SHLQ $6, R10                        // bytes between windows
	MOVQ row+48(FP), R11
	SHLQ $2, R11                        // bytes between rows
	TESTQ CX, CX
	JLE   avx2RowDone

avx2RowOut:
	VMOVUPS (SI), Y0                    // the maximum, started by the first value
	VMOVUPS 32(SI), Y1
	MOVQ    SI, AX                      // the window's row
	MOVQ    R8, R12                     // rows left

avx2RowRow:
	MOVQ AX, DX
	MOVQ R9, R13                        // columns left

avx2RowCol:
	VMOVUPS   (DX), Y2
	VMOVUPS   32(DX), Y3
	VCMPPS    $3, Y2, Y2, Y4            // Y4: the value is NaN (UNORD_Q)
	VCMPPS    $3, Y3, Y3, Y5
	VMAXPS    Y0, Y2, Y0                // the value where greater, else the maximum (also when either is NaN)
	VMAXPS    Y1, Y3, Y1
	VBLENDVPS Y4, Y2, Y0, Y0            // NaN replaces it
	VBLENDVPS Y5, Y3, Y1, Y1
	ADDQ      $64, DX
	DECQ      R13
	JNZ       avx2RowCol
	ADDQ      R11, AX
	DECQ      R12
	JNZ       avx2RowRow
	VMOVUPS   Y0, (DI)
	VMOVUPS   Y1, 32(DI)
	ADDQ      $64, DI
	ADDQ      R10, SI
	DECQ      CX
	JNZ       avx2RowOut

avx2RowDone:
	VZEROUPPER
	RET

// func maxPoolBackRowAVX2(dx, x, dy *float32, n, kh, kw, sw, row int)
//
// maxPoolBackRowAVX512 with each vector of sixteen lanes as two of eight, without masked
// stores: CX counts the windows (SI the first value of each, DI its first value of dx, BX its
// dy), R12 the window's rows (AX each row's first value), R13 its columns (DX the value). The
// search: Y0, Y1 each lane's maximum (lanes 0–7, 8–15); Y2, Y3 its position in the window; Y4
// the position, Y5 1 in every lane; Y6, Y7 the value; Y8, Y9 where it is greater or NaN (Y10,
// Y11 NaN). The gradient: Y6, Y7 dy; Y8, Y9 the lanes whose maximum the position holds; Y10,
// Y11 dx there, then dx + dy blended in those lanes.
TEXT ·maxPoolBackRowAVX2(SB), NOSPLIT, $0-64
	MOVQ dx+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ kh+32(FP), R8
	MOVQ kw+40(FP), R9
	MOVQ sw+48(FP), R10
	SHLQ $6, R10                        // bytes between windows
	MOVQ row+56(FP), R11
	SHLQ $2, R11                        // bytes between rows
	MOVL $1, AX
	VMOVD AX, X5
	VPBROADCASTD X5, Y5                 // 1 in every lane
	TESTQ CX, CX
	JLE   avx2BackDone

avx2BackOut:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VPXOR   Y2, Y2, Y2
	VPXOR   Y3, Y3, Y3
	VPXOR   Y4, Y4, Y4
	MOVQ    SI, AX
	MOVQ    R8, R12

avx2BackRow:
	MOVQ AX, DX
	MOVQ R9, R13

avx2BackCol:
	VMOVUPS   (DX), Y6
	VMOVUPS   32(DX), Y7
	VCMPPS    $0x1e, Y0, Y6, Y8         // Y8: the value is greater (GT_OQ)
	VCMPPS    $0x1e, Y1, Y7, Y9
	VCMPPS    $3, Y6, Y6, Y10           // or NaN
	VCMPPS    $3, Y7, Y7, Y11
	VORPS     Y10, Y8, Y8
	VORPS     Y11, Y9, Y9
	VBLENDVPS Y8, Y6, Y0, Y0            // take it
	VBLENDVPS Y9, Y7, Y1, Y1
	VBLENDVPS Y8, Y4, Y2, Y2            // and its position
	VBLENDVPS Y9, Y4, Y3, Y3
	VPADDD    Y5, Y4, Y4
	ADDQ      $64, DX
	DECQ      R13
	JNZ       avx2BackCol
	ADDQ      R11, AX
	DECQ      R12
	JNZ       avx2BackRow

	// The gradient: at each position, dx += dy in the lanes whose maximum it holds.
	VMOVUPS (BX), Y6
	VMOVUPS 32(BX), Y7
	VPXOR   Y4, Y4, Y4
	MOVQ    DI, AX
	MOVQ    R8, R12

avx2AddRow:
	MOVQ AX, DX
	MOVQ R9, R13

avx2AddCol:
	VPCMPEQD  Y4, Y2, Y8
	VPCMPEQD  Y4, Y3, Y9
	VMOVUPS   (DX), Y10
	VMOVUPS   32(DX), Y11
	VADDPS    Y6, Y10, Y12              // dx + dy
	VADDPS    Y7, Y11, Y13
	VBLENDVPS Y8, Y12, Y10, Y10         // where the maximum is, else dx as it was
	VBLENDVPS Y9, Y13, Y11, Y11
	VMOVUPS   Y10, (DX)
	VMOVUPS   Y11, 32(DX)
	VPADDD    Y5, Y4, Y4
	ADDQ      $64, DX
	DECQ      R13
	JNZ       avx2AddCol
	ADDQ      R11, AX
	DECQ      R12
	JNZ       avx2AddRow

	ADDQ $64, BX
	ADDQ R10, SI
	ADDQ R10, DI
	DECQ CX
	JNZ  avx2BackOut

avx2BackDone:
	VZEROUPPER
	RET
