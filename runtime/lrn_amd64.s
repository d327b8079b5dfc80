//go:build !noasm

#include "go_asm.h"
#include "textflag.h"

// The LRN kernels: squares (sums ± x²) and lrnScale (b = a·t^−β, t = k + α·sums); see lrn.go.

#define SUMS DI  // sums, advancing
#define XS SI    // x, advancing
#define BS DI    // b, advancing
#define AS SI    // a, advancing
#define SS DX    // sums, advancing
#define REM CX   // values left (CX, for the shift that builds a tail mask)
#define MODE R8  // lrnBeta075, lrnBeta05 or lrnBeta1
#define TMP R9
#define LANES R10 // AVX2: the movmsk of the lanes in use, 0xff but in the last block

// Float32 bit patterns.
#define F_MINNORM $0x00800000 // 0x1p-126, the smallest normal float32
#define F_MAX $0x7f7fffff     // math.MaxFloat32
#define F_HALF $0x3f000000    // 0.5
#define F_ONE $0x3f800000     // 1

// AVX2's tail masks: the eight dwords from lrnMask<>+4·(8−r) are r all-ones then zeros.
DATA lrnMask<>+0(SB)/8, $0xffffffffffffffff
DATA lrnMask<>+8(SB)/8, $0xffffffffffffffff
DATA lrnMask<>+16(SB)/8, $0xffffffffffffffff
DATA lrnMask<>+24(SB)/8, $0xffffffffffffffff
DATA lrnMask<>+32(SB)/8, $0
DATA lrnMask<>+40(SB)/8, $0
DATA lrnMask<>+48(SB)/8, $0
DATA lrnMask<>+56(SB)/8, $0
GLOBL lrnMask<>(SB), RODATA|NOPTR, $64

// ---------------------------------------------------------------------------------------------
// squares. Z31 (Y15) holds sign; sums ± x² is one fused multiply-add of sign and the rounded
// square, exact in the product, so the one rounding is the sum's, as in squaresGo.

// SQ512(off, z) does sums[off/4 … +15] += sign·x², through z.
#define SQ512(off, z) \
	VMOVUPS off(XS), z; \
	VMULPS z, z, z; \
	VFMADD213PS off(SUMS), Z31, z; \
	VMOVUPS z, off(SUMS)

// func squaresAVX512(sums, x *float32, n int, sign float32)
TEXT ·squaresAVX512(SB), NOSPLIT, $0-28
	MOVQ         sums+0(FP), SUMS
	MOVQ         x+8(FP), XS
	MOVQ         n+16(FP), REM
	VBROADCASTSS sign+24(FP), Z31

	CMPQ REM, $64
	JB   sq512by16

sq512by64:
	SQ512(0, Z0)                     // sixty-four values
	SQ512(64, Z1)
	SQ512(128, Z2)
	SQ512(192, Z3)
	ADDQ $256, XS
	ADDQ $256, SUMS
	SUBQ $64, REM
	CMPQ REM, $64
	JAE  sq512by64

sq512by16:
	CMPQ REM, $16
	JB   sq512tail
	SQ512(0, Z0)                     // sixteen values
	ADDQ $64, XS
	ADDQ $64, SUMS
	SUBQ $16, REM
	JMP  sq512by16

sq512tail:
	TESTQ REM, REM
	JZ    sq512done
	MOVQ  $1, TMP
	SHLQ  CX, TMP                    // 1 << (n%16)
	DECQ  TMP
	KMOVW TMP, K1                    // K1: the n%16 values left
	VMOVUPS.Z (XS), K1, Z0           // x, zero beyond n (not read)
	VMULPS    Z0, Z0, Z0             // x²
	VMOVUPS.Z (SUMS), K1, Z1         // sums
	VFMADD231PS Z31, Z0, Z1          // sums + sign·x²
	VMOVUPS   Z1, K1, (SUMS)         // store the n%16 values only

sq512done:
	VZEROUPPER
	RET

// SQ256(off, y) does sums[off/4 … +7] += sign·x², through y.
#define SQ256(off, y) \
	VMOVUPS off(XS), y; \
	VMULPS y, y, y; \
	VFMADD213PS off(SUMS), Y15, y; \
	VMOVUPS y, off(SUMS)

// func squaresAVX2(sums, x *float32, n int, sign float32)
TEXT ·squaresAVX2(SB), NOSPLIT, $0-28
	MOVQ         sums+0(FP), SUMS
	MOVQ         x+8(FP), XS
	MOVQ         n+16(FP), REM
	VBROADCASTSS sign+24(FP), Y15

	CMPQ REM, $32
	JB   sq256by8

sq256by32:
	SQ256(0, Y0)                     // thirty-two values
	SQ256(32, Y1)
	SQ256(64, Y2)
	SQ256(96, Y3)
	ADDQ $128, XS
	ADDQ $128, SUMS
	SUBQ $32, REM
	CMPQ REM, $32
	JAE  sq256by32

sq256by8:
	CMPQ REM, $8
	JB   sq256tail
	SQ256(0, Y0)                     // eight values
	ADDQ $32, XS
	ADDQ $32, SUMS
	SUBQ $8, REM
	JMP  sq256by8

sq256tail:
	TESTQ REM, REM
	JZ    sq256done
	MOVQ  $8, TMP
	SUBQ  REM, TMP
	LEAQ  lrnMask<>(SB), R11
	VMOVDQU (R11)(TMP*4), Y14        // Y14: the n%8 values left
	VMASKMOVPS (XS), Y14, Y0         // x, zero beyond n (not read)
	VMULPS     Y0, Y0, Y0            // x²
	VMASKMOVPS (SUMS), Y14, Y1       // sums
	VFMADD231PS Y15, Y0, Y1          // sums + sign·x²
	VMASKMOVPS Y1, Y14, (SUMS)       // store the n%8 values only

sq256done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------------------------
// lrnScale. For t a positive normal float32 and r0 ≈ 1/√t (VRSQRT14PS, to 2^-14; VRSQRTPS, to
// 1.5·2^-12), let e = 1 − t·r0², computed exactly: h = t·r0 and its rounding error hlo (a fused
// multiply-subtract), then 1 − h·r0 − hlo·r0 (fused). Then
//
//	t^−β = r0^2β · (1 − e)^−β = r0^2β · (1 + δ),  δ = β·e + β(β+1)/2·e² + O(e³)
//
// which is Newton's step on 1/√t with its second-order term; |e| < 2^-10, so O(e³) < 2^-30.
// β = 0.5: y = r0 + r0·δ, one rounding. β = 0.75: r0^1.5 = r0·√r0, where s0 = √r0 is rounded but
// its error res = r0 − s0² is exact (fused), and √r0 = s0·(1 + res·h/2) (h being 1/r0 to within
// e); y0 = r0·s0 is rounded but its error y0lo is exact (fused); so y = y0 + (y0·δ' + y0lo) with
// δ' = δ + res·h/2, one rounding. b = a·y is the second and last rounding. For β = 1, b = a/t.

// lrnPoly<> holds β and β(β+1)/2, the coefficients of δ, for each mode (lrnBeta1's unused).
DATA lrnPoly<>+0(SB)/4, $0x3f400000  // lrnBeta075: 0.75
DATA lrnPoly<>+4(SB)/4, $0x3f280000  //   0.65625
DATA lrnPoly<>+8(SB)/4, $0x3f000000  // lrnBeta05: 0.5
DATA lrnPoly<>+12(SB)/4, $0x3ec00000 //   0.375
DATA lrnPoly<>+16(SB)/4, $0x3f800000 // lrnBeta1: 1
DATA lrnPoly<>+20(SB)/4, $0x3f800000 //   1
GLOBL lrnPoly<>(SB), RODATA|NOPTR, $24

// AVX-512: sixteen values per block, every block through the mask K1 (all lanes but in the
// last). Z16..Z23 hold constants; Z0..Z6 are as the comments say.

#define KC Z16       // k
#define ALPHA Z17    // alpha
#define MINNORM Z18  // the smallest normal float32
#define MAXF Z19     // the largest float32
#define HALF Z20     // 0.5
#define ONE Z21      // 1
#define C1 Z22       // β
#define C2 Z23       // β(β+1)/2

// func lrnScaleAVX512(b, a, sums *float32, n int, k, alpha float32, mode int) int
TEXT ·lrnScaleAVX512(SB), NOSPLIT, $0-56
	MOVQ         b+0(FP), BS
	MOVQ         a+8(FP), AS
	MOVQ         sums+16(FP), SS
	MOVQ         n+24(FP), REM
	VBROADCASTSS k+32(FP), KC
	VBROADCASTSS alpha+36(FP), ALPHA
	MOVQ         mode+40(FP), MODE
	LEAQ         lrnPoly<>(SB), TMP
	VBROADCASTSS (TMP)(MODE*8), C1
	VBROADCASTSS 4(TMP)(MODE*8), C2
	MOVL         F_MINNORM, TMP
	VPBROADCASTD TMP, MINNORM
	MOVL         F_MAX, TMP
	VPBROADCASTD TMP, MAXF
	MOVL         F_HALF, TMP
	VPBROADCASTD TMP, HALF
	MOVL         F_ONE, TMP
	VPBROADCASTD TMP, ONE
	MOVL         $0xffff, TMP
	KMOVW        TMP, K1             // K1: all sixteen lanes

s512loop:
	CMPQ  REM, $16
	JAE   s512block
	MOVQ  $1, TMP                    // the last, partial block:
	SHLQ  CX, TMP                    // 1 << (n%16)
	DECQ  TMP
	KMOVW TMP, K1                    // K1: the n%16 values left

s512block:
	VMOVUPS.Z   (SS), K1, Z0         // sums, zero beyond n (not read)
	VFMADD213PS KC, ALPHA, Z0        // t = alpha·sums + k
	VCMPPS      $0x1d, MINNORM, Z0, K1, K2 // K2: lanes with t ≥ 0x1p-126 (GE_OQ, false for NaN) …
	VCMPPS      $0x12, MAXF, Z0, K2, K2    // … and t ≤ MaxFloat32 (LE_OQ)
	KXORW       K1, K2, K3           // K3: lanes in use whose t is not a positive normal
	KORTESTW    K3, K3
	JNZ         s512stop             // leave the block to the twin
	VMOVUPS.Z   (AS), K1, Z3         // a
	CMPQ        MODE, $const_lrnBeta1
	JEQ         s512div

	VRSQRT14PS   Z0, Z1              // r0 ≈ 1/√t
	VMULPS       Z1, Z0, Z2          // h = t·r0
	VFMSUB213PS  Z2, Z1, Z0          // hlo = r0·t − h, exact (t is done with)
	VMOVAPS      ONE, Z4
	VFNMADD231PS Z1, Z2, Z4          // e = 1 − h·r0 …
	VFNMADD231PS Z1, Z0, Z4          // … − hlo·r0 = 1 − t·r0², to 2^-34
	VMOVAPS      C2, Z5
	VFMADD213PS  C1, Z4, Z5          // β + β(β+1)/2·e
	VMULPS       Z5, Z4, Z4          // δ = β·e + β(β+1)/2·e²
	CMPQ         MODE, $const_lrnBeta05
	JEQ          s512half
	VSQRTPS      Z1, Z5              // s0 = √r0, rounded
	VMOVAPS      Z1, Z6
	VFNMADD231PS Z5, Z5, Z6          // res = r0 − s0², exact
	VMULPS       Z2, Z6, Z6          // res·h ≈ res/r0
	VFMADD231PS  HALF, Z6, Z4        // δ' = δ + res·h/2
	VMULPS       Z5, Z1, Z6          // y0 = r0·s0, rounded
	VFMSUB213PS  Z6, Z5, Z1          // y0lo = s0·r0 − y0, exact
	VFMADD231PS  Z4, Z6, Z1          // y0·δ' + y0lo
	VADDPS       Z1, Z6, Z1          // β = 0.75: y = y0 + (y0·δ' + y0lo)
	JMP          s512scale

s512half:
	VFMADD231PS Z4, Z1, Z1           // β = 0.5: y = r0 + r0·δ

s512scale:
	VMULPS Z1, Z3, Z4                // b = a·y
	JMP    s512store

s512div:
	VDIVPS Z0, Z3, Z4                // β = 1: b = a/t

s512store:
	VMOVUPS Z4, K1, (BS)             // the lanes in use only
	ADDQ    $64, BS
	ADDQ    $64, AS
	ADDQ    $64, SS
	SUBQ    $16, REM
	JG      s512loop                 // (negative after a partial block)
	MOVQ    n+24(FP), TMP
	MOVQ    TMP, ret+48(FP)          // all n done
	VZEROUPPER
	RET

s512stop:
	MOVQ n+24(FP), TMP
	SUBQ REM, TMP
	MOVQ TMP, ret+48(FP)             // the values before this block
	VZEROUPPER
	RET

// AVX2: eight values per block, plain loads and stores but in the last block, which goes through
// the mask Y15 (LANES its movmsk). Y7..Y14 hold constants; Y0..Y6 are as the comments say.

#define KC2 Y7        // k
#define ALPHA2 Y8     // alpha
#define MINNORM2 Y9   // the smallest normal float32
#define MAXF2 Y10     // the largest float32
#define HALF2 Y11     // 0.5
#define ONE2 Y12      // 1
#define C12 Y13       // β
#define C22 Y14       // β(β+1)/2
#define MASK2 Y15     // the lanes in use in the last block

// BCAST2(bits, y) broadcasts the float32 with the given bits to y, through X5.
#define BCAST2(bits, y) \
	MOVL bits, TMP; \
	MOVQ TMP, X5; \
	VPBROADCASTD X5, y

// func lrnScaleAVX2(b, a, sums *float32, n int, k, alpha float32, mode int) int
TEXT ·lrnScaleAVX2(SB), NOSPLIT, $0-56
	MOVQ         b+0(FP), BS
	MOVQ         a+8(FP), AS
	MOVQ         sums+16(FP), SS
	MOVQ         n+24(FP), REM
	VBROADCASTSS k+32(FP), KC2
	VBROADCASTSS alpha+36(FP), ALPHA2
	MOVQ         mode+40(FP), MODE
	LEAQ         lrnPoly<>(SB), TMP
	VBROADCASTSS (TMP)(MODE*8), C12
	VBROADCASTSS 4(TMP)(MODE*8), C22
	BCAST2(F_MINNORM, MINNORM2)
	BCAST2(F_MAX, MAXF2)
	BCAST2(F_HALF, HALF2)
	BCAST2(F_ONE, ONE2)
	MOVL         $0xff, LANES        // all eight lanes

s256loop:
	CMPQ    REM, $8
	JB      s256partial              // not taken but in the last block
	VMOVUPS (SS), Y0                 // sums
	VMOVUPS (AS), Y3                 // a

s256compute:
	VFMADD213PS KC2, ALPHA2, Y0      // t = alpha·sums + k
	VCMPPS      $0x1d, MINNORM2, Y0, Y4 // t ≥ 0x1p-126 (GE_OQ, false for NaN) …
	VCMPPS      $0x12, MAXF2, Y0, Y5    // … and t ≤ MaxFloat32 (LE_OQ)
	VANDPS      Y5, Y4, Y4
	VMOVMSKPS   Y4, TMP
	ANDL        LANES, TMP           // the lanes in use whose t is a positive normal …
	CMPL        TMP, LANES
	JNE         s256stop             // … if not all, leave the block to the twin
	CMPQ        MODE, $const_lrnBeta1
	JEQ         s256div

	VRSQRTPS     Y0, Y1              // r0 ≈ 1/√t
	VMULPS       Y1, Y0, Y2          // h = t·r0
	VFMSUB213PS  Y2, Y1, Y0          // hlo = r0·t − h, exact (t is done with)
	VMOVAPS      ONE2, Y4
	VFNMADD231PS Y1, Y2, Y4          // e = 1 − h·r0 …
	VFNMADD231PS Y1, Y0, Y4          // … − hlo·r0 = 1 − t·r0², to 2^-34
	VMOVAPS      C22, Y5
	VFMADD213PS  C12, Y4, Y5         // β + β(β+1)/2·e
	VMULPS       Y5, Y4, Y4          // δ = β·e + β(β+1)/2·e²
	CMPQ         MODE, $const_lrnBeta05
	JEQ          s256half
	VSQRTPS      Y1, Y5              // s0 = √r0, rounded
	VMOVAPS      Y1, Y6
	VFNMADD231PS Y5, Y5, Y6          // res = r0 − s0², exact
	VMULPS       Y2, Y6, Y6          // res·h ≈ res/r0
	VFMADD231PS  HALF2, Y6, Y4       // δ' = δ + res·h/2
	VMULPS       Y5, Y1, Y6          // y0 = r0·s0, rounded
	VFMSUB213PS  Y6, Y5, Y1          // y0lo = s0·r0 − y0, exact
	VFMADD231PS  Y4, Y6, Y1          // y0·δ' + y0lo
	VADDPS       Y1, Y6, Y1          // β = 0.75: y = y0 + (y0·δ' + y0lo)
	JMP          s256scale

s256half:
	VFMADD231PS Y4, Y1, Y1           // β = 0.5: y = r0 + r0·δ

s256scale:
	VMULPS Y1, Y3, Y4                // b = a·y
	JMP    s256store

s256div:
	VDIVPS Y0, Y3, Y4                // β = 1: b = a/t

s256store:
	CMPQ    REM, $8
	JB      s256partialstore
	VMOVUPS Y4, (BS)
	ADDQ    $32, BS
	ADDQ    $32, AS
	ADDQ    $32, SS
	SUBQ    $8, REM
	JNZ     s256loop

s256done:
	MOVQ n+24(FP), TMP
	MOVQ TMP, ret+48(FP)             // all n done
	VZEROUPPER
	RET

s256partial:
	TESTQ      REM, REM
	JZ         s256done
	MOVQ       $8, TMP
	SUBQ       REM, TMP
	LEAQ       lrnMask<>(SB), R11
	VMOVDQU    (R11)(TMP*4), MASK2   // the n%8 values left
	VMOVMSKPS  MASK2, LANES
	VMASKMOVPS (SS), MASK2, Y0       // sums, zero beyond n (not read)
	VMASKMOVPS (AS), MASK2, Y3       // a
	JMP        s256compute

s256partialstore:
	VMASKMOVPS Y4, MASK2, (BS)       // the n%8 values only
	JMP        s256done

s256stop:
	MOVQ n+24(FP), TMP
	SUBQ REM, TMP
	MOVQ TMP, ret+48(FP)             // the values before this block
	VZEROUPPER
	RET

// func lrnWindowAVX512(sums, a, sq, win *float32, blocks, pixels, n, width, square int)
//
// Per pixel (AX counts them; R8 its values, R9 its sums): the squares (or, when square is 0,
// the values) of every block into the row at sq (BX counts the blocks; R10 the block's values,
// R11 its place in the row), then each block's window sums, width values from win + 16·block a
// channel, in order (CX counts them; R12 the window, R13 the sums). Z0 the value, Z1 the sum;
// DX square.
TEXT ·lrnWindowAVX512(SB), NOSPLIT, $0-72
	MOVQ square+64(FP), DX
	MOVQ sums+0(FP), R9
	MOVQ a+8(FP), R8
	MOVQ pixels+40(FP), R14
	SHLQ $6, R14                  // a block of the image, in bytes
	MOVQ n+48(FP), R15
	MOVQ R15, AX
	SHLQ $6, R15                  // a block of the sums, in bytes
avx512_pixel:
	MOVQ R8, R10
	MOVQ sq+16(FP), R11
	MOVQ blocks+32(FP), BX
avx512_square:
	VMOVUPS 0(R10), Z0
	TESTQ DX, DX
	JZ    avx512_plain
	VMULPS Z0, Z0, Z0
avx512_plain:
	VMOVUPS Z0, 0(R11)
	ADDQ R14, R10
	ADDQ $64, R11
	DECQ BX
	JNZ  avx512_square
	MOVQ win+24(FP), R12
	MOVQ R9, R13
	MOVQ blocks+32(FP), BX
avx512_block:
	MOVQ R12, R10
	MOVQ width+56(FP), CX
	VPXORD Z1, Z1, Z1
avx512_window:
	VADDPS 0(R10), Z1, Z1
	ADDQ $4, R10
	DECQ CX
	JNZ  avx512_window
	VMOVUPS Z1, 0(R13)
	ADDQ $64, R12
	ADDQ R15, R13
	DECQ BX
	JNZ  avx512_block
	ADDQ $64, R8
	ADDQ $64, R9
	DECQ AX
	JNZ  avx512_pixel
	VZEROUPPER
	RET

// func lrnWindowAVX2(sums, a, sq, win *float32, blocks, pixels, n, width, square int)
//
// Per pixel (AX counts them; R8 its values, R9 its sums): the squares (or, when square is 0,
// the values) of every block into the row at sq (BX counts the blocks; R10 the block's values,
// R11 its place in the row), then each block's window sums, width values from win + 16·block a
// channel, in order (CX counts them; R12 the window, R13 the sums). Y0 the value, Y1 and Y2 the
// sums; DX square.
TEXT ·lrnWindowAVX2(SB), NOSPLIT, $0-72
	MOVQ square+64(FP), DX
	MOVQ sums+0(FP), R9
	MOVQ a+8(FP), R8
	MOVQ pixels+40(FP), R14
	SHLQ $6, R14                  // a block of the image, in bytes
	MOVQ n+48(FP), R15
	MOVQ R15, AX
	SHLQ $6, R15                  // a block of the sums, in bytes
avx2_pixel:
	MOVQ R8, R10
	MOVQ sq+16(FP), R11
	MOVQ blocks+32(FP), BX
avx2_square:
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y3
	TESTQ DX, DX
	JZ    avx2_plain
	VMULPS Y0, Y0, Y0
	VMULPS Y3, Y3, Y3
avx2_plain:
	VMOVUPS Y0, 0(R11)
	VMOVUPS Y3, 32(R11)
	ADDQ R14, R10
	ADDQ $64, R11
	DECQ BX
	JNZ  avx2_square
	MOVQ win+24(FP), R12
	MOVQ R9, R13
	MOVQ blocks+32(FP), BX
avx2_block:
	MOVQ R12, R10
	MOVQ width+56(FP), CX
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
avx2_window:
	VADDPS 0(R10), Y1, Y1
	VADDPS 32(R10), Y2, Y2
	ADDQ $4, R10
	DECQ CX
	JNZ  avx2_window
	VMOVUPS Y1, 0(R13)
	VMOVUPS Y2, 32(R13)
	ADDQ $64, R12
	ADDQ R15, R13
	DECQ BX
	JNZ  avx2_block
	ADDQ $64, R8
	ADDQ $64, R9
	DECQ AX
	JNZ  avx2_pixel
	VZEROUPPER
	RET

// func lrnWindow22AVX512(sums, a *float32, blocks, pixels, n, square int)
//
// lrnWindowAVX512 for AlexNet's window, two channels before and two after, with the window
// crossing lanes in registers rather than through a row in memory: per pixel (AX counts them;
// R8 its values, R9 its sums), the blocks' squares (or values, when square is 0) roll through
// Z0 (the previous block), Z1 (this one) and Z2 (the next; zero past the last), and each
// channel's sum is 0 + x[c−2] + x[c−1] + x[c] + x[c+1] + x[c+2] in that order, as the twin adds
// them, the neighbours taken by VALIGND across Z0:Z1 and Z1:Z2 (Z4). BX counts the blocks; R10
// the next block's values, R13 the sums; Z3 the sum; DX square.
TEXT ·lrnWindow22AVX512(SB), NOSPLIT, $0-48
	MOVQ sums+0(FP), R9
	MOVQ a+8(FP), R8
	MOVQ pixels+24(FP), R14
	SHLQ $6, R14                  // a block of the image, in bytes
	MOVQ n+32(FP), R15
	MOVQ R15, AX
	SHLQ $6, R15                  // a block of the sums, in bytes
	MOVQ square+40(FP), DX
w22_pixel:
	MOVQ R8, R10
	MOVQ R9, R13
	MOVQ blocks+16(FP), BX
	VPXORD Z0, Z0, Z0             // before block 0: zero
	VMOVUPS 0(R10), Z1
	TESTQ DX, DX
	JZ    w22_first
	VMULPS Z1, Z1, Z1
w22_first:
	ADDQ R14, R10
w22_block:
	VPXORD Z2, Z2, Z2             // past the last block: zero
	CMPQ BX, $1
	JEQ  w22_sum
	VMOVUPS 0(R10), Z2
	TESTQ DX, DX
	JZ    w22_sum
	VMULPS Z2, Z2, Z2
w22_sum:
	VPXORD Z3, Z3, Z3
	VALIGND $14, Z0, Z1, Z4       // x[c−2]: Z0's lanes 14, 15, then Z1's 0…13
	VADDPS Z4, Z3, Z3
	VALIGND $15, Z0, Z1, Z4       // x[c−1]
	VADDPS Z4, Z3, Z3
	VADDPS Z1, Z3, Z3             // x[c]
	VALIGND $1, Z1, Z2, Z4        // x[c+1]: Z1's lanes 1…15, then Z2's 0
	VADDPS Z4, Z3, Z3
	VALIGND $2, Z1, Z2, Z4        // x[c+2]
	VADDPS Z4, Z3, Z3
	VMOVUPS Z3, 0(R13)
	VMOVAPS Z1, Z0
	VMOVAPS Z2, Z1
	ADDQ R14, R10
	ADDQ R15, R13
	DECQ BX
	JNZ  w22_block
	ADDQ $64, R8
	ADDQ $64, R9
	DECQ AX
	JNZ  w22_pixel
	VZEROUPPER
	RET

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
