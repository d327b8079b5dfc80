package asm

import "fmt"

// The GEMM's packing transpose (runtime/pack.go): transpose4, four rows of one vector each
// transposed into a vector's worth of runs of four.

var packFile = runtimeFile{
	name: "pack_amd64.s", source: "runtime_pack.go",
	doc: "The packing transpose (pack.go): four rows of src, one vector of each (sixteen values in AVX-512, eight in AVX2), transposed in registers and stored as runs of four in dst, one run per value of the rows, a 128-bit lane of the transposed registers at a time.",
	write: func(t *text) {
		for _, is := range []*isa{&avx512, &avx2} {
			transpose4(t, is)
		}
	},
}

// transpose4 writes the transpose in is: per block, rows a, b, c, d (q … q+3) and width
// columns p …, interleaved in pairs and pairs of pairs within each 128-bit lane l, so that four
// registers hold a, b, c, d of columns 4l, 4l+1, 4l+2, 4l+3 in lane l; lane l of each is stored
// to rows 4l … 4l+3 of dst.
func transpose4(t *text, is *isa) {
	w := is.width
	r := is.r
	t.kernel(fmt.Sprintf("transpose4x%d%s", w, is.name), "(dst *float32, width int, src *float32, ld, rows, cols int)", 48, fmt.Sprintf(
		"for q < rows (a multiple of 4), p < cols (a multiple of %d): dst[p*width+q] = src[q*ld+p]\n\n"+
			"DI is column q of the current group in dst, R8 width in bytes (BX three times it), SI row q, column p of the "+
			"current block in src, R9 ld in bytes (R12 three times it); R10 counts the groups of four rows, R11 the blocks "+
			"of %d columns per group, CX the blocks left in this group; AX is the block being read, DX the first row p of "+
			"the block in dst, R13 rows 4l … 4l+3 of it. %s0…%s3 hold the rows, %s4…%s7 their pairs, %s8…%s11 the columns.",
		w, w, is.reg, is.reg, is.reg, is.reg, is.reg, is.reg))
	t.movqs("dst+0(FP)", "DI", "width+8(FP)", "R8")
	t.op("width in bytes", "SHLQ", "$2", "R8")
	t.op("three times it", "LEAQ", "(R8)(R8*2)", "BX")
	t.movqs("src+16(FP)", "SI", "ld+24(FP)", "R9")
	t.op("ld in bytes", "SHLQ", "$2", "R9")
	t.op("three times it", "LEAQ", "(R9)(R9*2)", "R12")
	t.op("", "MOVQ", "rows+32(FP)", "R10")
	t.op("groups of four rows", "SHRQ", "$2", "R10")
	t.op("", "MOVQ", "cols+40(FP)", "R11")
	t.op(fmt.Sprintf("blocks of %d columns", w), "SHRQ", imm(map[bool]int{true: 4, false: 3}[is.avx512()]), "R11")
	t.op("", "TESTQ", "R10", "R10")
	t.op("", "JZ", "done")
	t.op("", "TESTQ", "R11", "R11")
	t.op("", "JZ", "done")
	t.label("group")
	t.movqs("SI", "AX", "DI", "DX", "R11", "CX")
	t.label("block")
	rows := []string{"(AX)", "(AX)(R9*1)", "(AX)(R9*2)", "(AX)(R12*1)"}
	for i, m := range rows {
		t.op(string(rune('a'+i)), "VMOVUPS", m, r(i))
	}
	for i, m := range rows {
		t.op(first(i, "four blocks ahead in each row"), "PREFETCHT0", fmt.Sprintf("%d%s", 4*is.bytes(), m))
	}
	t.line("\n\t// Interleave pairs, then pairs of pairs, within each 128-bit lane l (columns 4l … 4l+3):")
	t.line("\t// %s8 holds a, b, c, d of column 4l in lane l, %s9 of column 4l+1, %s10 of 4l+2, %s11 of 4l+3.", is.reg, is.reg, is.reg, is.reg)
	t.op("a0 b0 a1 b1 per lane", "VUNPCKLPS", r(1), r(0), r(4))
	t.op("a2 b2 a3 b3", "VUNPCKHPS", r(1), r(0), r(5))
	t.op("c0 d0 c1 d1", "VUNPCKLPS", r(3), r(2), r(6))
	t.op("c2 d2 c3 d3", "VUNPCKHPS", r(3), r(2), r(7))
	t.op("a0 b0 c0 d0", "VUNPCKLPD", r(6), r(4), r(8))
	t.op("a1 b1 c1 d1", "VUNPCKHPD", r(6), r(4), r(9))
	t.op("a2 b2 c2 d2", "VUNPCKLPD", r(7), r(5), r(10))
	t.op("a3 b3 c3 d3", "VUNPCKHPD", r(7), r(5), r(11))
	t.line("\n\t// Store lane l of %s8 … %s11 to rows 4l … 4l+3 of dst, four values each.", is.reg, is.reg)
	outs := []string{"", "(R8*1)", "(R8*2)", "(BX*1)"}
	for i, o := range outs {
		t.op(first(i, "lane 0: rows p … p+3"), "VMOVUPS", x(8+i), "(DX)"+o)
	}
	for l := 1; l < w/4; l++ {
		base := "DX"
		if l > 1 {
			base = "R13"
		}
		t.op(fmt.Sprintf("lane %d: rows p+%d … p+%d", l, 4*l, 4*l+3), "LEAQ", "("+base+")(R8*4)", "R13")
		for i, o := range outs {
			t.op("", is.pick("VEXTRACTF32X4", "VEXTRACTF128"), imm(l), r(8+i), "(R13)"+o)
		}
	}
	t.line("")
	t.op(fmt.Sprintf("next %d columns of src", w), "ADDQ", imm(is.bytes()), "AX")
	t.op(fmt.Sprintf("next %d rows of dst", w), "LEAQ", "(R13)(R8*4)", "DX")
	t.op("", "DECQ", "CX")
	t.op("", "JNZ", "block")
	t.line("")
	t.op("next four rows of src", "LEAQ", "(SI)(R9*4)", "SI")
	t.op("next four columns of dst", "ADDQ", "$16", "DI")
	t.op("", "DECQ", "R10")
	t.op("", "JNZ", "group")
	t.label("done")
	t.ret()
}
