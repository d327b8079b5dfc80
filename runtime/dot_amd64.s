//go:build !noasm

#include "textflag.h"

#define A0 AX  // rows of A
#define A1 BX
#define A2 CX
#define A3 DX
#define B0 SI  // rows of B
#define B1 DI
#define B2 R8
#define B3 R9
#define N16 R10 // blocks of sixteen p left
#define OUT R11 // out

// FMA4x4 multiplies A row vectors Z0..Z3 by B row vectors Z4..Z7 into the sixteen accumulators
// Z16..Z31 (Z(16+4r+s) += Z(r) * Z(4+s)).
#define FMA4x4 \
	VFMADD231PS Z4, Z0, Z16; VFMADD231PS Z5, Z0, Z17; VFMADD231PS Z6, Z0, Z18; VFMADD231PS Z7, Z0, Z19; \
	VFMADD231PS Z4, Z1, Z20; VFMADD231PS Z5, Z1, Z21; VFMADD231PS Z6, Z1, Z22; VFMADD231PS Z7, Z1, Z23; \
	VFMADD231PS Z4, Z2, Z24; VFMADD231PS Z5, Z2, Z25; VFMADD231PS Z6, Z2, Z26; VFMADD231PS Z7, Z2, Z27; \
	VFMADD231PS Z4, Z3, Z28; VFMADD231PS Z5, Z3, Z29; VFMADD231PS Z6, Z3, Z30; VFMADD231PS Z7, Z3, Z31

// REDUCE sums the sixteen lanes of accumulator z into out[i] (byte offset off), through Y8, Y9:
// the two 256-bit halves are extracted to registers below 16 so the rest needs only AVX.
#define REDUCE(z, off) \
	VEXTRACTF64X4 $0, z, Y8; \
	VEXTRACTF64X4 $1, z, Y9; \
	VADDPS Y8, Y9, Y9; \
	VEXTRACTF128 $1, Y9, X8; \
	VADDPS X8, X9, X9; \
	VHADDPS X9, X9, X9; \
	VHADDPS X9, X9, X9; \
	VMOVSS X9, off(OUT)

// func sgemmDot4x4AVX512(k int, a0, a1, a2, a3, b0, b1, b2, b3 *float32, out *[16]float32)
TEXT ·sgemmDot4x4AVX512(SB), NOSPLIT, $0-80
	// K1 masks the k%16 values of the last, partial block (CX is free until A2 is loaded).
	MOVQ  k+0(FP), CX
	ANDQ  $15, CX
	MOVQ  $1, R13
	SHLQ  CX, R13                 // 1 << (k%16)
	DECQ  R13
	KMOVW R13, K1

	MOVQ k+0(FP), N16
	SHRQ $4, N16                  // N16 = k/16
	MOVQ a0+8(FP), A0
	MOVQ a1+16(FP), A1
	MOVQ a2+24(FP), A2
	MOVQ a3+32(FP), A3
	MOVQ b0+40(FP), B0
	MOVQ b1+48(FP), B1
	MOVQ b2+56(FP), B2
	MOVQ b3+64(FP), B3
	MOVQ out+72(FP), OUT

	// Clear the accumulators.
	VPXORD Z16, Z16, Z16; VPXORD Z17, Z17, Z17; VPXORD Z18, Z18, Z18; VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20; VPXORD Z21, Z21, Z21; VPXORD Z22, Z22, Z22; VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24; VPXORD Z25, Z25, Z25; VPXORD Z26, Z26, Z26; VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28; VPXORD Z29, Z29, Z29; VPXORD Z30, Z30, Z30; VPXORD Z31, Z31, Z31

	TESTQ N16, N16
	JZ    tail

loop:
	VMOVUPS (A0), Z0              // sixteen values of each row of A …
	VMOVUPS (A1), Z1
	VMOVUPS (A2), Z2
	VMOVUPS (A3), Z3
	VMOVUPS (B0), Z4              // … and of B
	VMOVUPS (B1), Z5
	VMOVUPS (B2), Z6
	VMOVUPS (B3), Z7
	FMA4x4
	ADDQ $64, A0; ADDQ $64, A1; ADDQ $64, A2; ADDQ $64, A3
	ADDQ $64, B0; ADDQ $64, B1; ADDQ $64, B2; ADDQ $64, B3
	DECQ N16
	JNZ  loop

tail:
	KORTESTW K1, K1               // no partial block?
	JZ       reduce
	VMOVUPS.Z (A0), K1, Z0        // the last k%16 values, zeros beyond (not read)
	VMOVUPS.Z (A1), K1, Z1
	VMOVUPS.Z (A2), K1, Z2
	VMOVUPS.Z (A3), K1, Z3
	VMOVUPS.Z (B0), K1, Z4
	VMOVUPS.Z (B1), K1, Z5
	VMOVUPS.Z (B2), K1, Z6
	VMOVUPS.Z (B3), K1, Z7
	FMA4x4

reduce:
	REDUCE(Z16, 0); REDUCE(Z17, 4); REDUCE(Z18, 8); REDUCE(Z19, 12)
	REDUCE(Z20, 16); REDUCE(Z21, 20); REDUCE(Z22, 24); REDUCE(Z23, 28)
	REDUCE(Z24, 32); REDUCE(Z25, 36); REDUCE(Z26, 40); REDUCE(Z27, 44)
	REDUCE(Z28, 48); REDUCE(Z29, 52); REDUCE(Z30, 56); REDUCE(Z31, 60)
	VZEROUPPER
	RET

// func dotAVX512(k int, a, b *float32) float32
//
// The dot product of one row a with one row b, both k long (k > 0), read front to back as one
// stream each: four accumulators over 64 values a step, then 16 a step, then the last k%16
// through a mask.
TEXT ·dotAVX512(SB), NOSPLIT, $0-28
	MOVQ  k+0(FP), CX
	MOVQ  a+8(FP), SI
	MOVQ  b+16(FP), DI
	VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3

	MOVQ CX, DX
	SHRQ $6, DX                   // DX = k/64
	JZ   sixteens
loop64:
	VMOVUPS (SI), Z4
	VMOVUPS 64(SI), Z5
	VMOVUPS 128(SI), Z6
	VMOVUPS 192(SI), Z7
	VFMADD231PS (DI), Z4, Z0
	VFMADD231PS 64(DI), Z5, Z1
	VFMADD231PS 128(DI), Z6, Z2
	VFMADD231PS 192(DI), Z7, Z3
	ADDQ $256, SI
	ADDQ $256, DI
	DECQ DX
	JNZ  loop64

sixteens:
	MOVQ CX, DX
	ANDQ $63, DX
	SHRQ $4, DX                   // DX = k%64/16
	JZ   tail
loop16:
	VMOVUPS (SI), Z4
	VFMADD231PS (DI), Z4, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ DX
	JNZ  loop16

tail:
	ANDQ  $15, CX
	JZ    sum
	MOVQ  $1, DX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1                  // the last k%16 values
	VMOVUPS.Z (SI), K1, Z4
	VMOVUPS.Z (DI), K1, Z5
	VFMADD231PS Z5, Z4, Z1

sum:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotAVX2(k int, a, b *float32) float32
//
// dotAVX512 in AVX2 with FMA: four accumulators over 32 values a step, then 8 a step, then the
// last k%8 one at a time into a fifth (scalar VEX operations clear a register's upper lanes).
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ  k+0(FP), CX
	MOVQ  a+8(FP), SI
	MOVQ  b+16(FP), DI
	VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y8, Y8, Y8

	MOVQ CX, DX
	SHRQ $5, DX                   // DX = k/32
	JZ   eights
loop32:
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ DX
	JNZ  loop32

eights:
	MOVQ CX, DX
	ANDQ $31, DX
	SHRQ $3, DX                   // DX = k%32/8
	JZ   tail
loop8:
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ DX
	JNZ  loop8

tail:
	ANDQ $7, CX
	JZ   sum
loop1:
	VMOVSS (SI), X4
	VFMADD231SS (DI), X4, X8
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JNZ  loop1

sum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VADDPS Y8, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
