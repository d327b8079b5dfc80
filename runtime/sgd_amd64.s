//go:build !noasm

#include "textflag.h"

#define W DI
#define G SI
#define V DX
#define N CX
#define I AX
#define LR Z0
#define MU Z1
#define LAMBDA Z2

// func sgdPyTorchAVX512(w, grad, v *float32, n int, lr, mu, lambda float32)
TEXT ·sgdPyTorchAVX512(SB), NOSPLIT, $0-44
	MOVQ w+0(FP), W
	MOVQ grad+8(FP), G
	MOVQ v+16(FP), V
	MOVQ n+24(FP), N
	VBROADCASTSS lr+32(FP), LR          // lr in every lane
	VBROADCASTSS mu+36(FP), MU          // mu
	VBROADCASTSS lambda+40(FP), LAMBDA  // lambda
	XORQ I, I

pytorch:
	CMPQ I, N
	JGE  pytorchDone
	VMOVUPS (W)(I*4), Z3                // w
	VMOVUPS (G)(I*4), Z4                // g
	VFMADD231PS Z3, LAMBDA, Z4          // g + lambda·w
	VFMADD231PS (V)(I*4), MU, Z4        // v = mu·v + g + lambda·w
	VMOVUPS Z4, (V)(I*4)
	VFNMADD231PS Z4, LR, Z3             // w − lr·v
	VMOVUPS Z3, (W)(I*4)
	ADDQ $16, I
	JMP  pytorch

pytorchDone:
	VZEROUPPER
	RET

#define C Z2

// func sgdPaperAVX512(w, grad, v *float32, n int, lr, mu, c float32)
TEXT ·sgdPaperAVX512(SB), NOSPLIT, $0-44
	MOVQ w+0(FP), W
	MOVQ grad+8(FP), G
	MOVQ v+16(FP), V
	MOVQ n+24(FP), N
	VBROADCASTSS lr+32(FP), LR          // lr
	VBROADCASTSS mu+36(FP), MU          // mu
	VBROADCASTSS c+40(FP), C            // c = lambda·lr
	XORQ I, I

paper:
	CMPQ I, N
	JGE  paperDone
	VMOVUPS (W)(I*4), Z3                // w
	VMULPS  (V)(I*4), MU, Z5            // mu·v
	VFNMADD231PS Z3, C, Z5              // − c·w
	VFNMADD231PS (G)(I*4), LR, Z5       // − lr·g: the new v
	VMOVUPS Z5, (V)(I*4)
	VADDPS  Z5, Z3, Z3                  // w + v
	VMOVUPS Z3, (W)(I*4)
	ADDQ $16, I
	JMP  paper

paperDone:
	VZEROUPPER
	RET
