//go:build !noasm

#include "textflag.h"

#define ROW DI    // dst: row p of micro-panel 0
#define STRIDE R8 // stride in bytes: from one micro-panel to the next
#define PANELS R9 // micro-panels per row
#define GROUPS R10 // groups of sixteen columns per micro-panel
#define SRC SI    // src
#define COLS R11  // the column table
#define ROWS R14  // the row table at row p
#define NP CX     // rows left
#define COL AX    // the column table at the current group
#define PANEL BX  // dst: row p of the current micro-panel
#define NPANEL DX // micro-panels left in this row
#define OUT R12   // dst: the current group of sixteen values
#define NGROUP R13 // groups left in this micro-panel

#define H Z20     // h in every lane
#define W Z21     // w in every lane
#define KY Z22    // this row's ky in every lane
#define KX Z23    // this row's kx in every lane
#define OFF Z24   // this row's off in every lane

// func packConvAVX512(dst *float32, stride, panels, groups int, src *float32, cols, rows *int32, kc, h, w int)
TEXT ·packConvAVX512(SB), NOSPLIT, $0-80
	MOVQ dst+0(FP), ROW
	MOVQ stride+8(FP), STRIDE
	SHLQ $2, STRIDE                // STRIDE = stride in bytes
	MOVQ panels+16(FP), PANELS
	MOVQ groups+24(FP), GROUPS
	MOVQ src+32(FP), SRC
	MOVQ cols+40(FP), COLS
	MOVQ rows+48(FP), ROWS
	MOVQ kc+56(FP), NP
	VPBROADCASTD h+64(FP), H       // the low half of h, which is below 2³¹
	VPBROADCASTD w+72(FP), W
	TESTQ NP, NP
	JZ    done
	TESTQ PANELS, PANELS
	JZ    done

row:
	VPBROADCASTD 0(ROWS), KY
	VPBROADCASTD 4(ROWS), KX
	VPBROADCASTD 8(ROWS), OFF
	MOVQ COLS, COL
	MOVQ ROW, PANEL
	MOVQ PANELS, NPANEL

panel:
	MOVQ PANEL, OUT
	MOVQ GROUPS, NGROUP

group:
	VPADDD   0(COL), KY, Z1        // iy = iy0 + ky
	VPCMPUD  $1, H, Z1, K1         // K1: iy < h, unsigned, so also iy ≥ 0
	VPADDD   64(COL), KX, Z2       // ix = ix0 + kx
	VPCMPUD  $1, W, Z2, K1, K1     // K1: and ix < w, unsigned
	VPADDD   128(COL), OFF, Z3     // the index in src: iy0·w + ix0 + off
	VPXORD   Z0, Z0, Z0            // zero where K1 is clear
	VGATHERDPS (SRC)(Z3*4), K1, Z0 // Z0 = src[index] where K1 is set
	VMOVUPS  Z0, (OUT)
	ADDQ $192, COL                 // next group of the column table
	ADDQ $64, OUT                  // next sixteen values of dst
	DECQ NGROUP
	JNZ  group

	ADDQ STRIDE, PANEL             // row p of the next micro-panel
	DECQ NPANEL
	JNZ  panel

	ADDQ $16, ROWS                 // next row of the row table
	MOVQ GROUPS, NGROUP
	SHLQ $6, NGROUP                // a row of a micro-panel: 64 bytes per group
	ADDQ NGROUP, ROW               // row p+1 of micro-panel 0
	DECQ NP
	JNZ  row

done:
	VZEROUPPER
	RET
