//go:build !noasm

#include "textflag.h"

// func subProductAVX512(x, a, t *float32, n int, c float32)
TEXT ·subProductAVX512(SB), NOSPLIT, $0-36
	MOVQ x+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ t+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS c+32(FP), Z0           // c in every lane
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VMULPS  (SI)(AX*4), Z0, Z1          // c·a
	VMULPS  (DX)(AX*4), Z1, Z1          // (c·a)·t
	VMOVUPS (DI)(AX*4), Z2
	VSUBPS  Z1, Z2, Z2                  // x − (c·a)·t
	VMOVUPS Z2, (DI)(AX*4)
	ADDQ $16, AX
	JMP  loop

done:
	VZEROUPPER
	RET
