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
//
// v = mu·v + (g + lambda·w), then w = w − lr·v, sixteen values a step (n a multiple of 16), with
// three fused multiply-adds: DI, SI, DX point at w, grad, v; CX is n; AX counts the values; Z0,
// Z1, Z2 hold lr, mu, lambda in every lane; Z3 w, Z4 g, then the new v.
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
//
// v = mu·v − c·w − lr·g (c = lambda·lr), the product, then two fused multiply-adds; w = w + v;
// sixteen values a step (n a multiple of 16): DI, SI, DX point at w, grad, v; CX is n; AX counts
// the values; Z0, Z1, Z2 hold lr, mu, c in every lane; Z3 w, Z5 the new v.
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

#define LR8 Y0
#define MU8 Y1
#define LAMBDA8 Y2

// func sgdPyTorchAVX2(w, grad, v *float32, n int, lr, mu, lambda float32)
//
// sgdPyTorchAVX512 in AVX2 with FMA, eight values a step (n a multiple of 8), the same fused
// operations in the same order: DI, SI, DX point at w, grad, v; CX is n; AX counts the values;
// Y0, Y1, Y2 hold lr, mu, lambda in every lane; Y3 w, Y4 g, then the new v.
TEXT ·sgdPyTorchAVX2(SB), NOSPLIT, $0-44
	MOVQ w+0(FP), W
	MOVQ grad+8(FP), G
	MOVQ v+16(FP), V
	MOVQ n+24(FP), N
	VBROADCASTSS lr+32(FP), LR8         // lr in every lane
	VBROADCASTSS mu+36(FP), MU8         // mu
	VBROADCASTSS lambda+40(FP), LAMBDA8 // lambda
	XORQ I, I

pytorch8:
	CMPQ I, N
	JGE  pytorch8Done
	VMOVUPS (W)(I*4), Y3                // w
	VMOVUPS (G)(I*4), Y4                // g
	VFMADD231PS Y3, LAMBDA8, Y4         // g + lambda·w
	VFMADD231PS (V)(I*4), MU8, Y4       // v = mu·v + g + lambda·w
	VMOVUPS Y4, (V)(I*4)
	VFNMADD231PS Y4, LR8, Y3            // w − lr·v
	VMOVUPS Y3, (W)(I*4)
	ADDQ $8, I
	JMP  pytorch8

pytorch8Done:
	VZEROUPPER
	RET

#define C8 Y2

// func sgdPaperAVX2(w, grad, v *float32, n int, lr, mu, c float32)
//
// sgdPaperAVX512 in AVX2 with FMA, eight values a step (n a multiple of 8), the same product and
// fused operations in the same order: DI, SI, DX point at w, grad, v; CX is n; AX counts the
// values; Y0, Y1, Y2 hold lr, mu, c in every lane; Y3 w, Y5 the new v.
TEXT ·sgdPaperAVX2(SB), NOSPLIT, $0-44
	MOVQ w+0(FP), W
	MOVQ grad+8(FP), G
	MOVQ v+16(FP), V
	MOVQ n+24(FP), N
	VBROADCASTSS lr+32(FP), LR8         // lr
	VBROADCASTSS mu+36(FP), MU8         // mu
	VBROADCASTSS c+40(FP), C8           // c = lambda·lr
	XORQ I, I

paper8:
	CMPQ I, N
	JGE  paper8Done
	VMOVUPS (W)(I*4), Y3                // w
	VMULPS  (V)(I*4), MU8, Y5           // mu·v
	VFNMADD231PS Y3, C8, Y5             // − c·w
	VFNMADD231PS (G)(I*4), LR8, Y5      // − lr·g: the new v
	VMOVUPS Y5, (V)(I*4)
	VADDPS  Y5, Y3, Y3                  // w + v
	VMOVUPS Y3, (W)(I*4)
	ADDQ $8, I
	JMP  paper8

paper8Done:
	VZEROUPPER
	RET
