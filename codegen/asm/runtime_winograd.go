package asm

import "fmt"

// Winograd's sandwich of the weights (runtime/winograd.go): U = L·X·Lᵀ for sixteen matrices side
// by side, in float64.

var winogradFile = runtimeFile{
	name: "winograd_amd64.s", source: "runtime_winograd.go",
	doc: "Winograd's sandwich of the weights (winograd.go): U = L·X·Lᵀ for sixteen k×k, n×n matrices side by side, in float64, " +
		"T = L·X first into t, then U = T·Lᵀ; each entry the sum, in the order of L's row, of its nonzero coefficients' products " +
		"with sixteen lanes of X (or T), each product and sum rounded, as the Go twin computes them, so the same values bit for bit.",
	write: func(t *text) {
		for _, is := range []*isa{&avx512, &avx2} {
			winogradSandwich(t, is)
		}
	},
}

// winogradSandwich writes the sandwich in is: sixteen float64 lanes are two registers in AVX-512,
// four in AVX2.
func winogradSandwich(t *text, is *isa) {
	parts := 16 / (is.width / 2) // float64 registers per sixteen lanes
	lane := 16 * 8               // bytes of sixteen float64
	acc := func(p int) string { return is.r(p) }
	v, prod := is.r(parts), is.r(parts+1)
	t.kernel("winogradSandwich"+is.name, "(u, t, x, l *float64, k, n int)", 48, fmt.Sprintf(
		"DI, SI, DX, CX point at u, t, x, l; R8 is k, R9 n. Pass 1: R10 counts the rows i of L, R13 points at row i, R11 counts "+
			"the columns j of X, CX at column j's first entry, R12 the terms, BX at the term's entry of X, AX is a row of X "+
			"in bytes; SI runs over T. Pass 2: R10 counts the rows i of T, R13 points at row i, R11 counts the rows j of L, "+
			"CX points at row j, BX at the term's entry of T; DI runs over U. %s0…%s%d the sixteen lanes' sum, %s%d the "+
			"coefficient in every lane, %s%d a product; X15 the coefficient alone, X14 zero.",
		is.reg, is.reg, parts-1, is.reg, parts, is.reg, parts+1))
	t.movqs("u+0(FP)", "DI", "t+8(FP)", "SI", "x+16(FP)", "DX", "l+24(FP)", "CX", "k+32(FP)", "R8", "n+40(FP)", "R9")
	t.op("zero, for the coefficients' test", "VXORPD", "X14", "X14", "X14")
	// sum writes the sum of the terms of the row of L at row: for R12 < R9, unless L's
	// coefficient is zero (a NaN is a term, as in the twin), its broadcast times the sixteen
	// lanes at BX, BX then stride bytes on.
	sum := func(label, row, stride string) {
		for p := range parts {
			t.op(first(p, "the sum starts at +0"), "VXORPD", acc(p), acc(p), acc(p))
		}
		t.op("", "XORQ", "R12", "R12")
		t.label(label)
		t.op("the coefficient", "VMOVSD", "("+row+")(R12*8)", "X15")
		t.op("", "VUCOMISD", "X14", "X15")
		t.op("NaN: a term, as in the twin", "JPS", label+"Do")
		t.op("zero: no term", "JEQ", label+"Next")
		t.label(label + "Do")
		t.op("in every lane", "VBROADCASTSD", "("+row+")(R12*8)", v)
		for p := range parts {
			t.op(first(p, "its products, rounded, then added"), "VMULPD", mem(p*is.bytes(), "BX"), v, prod)
			t.op("", "VADDPD", prod, acc(p), acc(p))
		}
		t.label(label + "Next")
		t.op("", "ADDQ", stride, "BX")
		t.op("", "INCQ", "R12")
		t.op("", "CMPQ", "R12", "R9")
		t.op("", "JLT", label)
	}
	store := func(ptr string) {
		for p := range parts {
			t.op("", "VMOVUPD", acc(p), mem(p*is.bytes(), ptr))
		}
		t.op("", "ADDQ", imm(lane), ptr)
	}
	t.line("\n\t// Pass 1: T[i][j] = Σ L[i][kk]·X[kk][j], for i < k, j < n.")
	t.op("a row of X in bytes", "MOVQ", "R9", "AX")
	t.op("", "SHLQ", "$7", "AX")
	t.op("", "MOVQ", "CX", "R13")
	t.op("", "XORQ", "R10", "R10")
	t.label("rowT")
	t.op("", "MOVQ", "DX", "CX")
	t.op("", "XORQ", "R11", "R11")
	t.label("colT")
	t.op("", "MOVQ", "CX", "BX")
	sum("termT", "R13", "AX")
	store("SI")
	t.op("next column of X", "ADDQ", imm(lane), "CX")
	t.op("", "INCQ", "R11")
	t.op("", "CMPQ", "R11", "R9")
	t.op("", "JLT", "colT")
	t.op("next row of L", "LEAQ", "(R13)(R9*8)", "R13")
	t.op("", "INCQ", "R10")
	t.op("", "CMPQ", "R10", "R8")
	t.op("", "JLT", "rowT")

	t.line("\n\t// Pass 2: U[i][j] = Σ L[j][kk]·T[i][kk], for i, j < k.")
	t.movqs("t+8(FP)", "R13", "l+24(FP)", "DX")
	t.op("", "XORQ", "R10", "R10")
	t.label("rowU")
	t.op("", "MOVQ", "DX", "CX")
	t.op("", "XORQ", "R11", "R11")
	t.label("colU")
	t.op("", "MOVQ", "R13", "BX")
	sum("termU", "CX", imm(lane))
	store("DI")
	t.op("next row of L", "LEAQ", "(CX)(R9*8)", "CX")
	t.op("", "INCQ", "R11")
	t.op("", "CMPQ", "R11", "R8")
	t.op("", "JLT", "colU")
	t.op("next row of T: a row of X's bytes, still in AX", "ADDQ", "AX", "R13")
	t.op("", "INCQ", "R10")
	t.op("", "CMPQ", "R10", "R8")
	t.op("", "JLT", "rowU")
	t.ret()
}
