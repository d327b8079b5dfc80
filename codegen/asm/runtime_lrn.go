package asm

import "fmt"

// LRN's kernels (runtime/lrn.go): squares (sums ± x²), lrnScale (b = a·t^−β, t = k + α·sums),
// the window sums of the channel-blocked layout, and subProduct (x − (c·a)·t, the backward
// pass's).

var lrnFile = runtimeFile{
	name: "lrn_amd64.s", source: "runtime_lrn.go", includes: []string{"go_asm.h"},
	doc: "LRN's kernels (lrn.go): squares (sums ± x²), lrnScale (b = a·t^−β, t = k + α·sums), the sums over each channel's window in the channel-blocked layout, and subProduct (x − (c·a)·t, the backward pass's). Each in AVX-512 and in AVX2 with FMA; lrnWindow22, the window of AlexNet's size 5 with the neighbours taken across lanes by VALIGND, in AVX-512 only (AVX2 has no VALIGND, its VPALIGNR shifting within 128-bit halves, and runs the general window kernel).",
	write: func(t *text) {
		t.maskTable("lrnMask")
		t.line("")
		t.comment(lrnScaleMath)
		t.line("")
		t.comment("lrnPoly<> holds β and β(β+1)/2, the coefficients of δ, for each mode (lrnBeta1's unused).")
		for i, v := range []struct{ bits, what string }{
			{"$0x3f400000", "lrnBeta075: 0.75"}, {"$0x3f280000", "  0.65625"},
			{"$0x3f000000", "lrnBeta05: 0.5"}, {"$0x3ec00000", "  0.375"},
			{"$0x3f800000", "lrnBeta1: 1"}, {"$0x3f800000", "  1"},
		} {
			t.line("DATA lrnPoly<>+%d(SB)/4, %-12s // %s", 4*i, v.bits, v.what)
		}
		t.line("GLOBL lrnPoly<>(SB), RODATA|NOPTR, $24")
		for _, is := range []*isa{&avx512, &avx2} {
			squares(t, is)
			lrnScale(t, is)
			lrnWindow(t, is)
			subProduct(t, is)
		}
		lrnWindow22(t)
	},
}

// The float32 bit patterns lrnScale compares and refines with.
const (
	fMinNorm = "$0x00800000" // 0x1p-126, the smallest normal float32
	fMax     = "$0x7f7fffff" // math.MaxFloat32
	fHalf    = "$0x3f000000" // 0.5
	fOne     = "$0x3f800000" // 1
)

// tail writes the mask of the first CX < width lanes of a vector into mask (K1 in AVX-512, a
// vector register in AVX2, from table<> through tableReg), with tmp as scratch.
func (is *isa) tail(t *text, comment, tmp, table, tableReg, mask string) {
	if is.avx512() {
		t.lowBits(fmt.Sprintf("1 << (n%%%d)", is.width), tmp)
		t.op(comment, "KMOVW", tmp, mask)
		return
	}
	t.op("", "MOVQ", imm(is.width), tmp)
	t.op("", "SUBQ", "CX", tmp)
	t.op("", "LEAQ", table+"<>(SB)", tableReg)
	t.op(comment, "VMOVDQU", idx(0, tableReg, tmp, 4), mask)
}

// maskedLoad loads the lanes of src that mask selects into dst, zeros in the others, which it
// does not read; maskedStore stores those of src.
func (is *isa) maskedLoad(t *text, comment, src, mask, dst string) {
	t.op(comment, is.pick("VMOVUPS.Z", "VMASKMOVPS"), src, mask, dst)
}

func (is *isa) maskedStore(t *text, comment, src, mask, dst string) {
	t.op(comment, is.pick("VMOVUPS", "VMASKMOVPS"), src, mask, dst)
}

// squares: sums[i] += sign·float32(x[i]²), four vectors a step, then one, then the last n%width
// through a mask. The sign is in the last register; sums ± x² is one fused multiply-add of the
// sign and the rounded square, exact in the product, so the one rounding is the sum's, as in
// squaresGo.
func squares(t *text, is *isa) {
	sign := is.r(is.regs - 1)
	w := is.width
	t.kernel("squares"+is.name, "(sums, x *float32, n int, sign float32)", 28, fmt.Sprintf(
		"DI advances over sums, SI over x; CX is the values left; %s holds sign; %s0…%s3 the steps' values, then in "+
			"the tail %s0 x² and %s1 the sums.", sign, is.reg, is.reg, is.reg, is.reg))
	t.movqs("sums+0(FP)", "DI", "x+8(FP)", "SI", "n+16(FP)", "CX")
	t.op("", "VBROADCASTSS", "sign+24(FP)", sign)
	step := func(comment string, off int, r string) { // sums[off/4 …] += sign·x², through r
		t.op(comment, "VMOVUPS", mem(off, "SI"), r)
		t.op("", "VMULPS", r, r, r)
		t.op("", "VFMADD213PS", mem(off, "DI"), sign, r)
		t.op("", "VMOVUPS", r, mem(off, "DI"))
	}
	t.op("", "CMPQ", "CX", imm(4*w))
	t.op("", "JB", "by1")
	t.label("by4")
	for i := range 4 {
		step(first(i, "%d values", 4*w), i*is.bytes(), is.r(i))
	}
	t.op("", "ADDQ", imm(4*is.bytes()), "SI")
	t.op("", "ADDQ", imm(4*is.bytes()), "DI")
	t.op("", "SUBQ", imm(4*w), "CX")
	t.op("", "CMPQ", "CX", imm(4*w))
	t.op("", "JAE", "by4")
	t.label("by1")
	t.op("", "CMPQ", "CX", imm(w))
	t.op("", "JB", "tail")
	step(fmt.Sprintf("%d values", w), 0, is.r(0))
	t.op("", "ADDQ", imm(is.bytes()), "SI")
	t.op("", "ADDQ", imm(is.bytes()), "DI")
	t.op("", "SUBQ", imm(w), "CX")
	t.op("", "JMP", "by1")
	t.label("tail")
	t.op("", "TESTQ", "CX", "CX")
	t.op("", "JZ", "done")
	mask := is.pick("K1", "Y14")
	is.tail(t, fmt.Sprintf("%s: the n%%%d values left", mask, w), "R9", "lrnMask", "R11", mask)
	is.maskedLoad(t, "x, zero beyond n (not read)", "(SI)", mask, is.r(0))
	t.op("x²", "VMULPS", is.r(0), is.r(0), is.r(0))
	is.maskedLoad(t, "sums", "(DI)", mask, is.r(1))
	t.op("sums + sign·x²", "VFMADD231PS", sign, is.r(0), is.r(1))
	is.maskedStore(t, fmt.Sprintf("store the n%%%d values only", w), is.r(1), mask, "(DI)")
	t.label("done")
	t.ret()
}

// lrnScaleMath is the comment on lrnScale's arithmetic.
const lrnScaleMath = `lrnScale. For t a positive normal float32 and r0 ≈ 1/√t (VRSQRT14PS, to 2^-14; VRSQRTPS, to 1.5·2^-12), let e = 1 − t·r0², computed exactly: h = t·r0 and its rounding error hlo (a fused multiply-subtract), then 1 − h·r0 − hlo·r0 (fused). Then

	t^−β = r0^2β · (1 − e)^−β = r0^2β · (1 + δ),  δ = β·e + β(β+1)/2·e² + O(e³)

which is Newton's step on 1/√t with its second-order term; |e| < 2^-10, so O(e³) < 2^-30. β = 0.5: y = r0 + r0·δ, one rounding. β = 0.75: r0^1.5 = r0·√r0, where s0 = √r0 is rounded but its error res = r0 − s0² is exact (fused), and √r0 = s0·(1 + res·h/2) (h being 1/r0 to within e); y0 = r0·s0 is rounded but its error y0lo is exact (fused); so y = y0 + (y0·δ' + y0lo) with δ' = δ + res·h/2, one rounding. b = a·y is the second and last rounding. For β = 1, b = a/t.`

// lrnScale: b = a·t^−β for the β of mode, t = k + alpha·sums, a vector a block, returning the
// values done: all n, or those before the first block with a t that is not a positive normal
// float32, which it leaves to the twin. DI advances over b, SI over a, DX over sums; CX is the
// values left; R8 the mode. Registers 0…6 are the block's values; the constants follow them
// (from 16 in AVX-512, 7 in AVX2): k, alpha, the smallest normal float32, the largest, 0.5, 1,
// β and β(β+1)/2.
func lrnScale(t *text, is *isa) {
	c0 := 16
	if !is.avx512() {
		c0 = 7
	}
	k, alpha, minNorm, maxF, half, one, c1, c2 := is.r(c0), is.r(c0+1), is.r(c0+2), is.r(c0+3), is.r(c0+4), is.r(c0+5), is.r(c0+6), is.r(c0+7)
	doc := fmt.Sprintf("%d values a block; DI advances over b, SI over a, DX over sums; CX is the values left; R8 the mode. "+
		"%s0…%s6 are the block's values, as the comments say; %s…%s hold k, alpha, the smallest normal float32, the largest, "+
		"0.5, 1, β and β(β+1)/2.", is.width, is.reg, is.reg, k, c2)
	if is.avx512() {
		doc += " Every block goes through the mask K1, all lanes but in the last."
	} else {
		doc += " Loads and stores are plain but in the last block, which goes through the mask Y15 (R10 its movmsk, 0xff in the others)."
	}
	t.kernel("lrnScale"+is.name, "(b, a, sums *float32, n int, k, alpha float32, mode int) int", 56, doc)
	t.movqs("b+0(FP)", "DI", "a+8(FP)", "SI", "sums+16(FP)", "DX", "n+24(FP)", "CX")
	t.op("k", "VBROADCASTSS", "k+32(FP)", k)
	t.op("alpha", "VBROADCASTSS", "alpha+36(FP)", alpha)
	t.op("", "MOVQ", "mode+40(FP)", "R8")
	t.op("", "LEAQ", "lrnPoly<>(SB)", "R9")
	t.op("β", "VBROADCASTSS", "(R9)(R8*8)", c1)
	t.op("β(β+1)/2", "VBROADCASTSS", "4(R9)(R8*8)", c2)
	for _, c := range []struct{ bits, reg, what string }{
		{fMinNorm, minNorm, "the smallest normal float32"}, {fMax, maxF, "the largest"}, {fHalf, half, "0.5"}, {fOne, one, "1"},
	} {
		t.op("", "MOVL", c.bits, "R9")
		if is.avx512() {
			t.op(c.what, "VPBROADCASTD", "R9", c.reg)
		} else {
			t.op("", "MOVQ", "R9", "X5")
			t.op(c.what, "VPBROADCASTD", "X5", c.reg)
		}
	}
	r := is.r
	// math writes the block's arithmetic, from t in register 0 and a in 3 to b in 4, then a jump
	// to store.
	math := func(store string) {
		t.op("", "CMPQ", "R8", "$const_lrnBeta1")
		t.op("", "JEQ", "div")
		t.op("r0 ≈ 1/√t", is.pick("VRSQRT14PS", "VRSQRTPS"), r(0), r(1))
		t.op("h = t·r0", "VMULPS", r(1), r(0), r(2))
		t.op("hlo = r0·t − h, exact (t is done with)", "VFMSUB213PS", r(2), r(1), r(0))
		t.op("", "VMOVAPS", one, r(4))
		t.op("e = 1 − h·r0 …", "VFNMADD231PS", r(1), r(2), r(4))
		t.op("… − hlo·r0 = 1 − t·r0², to 2^-34", "VFNMADD231PS", r(1), r(0), r(4))
		t.op("", "VMOVAPS", c2, r(5))
		t.op("β + β(β+1)/2·e", "VFMADD213PS", c1, r(4), r(5))
		t.op("δ = β·e + β(β+1)/2·e²", "VMULPS", r(5), r(4), r(4))
		t.op("", "CMPQ", "R8", "$const_lrnBeta05")
		t.op("", "JEQ", "half")
		t.op("s0 = √r0, rounded", "VSQRTPS", r(1), r(5))
		t.op("", "VMOVAPS", r(1), r(6))
		t.op("res = r0 − s0², exact", "VFNMADD231PS", r(5), r(5), r(6))
		t.op("res·h ≈ res/r0", "VMULPS", r(2), r(6), r(6))
		t.op("δ' = δ + res·h/2", "VFMADD231PS", half, r(6), r(4))
		t.op("y0 = r0·s0, rounded", "VMULPS", r(5), r(1), r(6))
		t.op("y0lo = s0·r0 − y0, exact", "VFMSUB213PS", r(6), r(5), r(1))
		t.op("y0·δ' + y0lo", "VFMADD231PS", r(4), r(6), r(1))
		t.op("β = 0.75: y = y0 + (y0·δ' + y0lo)", "VADDPS", r(1), r(6), r(1))
		t.op("", "JMP", "scale")
		t.label("half")
		t.op("β = 0.5: y = r0 + r0·δ", "VFMADD231PS", r(4), r(1), r(1))
		t.label("scale")
		t.op("b = a·y", "VMULPS", r(1), r(3), r(4))
		t.op("", "JMP", store)
		t.label("div")
		t.op("β = 1: b = a/t", "VDIVPS", r(0), r(3), r(4))
	}
	done := func(label string, stopped bool) { // the return value: all n, or the values before this block
		t.label(label)
		t.op("", "MOVQ", "n+24(FP)", "R9")
		if stopped {
			t.op("", "SUBQ", "CX", "R9")
			t.op("the values before this block", "MOVQ", "R9", "ret+48(FP)")
		} else {
			t.op("all n done", "MOVQ", "R9", "ret+48(FP)")
		}
		t.ret()
	}
	advance := func() {
		for _, p := range []string{"DI", "SI", "DX"} {
			t.op("", "ADDQ", imm(is.bytes()), p)
		}
		t.op("", "SUBQ", imm(is.width), "CX")
	}
	if is.avx512() {
		t.op("", "MOVL", "$0xffff", "R9")
		t.op("K1: all sixteen lanes", "KMOVW", "R9", "K1")
		t.label("loop")
		t.op("", "CMPQ", "CX", "$16")
		t.op("", "JAE", "block")
		is.tail(t, "K1: the n%16 values left", "R9", "", "", "K1")
		t.label("block")
		is.maskedLoad(t, "sums, zero beyond n (not read)", "(DX)", "K1", r(0))
		t.op("t = alpha·sums + k", "VFMADD213PS", k, alpha, r(0))
		t.op("K2: lanes with t ≥ 0x1p-126 (GE_OQ, false for NaN) …", "VCMPPS", "$0x1d", minNorm, r(0), "K1", "K2")
		t.op("… and t ≤ MaxFloat32 (LE_OQ)", "VCMPPS", "$0x12", maxF, r(0), "K2", "K2")
		t.op("K3: lanes in use whose t is not a positive normal", "KXORW", "K1", "K2", "K3")
		t.op("", "KORTESTW", "K3", "K3")
		t.op("leave the block to the twin", "JNZ", "stop")
		is.maskedLoad(t, "a", "(SI)", "K1", r(3))
		math("store")
		t.label("store")
		is.maskedStore(t, "the lanes in use only", r(4), "K1", "(DI)")
		advance()
		t.op("(negative after a partial block)", "JG", "loop")
		done("all", false)
		done("stop", true)
		return
	}
	mask := is.r(15)
	t.op("all eight lanes", "MOVL", "$0xff", "R10")
	t.label("loop")
	t.op("", "CMPQ", "CX", "$8")
	t.op("not taken but in the last block", "JB", "partial")
	t.op("sums", "VMOVUPS", "(DX)", r(0))
	t.op("a", "VMOVUPS", "(SI)", r(3))
	t.label("compute")
	t.op("t = alpha·sums + k", "VFMADD213PS", k, alpha, r(0))
	t.op("t ≥ 0x1p-126 (GE_OQ, false for NaN) …", "VCMPPS", "$0x1d", minNorm, r(0), r(4))
	t.op("… and t ≤ MaxFloat32 (LE_OQ)", "VCMPPS", "$0x12", maxF, r(0), r(5))
	t.op("", "VANDPS", r(5), r(4), r(4))
	t.op("", "VMOVMSKPS", r(4), "R9")
	t.op("the lanes in use whose t is a positive normal …", "ANDL", "R10", "R9")
	t.op("", "CMPL", "R9", "R10")
	t.op("… if not all, leave the block to the twin", "JNE", "stop")
	math("store")
	t.label("store")
	t.op("", "CMPQ", "CX", "$8")
	t.op("", "JB", "partialStore")
	t.op("", "VMOVUPS", r(4), "(DI)")
	advance()
	t.op("", "JNZ", "loop")
	done("all", false)
	t.label("partial")
	t.op("", "TESTQ", "CX", "CX")
	t.op("", "JZ", "all")
	is.tail(t, "the n%8 values left", "R9", "lrnMask", "R11", mask)
	t.op("", "VMOVMSKPS", mask, "R10")
	is.maskedLoad(t, "sums, zero beyond n (not read)", "(DX)", mask, r(0))
	is.maskedLoad(t, "a", "(SI)", mask, r(3))
	t.op("", "JMP", "compute")
	t.label("partialStore")
	is.maskedStore(t, "the n%8 values only", r(4), mask, "(DI)")
	t.op("", "JMP", "all")
	done("stop", true)
}

// lrnWindow: per pixel, the squares (or, when square is 0, the values) of every block into the
// row at sq, then each block's window sums, width values from win + 16·block a channel, in
// order.
func lrnWindow(t *text, is *isa) {
	vals, sums := []string{is.r(0), is.r(3)}[:is.parts()], []string{is.r(1), is.r(2)}[:is.parts()]
	t.kernel("lrnWindow"+is.name, "(sums, a, sq, win *float32, blocks, pixels, n, width, square int)", 72, fmt.Sprintf(
		"Per pixel (AX counts them; R8 its values, R9 its sums): the squares (or, when square is 0, the values) of every "+
			"block into the row at sq (BX counts the blocks; R10 the block's values, R11 its place in the row), then each "+
			"block's window sums, width values from win + 16·block a channel, in order (CX counts them; R12 the window, R13 "+
			"the sums). %s the value, %s the sum; DX square.", joinRegs(vals), joinRegs(sums)))
	t.op("", "MOVQ", "square+64(FP)", "DX")
	t.movqs("sums+0(FP)", "R9", "a+8(FP)", "R8", "pixels+40(FP)", "R14")
	t.op("a block of the image, in bytes", "SHLQ", "$6", "R14")
	t.op("", "MOVQ", "n+48(FP)", "R15")
	t.op("", "MOVQ", "R15", "AX")
	t.op("a block of the sums, in bytes", "SHLQ", "$6", "R15")
	t.label("pixel")
	t.op("", "MOVQ", "R8", "R10")
	t.op("", "MOVQ", "sq+16(FP)", "R11")
	t.op("", "MOVQ", "blocks+32(FP)", "BX")
	t.label("square")
	for p, v := range vals {
		t.op("", "VMOVUPS", mem(32*p, "R10"), v)
	}
	t.op("", "TESTQ", "DX", "DX")
	t.op("", "JZ", "plain")
	for _, v := range vals {
		t.op("", "VMULPS", v, v, v)
	}
	t.label("plain")
	for p, v := range vals {
		t.op("", "VMOVUPS", v, mem(32*p, "R11"))
	}
	t.next("square", "BX", "R14", "R10", "$64", "R11")
	t.op("", "MOVQ", "win+24(FP)", "R12")
	t.op("", "MOVQ", "R9", "R13")
	t.op("", "MOVQ", "blocks+32(FP)", "BX")
	t.label("block")
	t.op("", "MOVQ", "R12", "R10")
	t.op("", "MOVQ", "width+56(FP)", "CX")
	for _, s := range sums {
		t.op("", is.pick("VPXORD", "VXORPS"), s, s, s)
	}
	t.label("window")
	for p, s := range sums {
		t.op("", "VADDPS", mem(32*p, "R10"), s, s)
	}
	t.next("window", "CX", "$4", "R10")
	for p, s := range sums {
		t.op("", "VMOVUPS", s, mem(32*p, "R13"))
	}
	t.next("block", "BX", "$64", "R12", "R15", "R13")
	t.next("pixel", "AX", "$64", "R8", "$64", "R9")
	t.ret()
}

// joinRegs lists registers as a comment does: "Y1 and Y2".
func joinRegs(regs []string) string {
	if len(regs) == 2 {
		return regs[0] + " and " + regs[1]
	}
	return regs[0]
}

// lrnWindow22 is lrnWindow for before = after = 2 (LRN of size 5, AlexNet's) in AVX-512, the
// window crossing lanes in registers rather than through a row in memory.
func lrnWindow22(t *text) {
	t.kernel("lrnWindow22AVX512", "(sums, a *float32, blocks, pixels, n, square int)", 48,
		"lrnWindowAVX512 for AlexNet's window, two channels before and two after, with the window crossing lanes in "+
			"registers rather than through a row in memory: per pixel (AX counts them; R8 its values, R9 its sums), the "+
			"blocks' squares (or values, when square is 0) roll through Z0 (the previous block), Z1 (this one) and Z2 (the "+
			"next; zero past the last), and each channel's sum is 0 + x[c−2] + x[c−1] + x[c] + x[c+1] + x[c+2] in that "+
			"order, as the twin adds them, the neighbours taken by VALIGND across Z0:Z1 and Z1:Z2 (Z4). BX counts the "+
			"blocks; R10 the next block's values, R13 the sums; Z3 the sum; DX square.")
	t.movqs("sums+0(FP)", "R9", "a+8(FP)", "R8", "pixels+24(FP)", "R14")
	t.op("a block of the image, in bytes", "SHLQ", "$6", "R14")
	t.op("", "MOVQ", "n+32(FP)", "R15")
	t.op("", "MOVQ", "R15", "AX")
	t.op("a block of the sums, in bytes", "SHLQ", "$6", "R15")
	t.op("", "MOVQ", "square+40(FP)", "DX")
	t.label("pixel")
	t.op("", "MOVQ", "R8", "R10")
	t.op("", "MOVQ", "R9", "R13")
	t.op("", "MOVQ", "blocks+16(FP)", "BX")
	t.op("before block 0: zero", "VPXORD", "Z0", "Z0", "Z0")
	t.op("", "VMOVUPS", "(R10)", "Z1")
	t.op("", "TESTQ", "DX", "DX")
	t.op("", "JZ", "first")
	t.op("", "VMULPS", "Z1", "Z1", "Z1")
	t.label("first")
	t.op("", "ADDQ", "R14", "R10")
	t.label("block")
	t.op("past the last block: zero", "VPXORD", "Z2", "Z2", "Z2")
	t.op("", "CMPQ", "BX", "$1")
	t.op("", "JEQ", "sum")
	t.op("", "VMOVUPS", "(R10)", "Z2")
	t.op("", "TESTQ", "DX", "DX")
	t.op("", "JZ", "sum")
	t.op("", "VMULPS", "Z2", "Z2", "Z2")
	t.label("sum")
	t.op("", "VPXORD", "Z3", "Z3", "Z3")
	for _, n := range []struct {
		align      string
		lo, hi     string
		what       string
		afterwards bool
	}{
		{"$14", "Z0", "Z1", "x[c−2]: Z0's lanes 14, 15, then Z1's 0…13", false},
		{"$15", "Z0", "Z1", "x[c−1]", true},
		{"$1", "Z1", "Z2", "x[c+1]: Z1's lanes 1…15, then Z2's 0", false},
		{"$2", "Z1", "Z2", "x[c+2]", false},
	} {
		t.op(n.what, "VALIGND", n.align, n.lo, n.hi, "Z4")
		t.op("", "VADDPS", "Z4", "Z3", "Z3")
		if n.afterwards {
			t.op("x[c]", "VADDPS", "Z1", "Z3", "Z3")
		}
	}
	t.op("", "VMOVUPS", "Z3", "(R13)")
	t.op("", "VMOVAPS", "Z1", "Z0")
	t.op("", "VMOVAPS", "Z2", "Z1")
	t.next("block", "BX", "R14", "R10", "R15", "R13")
	t.next("pixel", "AX", "$64", "R8", "$64", "R9")
	t.ret()
}

// subProduct: x = x − (c·a)·t, each operation rounded (no fused multiply-add), a vector a step.
func subProduct(t *text, is *isa) {
	t.kernel("subProduct"+is.name, "(x, a, t *float32, n int, c float32)", 36, fmt.Sprintf(
		"%d values a step (n a multiple of %d): DI, SI, DX point at x, a, t; CX is n; AX counts the values; %s holds c in "+
			"every lane, %s c·a, then (c·a)·t; %s x.", is.width, is.width, is.r(0), is.r(1), is.r(2)))
	t.movqs("x+0(FP)", "DI", "a+8(FP)", "SI", "t+16(FP)", "DX", "n+24(FP)", "CX")
	t.op("c in every lane", "VBROADCASTSS", "c+32(FP)", is.r(0))
	t.op("", "XORQ", "AX", "AX")
	t.label("loop")
	t.op("", "CMPQ", "AX", "CX")
	t.op("", "JGE", "done")
	t.op("c·a", "VMULPS", "(SI)(AX*4)", is.r(0), is.r(1))
	t.op("(c·a)·t", "VMULPS", "(DX)(AX*4)", is.r(1), is.r(1))
	t.op("", "VMOVUPS", "(DI)(AX*4)", is.r(2))
	t.op("x − (c·a)·t", "VSUBPS", is.r(1), is.r(2), is.r(2))
	t.op("", "VMOVUPS", is.r(2), "(DI)(AX*4)")
	t.op("", "ADDQ", imm(is.width), "AX")
	t.op("", "JMP", "loop")
	t.label("done")
	t.ret()
}
