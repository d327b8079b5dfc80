package asm

import (
	"fmt"
	"strings"
)

// The ReLU masks of the backward pass (runtime/relu.go): reluBackward and reluBackwardBlocked,
// sixteen values a step, as one vector in AVX-512 and two in AVX2.

var reluFile = runtimeFile{
	name: "relu_amd64.s", source: "runtime_relu.go",
	doc: "The ReLU masks of the backward pass (relu.go), sixteen values a step: one vector in AVX-512, two in AVX2, whose sums are added up as AVX-512's are, so that both give the same sum bit for bit.",
	write: func(t *text) {
		for _, is := range []*isa{&avx512, &avx2} {
			reluBackward(t, is)
			reluBackwardBlocked(t, is)
		}
	},
}

// The registers of both kernels: zero, the sums (one per part of sixteen lanes), y, g.
func reluRegs(is *isa) (zero string, sums, ys, gs []string) {
	n := is.parts()
	for p := range n {
		sums = append(sums, is.r(1+p))
		ys = append(ys, is.r(3+p))
		gs = append(gs, is.r(3+n+p))
	}
	return is.r(0), sums, ys, gs
}

// reluDoc says the kernels' registers.
func reluDoc(is *isa, sums, ys, gs []string) string {
	what := "one vector"
	if is.parts() > 1 {
		what = fmt.Sprintf("%d vectors of %d", is.parts(), is.width)
	}
	return fmt.Sprintf("Sixteen values a step, as %s: DI points at grad, SI at y; CX is n; AX counts the values; "+
		"%s is zero; %s the sums of the sixteen lanes; %s y, then where y ≤ 0; %s g.",
		what, is.r(0), strings.Join(sums, ", "), strings.Join(ys, ", "), strings.Join(gs, ", "))
}

// reluMask sets g = 0 where y ≤ 0 (LE_OQ: false for NaN), y and g at AX's values: in AVX-512 a
// mask and a masked move of zero, in AVX2 a compare into a vector and an AND NOT. gMem says g
// is still in memory (AVX2 then takes it as its operand).
func reluMask(t *text, is *isa, zero string, ys, gs []string, gMem bool) {
	if is.avx512() {
		t.op("K1: y ≤ 0 (LE_OQ: false for NaN)", "VCMPPS", "$0x12", zero, ys[0], "K1")
		if gMem {
			t.op("g", "VMOVUPS", "(DI)(AX*4)", gs[0])
		}
		t.op("g = 0 where y ≤ 0", "VMOVUPS", zero, "K1", gs[0])
		return
	}
	for p, y := range ys {
		t.op(first(p, "y ≤ 0 (LE_OQ: false for NaN)"), "VCMPPS", "$0x12", zero, y, y)
	}
	for p, y := range ys {
		g := gs[p]
		if gMem {
			g = idx(32*p, "DI", "AX", 4)
		}
		t.op(first(p, "g = 0 where y ≤ 0"), "VANDNPS", g, y, gs[p])
	}
}

// loadParts loads the parts of sixteen lanes at off(base)(AX*4) into regs.
func loadParts(t *text, comment, base string, off int, regs []string) {
	for p, r := range regs {
		t.op(first(p, "%s", comment), "VMOVUPS", idx(off+32*p, base, "AX", 4), r)
	}
}

// storeParts stores regs, the parts of sixteen lanes, at off(base)(AX*4).
func storeParts(t *text, base string, off int, regs []string) {
	for p, r := range regs {
		t.op("", "VMOVUPS", r, idx(off+32*p, base, "AX", 4))
	}
}

// reluBackward: g = 0 where y ≤ 0, and the sum of g over n values (a multiple of 16), in
// sixteen lanes added up at the end.
func reluBackward(t *text, is *isa) {
	zero, sums, ys, gs := reluRegs(is)
	t.kernel("reluBackward"+is.name, "(grad, y *float32, n int) float32", 28, reluDoc(is, sums, ys, gs)+
		" The sums' lanes 8–15 are added to lanes 0–7, then 4–7 to 0–3, and so on, in both forms.")
	t.movqs("grad+0(FP)", "DI", "y+8(FP)", "SI", "n+16(FP)", "CX")
	t.op("zero", "VXORPS", zero, zero, zero)
	for p, s := range sums {
		t.op(first(p, "the sums, lane by lane"), "VXORPS", s, s, s)
	}
	t.op("", "XORQ", "AX", "AX")
	t.label("loop")
	t.op("", "CMPQ", "AX", "CX")
	t.op("", "JGE", "reduce")
	loadParts(t, "y", "SI", 0, ys)
	reluMask(t, is, zero, ys, gs, true)
	storeParts(t, "DI", 0, gs)
	for p, g := range gs {
		t.op("", "VADDPS", g, sums[p], sums[p])
	}
	t.op("", "ADDQ", "$16", "AX")
	t.op("", "JMP", "loop")

	t.label("reduce")
	if is.avx512() {
		t.op("16 lanes → 8", "VEXTRACTF32X8", "$1", "Z1", "Y2")
	}
	t.op(is.pick("", "16 lanes → 8"), "VADDPS", "Y2", "Y1", "Y1")
	t.op("→ 4", "VEXTRACTF128", "$1", "Y1", "X2")
	t.op("", "VADDPS", "X2", "X1", "X1")
	t.op("→ 2", "VPERMILPS", "$0x0e", "X1", "X2")
	t.op("", "VADDPS", "X2", "X1", "X1")
	t.op("→ 1", "VPERMILPS", "$0x01", "X1", "X2")
	t.op("", "VADDSS", "X2", "X1", "X1")
	t.op("", is.pick("MOVSS", "VMOVSS"), "X1", "ret+24(FP)")
	t.ret()
}

// reluBackwardBlocked: g = 0 where y ≤ 0 if mask is 1, and each of the sixteen lanes' sums over
// n values (a multiple of 16) added to sums.
func reluBackwardBlocked(t *text, is *isa) {
	zero, sums, ys, gs := reluRegs(is)
	t.kernel("reluBackwardBlocked"+is.name, "(grad, y, sums *float32, n, mask int)", 40, reluDoc(is, sums, ys, gs)+
		" BX points at sums; R8 is mask.")
	t.movqs("grad+0(FP)", "DI", "y+8(FP)", "SI", "sums+16(FP)", "BX", "n+24(FP)", "CX", "mask+32(FP)", "R8")
	t.op("zero", is.pick("VPXORD", "VXORPS"), zero, zero, zero)
	for p, s := range sums {
		t.op(first(p, "the sums, lane by lane, from where they are"), "VMOVUPS", mem(32*p, "BX"), s)
	}
	t.op("", "XORQ", "AX", "AX")
	t.label("loop")
	t.op("", "CMPQ", "AX", "CX")
	t.op("", "JGE", "done")
	loadParts(t, "g", "DI", 0, gs)
	t.op("", "TESTQ", "R8", "R8")
	t.op("", "JZ", "sum")
	loadParts(t, "y", "SI", 0, ys)
	reluMask(t, is, zero, ys, gs, false)
	storeParts(t, "DI", 0, gs)
	t.label("sum")
	for p, g := range gs {
		t.op("", "VADDPS", g, sums[p], sums[p])
	}
	t.op("", "ADDQ", "$16", "AX")
	t.op("", "JMP", "loop")
	t.label("done")
	for p, s := range sums {
		t.op("", "VMOVUPS", s, mem(32*p, "BX"))
	}
	t.ret()
}
