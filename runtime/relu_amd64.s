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

// func reluBackwardAVX2(grad, y *float32, n int) float32
//
// reluBackwardAVX512 with the sixteen lanes of each step as two registers of eight: AX counts
// the values; Y0 is zero; Y1, Y2 the sums of lanes 0–7 and 8–15; Y3, Y4 y, then where y ≤ 0;
// Y5, Y6 g. The reduction adds lanes 8–15 to lanes 0–7, then as reluBackwardAVX512 does.
TEXT ·reluBackwardAVX2(SB), NOSPLIT, $0-28
	MOVQ grad+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0                   // zero
	VXORPS Y1, Y1, Y1                   // the sums, lane by lane
	VXORPS Y2, Y2, Y2
	XORQ   AX, AX

avx2Loop:
	CMPQ    AX, CX
	JGE     avx2Reduce
	VMOVUPS (SI)(AX*4), Y3              // y
	VMOVUPS 32(SI)(AX*4), Y4
	VCMPPS  $0x12, Y0, Y3, Y3           // y ≤ 0 (LE_OQ: false for NaN)
	VCMPPS  $0x12, Y0, Y4, Y4
	VANDNPS (DI)(AX*4), Y3, Y5          // g = 0 where y ≤ 0
	VANDNPS 32(DI)(AX*4), Y4, Y6
	VMOVUPS Y5, (DI)(AX*4)
	VMOVUPS Y6, 32(DI)(AX*4)
	VADDPS  Y5, Y1, Y1
	VADDPS  Y6, Y2, Y2
	ADDQ    $16, AX
	JMP     avx2Loop

avx2Reduce:
	VADDPS       Y2, Y1, Y1             // 16 lanes → 8
	VEXTRACTF128 $1, Y1, X2             // → 4
	VADDPS       X2, X1, X1
	VPERMILPS    $0x0e, X1, X2          // → 2
	VADDPS       X2, X1, X1
	VPERMILPS    $0x01, X1, X2          // → 1
	VADDSS       X2, X1, X1
	VMOVSS       X1, ret+24(FP)
	VZEROUPPER
	RET

// func reluBackwardBlockedAVX2(grad, y, sums *float32, n, mask int)
//
// reluBackwardBlockedAVX512 with the sixteen lanes of each step as two registers of eight: AX
// counts the values; Y0 is zero; Y1, Y2 the sums of lanes 0–7 and 8–15; Y3, Y4 y, then where
// y ≤ 0; Y5, Y6 g.
TEXT ·reluBackwardBlockedAVX2(SB), NOSPLIT, $0-40
	MOVQ grad+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ sums+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ mask+32(FP), R8
	VXORPS  Y0, Y0, Y0                  // zero
	VMOVUPS (BX), Y1                    // the sums, lane by lane, from where they are
	VMOVUPS 32(BX), Y2
	XORQ    AX, AX

avx2BlockedLoop:
	CMPQ    AX, CX
	JGE     avx2BlockedDone
	VMOVUPS (DI)(AX*4), Y5              // g
	VMOVUPS 32(DI)(AX*4), Y6
	TESTQ   R8, R8
	JZ      avx2BlockedSum
	VMOVUPS (SI)(AX*4), Y3              // y
	VMOVUPS 32(SI)(AX*4), Y4
	VCMPPS  $0x12, Y0, Y3, Y3           // y ≤ 0 (LE_OQ: false for NaN)
	VCMPPS  $0x12, Y0, Y4, Y4
	VANDNPS Y5, Y3, Y5                  // g = 0 where y ≤ 0
	VANDNPS Y6, Y4, Y6
	VMOVUPS Y5, (DI)(AX*4)
	VMOVUPS Y6, 32(DI)(AX*4)

avx2BlockedSum:
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	ADDQ   $16, AX
	JMP    avx2BlockedLoop

avx2BlockedDone:
	VMOVUPS Y1, (BX)
	VMOVUPS Y2, 32(BX)
	VZEROUPPER
	RET
