//go:build !noasm

#include "textflag.h"

// func storeTileAVX512(t *float32, tld, mr, nr int, c *float32, ldc int, rowBias, colBias *float32, flags int)
TEXT ·storeTileAVX512(SB), NOSPLIT, $0-72
	MOVQ t+0(FP), SI
	MOVQ tld+8(FP), R8
	SHLQ $2, R8                         // tld in bytes
	MOVQ mr+16(FP), R13                 // rows left
	MOVQ nr+24(FP), DX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9                         // ldc in bytes
	MOVQ rowBias+48(FP), R10
	MOVQ colBias+56(FP), R11
	MOVQ flags+64(FP), R12

	// K1: the first min(nr, 16) lanes; K2: the next nr − 16, if any. 0xffff >> (16 − n).
	MOVQ DX, AX
	CMPQ AX, $16
	JLE  low
	MOVQ $16, AX
low:
	MOVQ $16, CX
	SUBQ AX, CX
	MOVL $0xffff, BX
	SHRL CX, BX
	KMOVW BX, K1
	MOVQ DX, AX
	SUBQ $16, AX
	JGE  high
	XORQ AX, AX
high:
	MOVQ $16, CX
	SUBQ AX, CX
	MOVL $0xffff, BX
	SHRL CX, BX
	KMOVW BX, K2

	VXORPS Z31, Z31, Z31                // zero
	VXORPS Z28, Z28, Z28                // the column bias, or zero
	VXORPS Z29, Z29, Z29
	TESTQ R11, R11
	JZ    rows
	VMOVUPS.Z (R11), K1, Z28
	VMOVUPS.Z 64(R11), K2, Z29

rows:
	VMOVUPS.Z (SI), K1, Z0              // the tile's row
	VMOVUPS.Z 64(SI), K2, Z1
	TESTQ $1, R12                       // kernelAcc: add the old C
	JZ    rowBias
	VMOVUPS.Z (DI), K1, Z2
	VMOVUPS.Z 64(DI), K2, Z3
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1

rowBias:
	TESTQ R10, R10
	JZ    colBias
	VBROADCASTSS (R10), Z4
	VADDPS Z4, Z0, Z0
	VADDPS Z4, Z1, Z1
	ADDQ   $4, R10

colBias:
	TESTQ R11, R11
	JZ    relu
	VADDPS Z28, Z0, Z0
	VADDPS Z29, Z1, Z1

relu:
	TESTQ $2, R12                       // kernelReLU
	JZ    store
	VMAXPS Z0, Z31, Z0                  // max(0, s): s when s is NaN or ±0, as s < 0 ? 0 : s
	VMAXPS Z1, Z31, Z1

store:
	VMOVUPS Z0, K1, (DI)
	VMOVUPS Z1, K2, 64(DI)
	ADDQ R8, SI
	ADDQ R9, DI
	DECQ R13
	JNZ  rows

	VZEROUPPER
	RET
