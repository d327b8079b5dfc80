package asm

import "fmt"

// The conversions between NCHW planes and the channel-blocked layout (runtime/blocks.go):
// toBlocks and fromBlocks, transposes of sixteen planes by chunks of pixels — in AVX-512 a
// 16×16 transpose per sixteen pixels, the planes and pixels past n and count masked; in AVX2
// two 8×8 transposes per eight pixels, one per half of the sixteen lanes.

var blocksFile = runtimeFile{
	name: "blocks_amd64.s", source: "runtime_blocks.go",
	doc: "The channel-blocked layout's conversions (blocks.go). AVX-512 transposes 16×16 float32 values in registers: lane c of input register Zr becomes lane r of output register Zc, in Z0…Z15, with Z16…Z31 as scratch. Stage 1 interleaves pairs of rows within each 128-bit lane (unpck*ps), stage 2 pairs of pairs (unpck*pd): register 4q+k then holds rows 4q…4q+3 of columns k, k+4, k+8, k+12, one column per 128-bit lane. Stages 3 and 4 move whole 128-bit lanes (vshuff32x4) to gather each column's four groups of rows.\n\nAVX2 transposes 8×8 per eight pixels and eight planes (half of the sixteen lanes), from registers that each hold four values of one row and the same four of the row four after it, one in each 128-bit lane, so that two 4×4 transposes within the lanes finish it: loading the high halves with VINSERTF128 from memory saves the shuffles that would move them.",
	write: func(t *text) {
		t.maskTable("blocksMask")
		toBlocks512(t)
		fromBlocks512(t)
		toBlocks2(t)
		fromBlocks2(t)
	},
}

// cascade writes step(i) for i < n, each but the last followed by a jump to exit when count ≤
// i + 1: the first count of n values, count at least 1.
func (t *text) cascade(count string, n int, exit string, step func(i int)) {
	for i := range n {
		step(i)
		if i < n-1 {
			t.op("", "CMPQ", count, imm(i+1))
			t.op("", "JLE", exit)
		}
	}
}

// transpose16 transposes Z0…Z15 through Z16…Z31 (see the file's comment).
func transpose16(t *text) {
	t.line("\t// the 16×16 transpose")
	for i := range 8 {
		t.op("", "VUNPCKLPS", z(2*i+1), z(2*i), z(16+2*i))
		t.op("", "VUNPCKHPS", z(2*i+1), z(2*i), z(17+2*i))
	}
	for q := range 4 {
		b := 16 + 4*q
		t.op("", "VUNPCKLPD", z(b+2), z(b), z(4*q))
		t.op("", "VUNPCKHPD", z(b+2), z(b), z(4*q+1))
		t.op("", "VUNPCKLPD", z(b+3), z(b+1), z(4*q+2))
		t.op("", "VUNPCKHPD", z(b+3), z(b+1), z(4*q+3))
	}
	shuf := func(a, b, lo, hi int) {
		t.op("", "VSHUFF32X4", "$0x88", z(a), z(b), z(lo))
		t.op("", "VSHUFF32X4", "$0xdd", z(a), z(b), z(hi))
	}
	for k := range 4 {
		shuf(4+k, k, 16+k, 20+k)
		shuf(12+k, 8+k, 24+k, 28+k)
	}
	for k := range 4 {
		shuf(24+k, 16+k, k, 8+k)
		shuf(28+k, 20+k, 4+k, 12+k)
	}
}

// transpose4x2 transposes, in each 128-bit lane, the 4×4 matrix whose rows are Yr…Yr+3 there:
// afterwards Yr+k holds the kth values of the four, lane by lane. Y8…Y11 are scratch.
func transpose4x2(t *text, r int) {
	t.line("\t// 4×4 transposes of Y%d…Y%d in each 128-bit lane", r, r+3)
	t.op("", "VUNPCKLPS", y(r+1), y(r), "Y8")
	t.op("", "VUNPCKHPS", y(r+1), y(r), "Y9")
	t.op("", "VUNPCKLPS", y(r+3), y(r+2), "Y10")
	t.op("", "VUNPCKHPS", y(r+3), y(r+2), "Y11")
	t.op("", "VUNPCKLPD", "Y10", "Y8", y(r))
	t.op("", "VUNPCKHPD", "Y10", "Y8", y(r+1))
	t.op("", "VUNPCKLPD", "Y11", "Y9", y(r+2))
	t.op("", "VUNPCKHPD", "Y11", "Y9", y(r+3))
}

// zero16 clears Z0…Z15.
func zero16(t *text) {
	for i := range 16 {
		t.op("", "VPXORD", z(i), z(i), z(i))
	}
}

// mask512 sets AX to the chunk's pixels as a mask, 0xffff or, for the last count < 16, its
// first count bits, jumping to full when the chunk is whole.
func mask512(t *text, full string) {
	t.op("K1: the chunk's pixels, 16 or the last count", "MOVQ", "$0xffff", "AX")
	t.op("", "CMPQ", "CX", "$16")
	t.op("", "JGE", full)
	t.lowBits("", "AX")
}

func toBlocks512(t *text) {
	t.kernel("toBlocksAVX512", "(dst, src *float32, stride, n, count int)", 40,
		"for p < count, l < 16: dst[p*16+l] = src[l*stride+p] if l < n, else 0\n\n"+
			"Per chunk of sixteen pixels (CX the pixels left; SI the chunk's first value of plane 0, DI its first vector; K1 "+
			"its pixels): plane l < n's sixteen values into Zl (masked), zeros for the others, the transpose, and pixel c's "+
			"vector from Zc; R8 is the stride in bytes, R9 n, R10 each plane.")
	t.movqs("dst+0(FP)", "DI", "src+8(FP)", "SI", "stride+16(FP)", "R8")
	t.op("the stride in bytes", "SHLQ", "$2", "R8")
	t.movqs("n+24(FP)", "R9", "count+32(FP)", "CX")
	t.label("chunk")
	t.op("", "CMPQ", "CX", "$0")
	t.op("", "JLE", "done")
	mask512(t, "mask")
	t.label("mask")
	t.op("", "KMOVW", "AX", "K1")
	zero16(t)
	t.op("", "MOVQ", "SI", "R10")
	t.op("", "CMPQ", "R9", "$0")
	t.op("", "JLE", "transpose")
	t.cascade("R9", 16, "transpose", func(p int) {
		t.op(fmt.Sprintf("plane %d", p), "VMOVUPS.Z", "(R10)", "K1", z(p))
		if p < 15 {
			t.op("", "ADDQ", "R8", "R10")
		}
	})
	t.label("transpose")
	transpose16(t)
	t.op("", "CMPQ", "CX", "$16")
	t.op("", "JL", "tail")
	for p := range 16 {
		t.op("", "VMOVUPS", z(p), mem(64*p, "DI"))
	}
	t.op("", "ADDQ", "$64", "SI")
	t.op("", "ADDQ", "$1024", "DI")
	t.op("", "SUBQ", "$16", "CX")
	t.op("", "JMP", "chunk")
	t.label("tail")
	t.line("\t// the last count < 16 pixels")
	t.cascade("CX", 16, "done", func(p int) { t.op("", "VMOVUPS", z(p), mem(64*p, "DI")) })
	t.label("done")
	t.ret()
}

func fromBlocks512(t *text) {
	t.kernel("fromBlocksAVX512", "(dst *float32, stride int, src *float32, n, count int)", 40,
		"for p < count, l < n: dst[l*stride+p] = src[p*16+l]\n\n"+
			"Per chunk of sixteen pixels (CX the pixels left; SI the chunk's first vector, DI its first value of plane 0; K1 "+
			"its pixels): pixel c's vector into Zc, zeros for those from count on, the transpose, and plane l < n's sixteen "+
			"values from Zl (masked); R8 is the stride in bytes, R9 n, R10 each plane.")
	t.movqs("dst+0(FP)", "DI", "stride+8(FP)", "R8")
	t.op("the stride in bytes", "SHLQ", "$2", "R8")
	t.movqs("src+16(FP)", "SI", "n+24(FP)", "R9", "count+32(FP)", "CX")
	t.label("chunk")
	t.op("", "CMPQ", "CX", "$0")
	t.op("", "JLE", "done")
	mask512(t, "full")
	zero16(t)
	t.cascade("CX", 16, "transpose", func(p int) { t.op(fmt.Sprintf("pixel %d", p), "VMOVUPS", mem(64*p, "SI"), z(p)) })
	t.op("", "JMP", "transpose")
	t.label("full")
	for p := range 16 {
		t.op("", "VMOVUPS", mem(64*p, "SI"), z(p))
	}
	t.label("transpose")
	t.op("", "KMOVW", "AX", "K1")
	transpose16(t)
	t.op("", "MOVQ", "DI", "R10")
	t.cascade("R9", 16, "next", func(p int) {
		if p > 0 {
			t.op("", "ADDQ", "R8", "R10")
		}
		t.op(fmt.Sprintf("channel %d", p), "VMOVUPS", z(p), "K1", "(R10)")
	})
	t.label("next")
	t.op("", "ADDQ", "$1024", "SI")
	t.op("", "ADDQ", "$64", "DI")
	t.op("", "SUBQ", "$16", "CX")
	t.op("", "JMP", "chunk")
	t.label("done")
	t.ret()
}

// chunk2 writes the start of an AVX2 chunk of eight pixels: R13 its pixels, 8 or the last
// count%8, whose mask it loads into Y14 (and X13, with high, the mask of pixels 4–7).
func chunk2(t *text, high bool) {
	t.label("chunk")
	t.op("", "CMPQ", "CX", "$0")
	t.op("", "JLE", "done")
	t.op("", "MOVQ", "$8", "R13")
	t.op("", "CMPQ", "CX", "$8")
	t.op("", "JGE", "halves")
	t.op("the last count%8 pixels", "MOVQ", "CX", "R13")
	t.op("", "MOVQ", "$8", "DX")
	t.op("", "SUBQ", "CX", "DX")
	t.op("", "LEAQ", "blocksMask<>(SB)", "R14")
	t.op("the pixels before count", "VMOVDQU", "(R14)(DX*4)", "Y14")
	if high {
		t.op("", "VEXTRACTF128", "$1", "Y14", "X13")
	}
}

// frame2 loads the arguments both AVX2 kernels share, past dst, stride and src: R9 n, CX count,
// AX eight planes in bytes.
func frame2(t *text) {
	t.movqs("n+24(FP)", "R9", "count+32(FP)", "CX")
	t.op("", "MOVQ", "R8", "AX")
	t.op("eight planes, in bytes", "SHLQ", "$3", "AX")
}

func toBlocks2(t *text) {
	t.kernel("toBlocksAVX2", "(dst, src *float32, stride, n, count int)", 40,
		"for p < count, l < 16: dst[p*16+l] = src[l*stride+p] if l < n, else 0\n\n"+
			"Per chunk of eight pixels (CX the pixels left; SI the chunk's first value of plane 0, DI its first vector; R13 "+
			"its pixels, 8 or the last count%8) and per half of the lanes (BX counts them; R10 the half's first plane at the "+
			"chunk, DX each plane; R11 the planes it takes from src, n then n − 8; R12 its first lanes in dst): plane r < "+
			"4's eight values go into the low 128 bits of Yr (pixels 0–3) and Y(r+4) (pixels 4–7), plane r ≥ 4's into the "+
			"high ones of Y(r−4) and Yr, planes from n on are zeros; the 4×4 transposes twice then leave pixel c's eight "+
			"lanes in Yc. In the last chunk, X14 masks pixels 0–3 (those before count), X13 pixels 4–7, and X12 takes the "+
			"high halves.")
	t.movqs("dst+0(FP)", "DI", "src+8(FP)", "SI", "stride+16(FP)", "R8")
	t.op("the stride in bytes", "SHLQ", "$2", "R8")
	frame2(t)
	chunk2(t, true)
	t.label("halves")
	t.movqs("SI", "R10", "R9", "R11", "DI", "R12")
	t.op("", "MOVQ", "$2", "BX")
	t.label("half")
	t.op("", "CMPQ", "R11", "$8")
	t.op("", "JGE", "load")
	for r := range 8 {
		t.op(first(r, "the planes from n on"), "VXORPS", y(r), y(r), y(r))
	}
	t.op("", "CMPQ", "R11", "$0")
	t.op("the whole half", "JLE", "store")
	t.label("load")
	t.op("", "MOVQ", "R10", "DX")
	t.op("", "CMPQ", "R13", "$8")
	t.op("", "JL", "tailLoad")
	t.cascade("R11", 8, "transpose", func(p int) {
		if p > 0 {
			t.op("", "ADDQ", "R8", "DX")
		}
		if p < 4 {
			t.op(fmt.Sprintf("plane %d", p), "VMOVUPS", "(DX)", x(p))
			t.op("", "VMOVUPS", "16(DX)", x(p+4))
		} else {
			t.op(fmt.Sprintf("plane %d", p), "VINSERTF128", "$1", "(DX)", y(p-4), y(p-4))
			t.op("", "VINSERTF128", "$1", "16(DX)", y(p), y(p))
		}
	})
	t.op("", "JMP", "transpose")
	t.label("tailLoad")
	t.cascade("R11", 8, "transpose", func(p int) {
		if p > 0 {
			t.op("", "ADDQ", "R8", "DX")
		}
		if p < 4 {
			comment := fmt.Sprintf("plane %d", p)
			if p == 0 {
				comment = "plane 0, the pixels before count"
			}
			t.op(comment, "VMASKMOVPS", "(DX)", "X14", x(p))
			t.op("", "VMASKMOVPS", "16(DX)", "X13", x(p+4))
		} else {
			t.op(fmt.Sprintf("plane %d", p), "VMASKMOVPS", "(DX)", "X14", "X12")
			t.op("", "VINSERTF128", "$1", "X12", y(p-4), y(p-4))
			t.op("", "VMASKMOVPS", "16(DX)", "X13", "X12")
			t.op("", "VINSERTF128", "$1", "X12", y(p), y(p))
		}
	})
	t.label("transpose")
	transpose4x2(t, 0)
	transpose4x2(t, 4)
	t.label("store")
	t.cascade("R13", 8, "nextHalf", func(p int) { t.op(fmt.Sprintf("pixel %d", p), "VMOVUPS", y(p), mem(64*p, "R12")) })
	t.label("nextHalf")
	t.op("", "ADDQ", "AX", "R10")
	t.op("", "SUBQ", "$8", "R11")
	t.op("", "ADDQ", "$32", "R12")
	t.op("", "DECQ", "BX")
	t.op("", "JNZ", "half")
	t.op("", "ADDQ", "$32", "SI")
	t.op("", "ADDQ", "$512", "DI")
	t.op("", "SUBQ", "$8", "CX")
	t.op("", "JMP", "chunk")
	t.label("done")
	t.ret()
}

func fromBlocks2(t *text) {
	t.kernel("fromBlocksAVX2", "(dst *float32, stride int, src *float32, n, count int)", 40,
		"for p < count, l < n: dst[l*stride+p] = src[p*16+l]\n\n"+
			"Per chunk of eight pixels (CX the pixels left; SI the chunk's first vector, DI its first value of plane 0; R13 "+
			"its pixels, 8 or the last count%8) and per half of the lanes while it has planes before n (BX counts the "+
			"halves; R12 the half's first lanes in src; R10 its first plane at the chunk, DX each plane; R11 the planes it "+
			"gives, n then n − 8): pixel c < 4's eight lanes go into the low 128 bits of Yc (lanes 0–3) and Y(c+4) (lanes "+
			"4–7), pixel c ≥ 4's into the high ones of Y(c−4) and Yc, nothing for pixels from count on; the 4×4 transposes "+
			"twice then leave plane r's eight values in Yr, stored for r before n. In the last chunk, Y14 masks the pixels "+
			"before count.")
	t.movqs("dst+0(FP)", "DI", "stride+8(FP)", "R8")
	t.op("the stride in bytes", "SHLQ", "$2", "R8")
	t.op("", "MOVQ", "src+16(FP)", "SI")
	frame2(t)
	chunk2(t, false)
	t.label("halves")
	t.movqs("DI", "R10", "R9", "R11", "SI", "R12")
	t.op("", "MOVQ", "$2", "BX")
	t.label("half")
	t.op("", "CMPQ", "R11", "$0")
	t.op("no planes left", "JLE", "next")
	t.op("", "CMPQ", "R13", "$8")
	t.op("", "JL", "tailLoad")
	load := func(c int) {
		if c < 4 {
			t.op(fmt.Sprintf("pixel %d", c), "VMOVUPS", mem(64*c, "R12"), x(c))
			t.op("", "VMOVUPS", mem(64*c+16, "R12"), x(c+4))
		} else {
			t.op(fmt.Sprintf("pixel %d", c), "VINSERTF128", "$1", mem(64*c, "R12"), y(c-4), y(c-4))
			t.op("", "VINSERTF128", "$1", mem(64*c+16, "R12"), y(c), y(c))
		}
	}
	for c := range 8 {
		load(c)
	}
	t.op("", "JMP", "transpose")
	t.label("tailLoad")
	t.line("\t// the lanes of pixels from count on are not stored")
	t.cascade("R13", 7, "transpose", load)
	t.label("transpose")
	transpose4x2(t, 0)
	transpose4x2(t, 4)
	t.op("", "MOVQ", "R10", "DX")
	t.op("", "CMPQ", "R13", "$8")
	t.op("", "JL", "tailStore")
	t.cascade("R11", 8, "nextHalf", func(r int) {
		if r > 0 {
			t.op("", "ADDQ", "R8", "DX")
		}
		t.op(fmt.Sprintf("plane %d", r), "VMOVUPS", y(r), "(DX)")
	})
	t.op("", "JMP", "nextHalf")
	t.label("tailStore")
	t.cascade("R11", 8, "nextHalf", func(r int) {
		if r > 0 {
			t.op("", "ADDQ", "R8", "DX")
		}
		t.op(fmt.Sprintf("plane %d, the pixels before count", r), "VMASKMOVPS", y(r), "Y14", "(DX)")
	})
	t.label("nextHalf")
	t.op("", "ADDQ", "AX", "R10")
	t.op("", "SUBQ", "$8", "R11")
	t.op("", "ADDQ", "$32", "R12")
	t.op("", "DECQ", "BX")
	t.op("", "JNZ", "half")
	t.label("next")
	t.op("", "ADDQ", "$32", "DI")
	t.op("", "ADDQ", "$512", "SI")
	t.op("", "SUBQ", "$8", "CX")
	t.op("", "JMP", "chunk")
	t.label("done")
	t.ret()
}
