//go:build !noasm

#include "textflag.h"

// func maxArgmaxAVX512(best *float32, at *int32, x *float32, ix0 *int32, iy0, kh, kw, h, w int)
TEXT ·maxArgmaxAVX512(SB), NOSPLIT, $0-72
	MOVQ best+0(FP), BX
	MOVQ at+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ ix0+24(FP), R8
	MOVQ iy0+32(FP), R9                 // iy = iy0 + ky
	MOVQ kh+40(FP), R12                 // rows of the window left
	MOVQ kw+48(FP), R13
	MOVQ h+56(FP), R14
	MOVQ w+64(FP), R15
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
	KMOVW    K1, K2                     // the gather clears its mask
	VXORPS   Z8, Z8, Z8
	VGATHERDPS (SI)(Z7*4), K2, Z8       // the values where K1 is set
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
