//go:build !noasm

#include "textflag.h"

// func reluBackwardAVX512(grad, y *float32, n int) float32
TEXT ·reluBackwardAVX512(SB), NOSPLIT, $0-28
	MOVQ grad+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Z0, Z0, Z0                   // zero
	VXORPS Z1, Z1, Z1                   // the sums, lane by lane
	XORQ   AX, AX

loop:
	CMPQ AX, CX
	JGE  reduce
	VMOVUPS (SI)(AX*4), Z3              // y
	VCMPPS  $0x12, Z0, Z3, K1           // K1: y ≤ 0 (LE_OQ: false for NaN)
	VMOVUPS (DI)(AX*4), Z4              // g
	VMOVUPS Z0, K1, Z4                  // g = 0 where y ≤ 0
	VMOVUPS Z4, (DI)(AX*4)
	VADDPS  Z4, Z1, Z1
	ADDQ    $16, AX
	JMP     loop

reduce:
	VEXTRACTF32X8 $1, Z1, Y2            // 16 lanes → 8
	VADDPS        Y2, Y1, Y1
	VEXTRACTF128  $1, Y1, X2            // → 4
	VADDPS        X2, X1, X1
	VPERMILPS     $0x0e, X1, X2         // → 2
	VADDPS        X2, X1, X1
	VPERMILPS     $0x01, X1, X2         // → 1
	VADDSS        X2, X1, X1
	MOVSS         X1, ret+24(FP)
	VZEROUPPER
	RET

// func reluBackwardBlockedAVX512(grad, y, sums *float32, n, mask int)
TEXT ·reluBackwardBlockedAVX512(SB), NOSPLIT, $0-40
	MOVQ grad+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ sums+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ mask+32(FP), R8
	VPXORD  Z0, Z0, Z0                  // zero
	VMOVUPS (BX), Z1                    // the sums, lane by lane, from where they are
	XORQ    AX, AX

blockedLoop:
	CMPQ    AX, CX
	JGE     blockedDone
	VMOVUPS (DI)(AX*4), Z4              // g
	TESTQ   R8, R8
	JZ      blockedSum
	VMOVUPS (SI)(AX*4), Z3              // y
	VCMPPS  $0x12, Z0, Z3, K1           // K1: y ≤ 0 (LE_OQ: false for NaN)
	VMOVUPS Z0, K1, Z4                  // g = 0 where y ≤ 0
	VMOVUPS Z4, (DI)(AX*4)

blockedSum:
	VADDPS Z4, Z1, Z1
	ADDQ   $16, AX
	JMP    blockedLoop

blockedDone:
	VMOVUPS Z1, (BX)
	VZEROUPPER
	RET
