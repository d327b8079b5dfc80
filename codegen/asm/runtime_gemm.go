package asm

import "fmt"

// The GEMM's micro-kernels and store step (runtime/gemm_kernel.go): sgemmKernel, an mr×nr tile
// of C from packed micro-panels of A and B, 12×32 in AVX-512 and 6×16 in AVX2 (two vectors a
// row in both), and storeTile, the store step on a tile of up to two vectors a row.

var gemmFile = runtimeFile{
	name: "gemm_kernel_amd64.s", source: "runtime_gemm.go",
	doc: "The GEMM's micro-kernels (gemm_kernel.go): one mr×nr tile of C from a packed micro-panel of A (a column of mr values a step of p) and one of B (a row of nr values), mr×nr = 12×32 in AVX-512 and 6×16 in AVX2, two vectors a row of the tile, then the store step: the old C (kernelAcc), the column bias, max(0, ·) (kernelReLU), and the tile to C.",
	write: func(t *text) {
		for _, is := range []*isa{&avx512, &avx2} {
			sgemmKernel(t, is)
		}
	},
}

var storeFile = runtimeFile{
	name: "store_amd64.s", source: "runtime_gemm.go",
	doc: "storeTile's assembly (gemm_kernel.go): the store step on a tile of up to two vectors a row, each row through masks of its first nr lanes: K1 and K2 in AVX-512, two vector masks from storeMask<> in AVX2.",
	write: func(t *text) {
		t.maskTable("storeMask")
		for _, is := range []*isa{&avx512, &avx2} {
			storeTile(t, is)
		}
	},
}

// The micro-kernels' registers: KC CX (steps of p left in the tail loop), K4 R10 (groups of four
// steps left), PA AX (the packed A, a column of mr values a step), PB BX (the packed B, a row of
// nr values a step), PC DX (the tile of C), LDC SI (C's row stride in bytes), ROW R9 (the row of
// C in the store step), CB R11 (the column bias, or nil), FL R12 (the flags).

// sgemmKernel writes the micro-kernel of is: row i of the tile in registers 2i and 2i+1, a row
// of B in the two after them, and broadcasts of A in the rest, in two banks that take turns, a
// bank's rows broadcast before their FMAs.
func sgemmKernel(t *text, is *isa) {
	rows := 12 // the tile's: 2·rows accumulators, two registers of B, broadcasts in the rest
	if !is.avx512() {
		rows = 6
	}
	nr := 2 * is.width
	vb := is.bytes()
	acc := func(i, half int) string { return is.r(2*i + half) }
	b0, b1 := is.r(2*rows), is.r(2*rows+1)
	banks := is.regs - 2*rows - 2 // broadcast registers, in two banks of group rows each
	group := banks / 2
	bc := func(bank, k int) string { return is.r(2*rows + 2 + bank*group + k) }
	name := fmt.Sprintf("sgemmKernel%dx%d%s", rows, nr, is.name)
	t.kernel(name, "(kc int, a, b, c *float32, ldc int, colBias *float32, flags int)", 56, fmt.Sprintf(
		"%d×%d: %s…%s hold the tile, row i in %s(2i) (columns 0…%d) and %s(2i+1) (%d…%d); %s:%s hold a row of B; %s…%s "+
			"hold broadcasts of A, %d at a time, and in the store step zero. CX, R10 count the steps of p, AX and BX "+
			"advance over the packed A and B, DX is the tile of C, SI its row stride in bytes, R9 its row in the store step, "+
			"R11 the column bias, R12 the flags.",
		rows, nr, acc(0, 0), acc(rows-1, 1), is.reg, is.width-1, is.reg, is.width, nr-1, b0, b1, bc(0, 0), bc(1, group-1), group))
	t.op("the steps of p", "MOVQ", "kc+0(FP)", "CX")
	t.movqs("a+8(FP)", "AX", "b+16(FP)", "BX", "c+24(FP)", "DX", "ldc+32(FP)", "SI")
	t.op("ldc in bytes", "SHLQ", "$2", "SI")
	t.movqs("colBias+40(FP)", "R11", "flags+48(FP)", "R12")

	t.line("\n\t// Prefetch the tile of C (its first, middle and last bytes per row) while we compute.")
	t.op("", "MOVQ", "DX", "R9")
	for range rows {
		for _, off := range []int{0, vb, 2*vb - 4} {
			t.op("", "PREFETCHT0", mem(off, "R9"))
		}
		t.op("", "ADDQ", "SI", "R9")
	}
	t.line("\n\t// Clear the accumulators.")
	for i := range 2 * rows {
		t.op("", is.pick("VPXORD", "VPXOR"), is.r(i), is.r(i), is.r(i))
	}
	t.op("", "MOVQ", "CX", "R10")
	t.op("kc / 4: groups of four steps", "SHRQ", "$2", "R10")
	t.op("kc % 4: the steps of the tail", "ANDQ", "$3", "CX")
	t.op("", "TESTQ", "R10", "R10")
	t.op("", "JZ", "tail")

	// step is one step of p at byte offsets ao into PA and bo into PB: a row of B into b0:b1,
	// then for each row i a[p*mr+i] broadcast and fused-multiplied into the row's accumulators.
	step := func(ao, bo int) {
		t.line("\t// a step of p: B at %d(BX), A at %d(AX)", bo, ao)
		t.op("", "VMOVUPS", mem(bo, "BX"), b0)
		t.op("", "VMOVUPS", mem(bo+vb, "BX"), b1)
		for g := 0; g < rows; g += group {
			bank := g / group % 2
			for k := range group {
				t.op("", "VBROADCASTSS", mem(ao+4*(g+k), "AX"), bc(bank, k))
			}
			for k := range group {
				t.op("", "VFMADD231PS", b0, bc(bank, k), acc(g+k, 0))
				t.op("", "VFMADD231PS", b1, bc(bank, k), acc(g+k, 1))
			}
		}
	}
	colA, rowB := 4*rows, 4*nr // bytes per step
	t.label("loop")
	t.line("\t// Prefetch A eight steps (%d bytes) ahead into L1; B stays in L1 across the tiles of a column.", 8*colA)
	for off := 0; off < 4*colA; off += 64 {
		t.op("", "PREFETCHT0", mem(8*colA+off, "AX"))
	}
	for s := range 4 {
		step(s*colA, s*rowB)
	}
	t.op("four columns of A", "ADDQ", imm(4*colA), "AX")
	t.op("four rows of B", "ADDQ", imm(4*rowB), "BX")
	t.op("", "DECQ", "R10")
	t.op("", "JNZ", "loop")
	t.label("tail")
	t.op("", "TESTQ", "CX", "CX")
	t.op("", "JZ", "store")
	t.label("tailLoop")
	step(0, 0)
	t.op("one column of A", "ADDQ", imm(colA), "AX")
	t.op("one row of B", "ADDQ", imm(rowB), "BX")
	t.op("", "DECQ", "CX")
	t.op("", "JNZ", "tailLoop")

	t.label("store")
	t.op("kernelAcc: add the old C", "TESTQ", "$1", "R12")
	t.op("", "JZ", "colBias")
	t.op("", "MOVQ", "DX", "R9")
	for i := range rows {
		t.op("", "VADDPS", "(R9)", acc(i, 0), acc(i, 0))
		t.op("", "VADDPS", mem(vb, "R9"), acc(i, 1), acc(i, 1))
		t.op("", "ADDQ", "SI", "R9")
	}
	t.label("colBias")
	t.op("", "TESTQ", "R11", "R11")
	t.op("", "JZ", "relu")
	t.op("the column bias", "VMOVUPS", "(R11)", b0)
	t.op("", "VMOVUPS", mem(vb, "R11"), b1)
	for i := range rows {
		t.op("", "VADDPS", b0, acc(i, 0), acc(i, 0))
		t.op("", "VADDPS", b1, acc(i, 1), acc(i, 1))
	}
	t.label("relu")
	t.op("kernelReLU", "TESTQ", "$2", "R12")
	t.op("", "JZ", "storeC")
	t.op("zeros", is.pick("VPXORD", "VPXOR"), bc(0, 0), bc(0, 0), bc(0, 0))
	for i := range 2 * rows {
		t.op(first(i, "max(0, x) returns x when x is NaN"), "VMAXPS", is.r(i), bc(0, 0), is.r(i))
	}
	t.label("storeC")
	t.op("", "MOVQ", "DX", "R9")
	for i := range rows {
		t.op("", "VMOVUPS", acc(i, 0), "(R9)")
		t.op("", "VMOVUPS", acc(i, 1), mem(vb, "R9"))
		t.op("", "ADDQ", "SI", "R9")
	}
	t.ret()
}

// storeTile writes storeTile's kernel in is: for each of mr rows, the tile's row of up to two
// vectors (nr columns, the rest masked), the old C and the column bias added in storeTileGo's
// order, max(0, ·) that keeps NaN and −0 as Go's s < 0 test does, and the row
// stored through the masks.
func storeTile(t *text, is *isa) {
	w := is.width
	s, old := vregs(is, 0, 2), vregs(is, 2, 2)
	colBias, zero := vregs(is, is.regs-4, 2), is.r(is.regs-1)
	masks := []string{"K1", "K2"}
	if !is.avx512() {
		masks = []string{"Y10", "Y11"}
	}
	t.kernel("storeTile"+is.name, "(t *float32, tld, mr, nr int, c *float32, ldc int, colBias *float32, flags int)", 64, fmt.Sprintf(
		"For 1 ≤ nr ≤ %d: SI advances over the tile's rows (R8 its row stride in bytes), DI over C's (R9); R13 counts the "+
			"rows, R11 is the column bias, R12 the flags. %s and %s mask the first nr lanes of the two vectors of a row; "+
			"%s:%s hold the row, %s:%s the old C, %s:%s the column bias, %s zero.",
		2*w, masks[0], masks[1], s[0], s[1], old[0], old[1], colBias[0], colBias[1], zero))
	t.movqs("t+0(FP)", "SI", "tld+8(FP)", "R8")
	t.op("tld in bytes", "SHLQ", "$2", "R8")
	t.op("rows left", "MOVQ", "mr+16(FP)", "R13")
	t.movqs("nr+24(FP)", "DX", "c+32(FP)", "DI", "ldc+40(FP)", "R9")
	t.op("ldc in bytes", "SHLQ", "$2", "R9")
	t.movqs("colBias+48(FP)", "R11", "flags+56(FP)", "R12")

	// mask sets masks[i] to the first lanes of CX = width − count (count of the vector's nr).
	mask := func(i int) {
		if is.avx512() {
			t.op("", "MOVL", "$0xffff", "BX")
			t.op("", "SHRL", "CX", "BX")
			t.op("", "KMOVW", "BX", masks[i])
			return
		}
		t.op("", "VMOVDQU", "(R14)(CX*4)", masks[i])
	}
	if is.avx512() {
		t.line("\n\t// K1: the first min(nr, 16) lanes; K2: the next nr − 16, if any. 0xffff >> (16 − n).")
	} else {
		t.line("\n\t// Y10: the first min(nr, 8) lanes; Y11: the next nr − 8, if any, from storeMask<>+4·(8 − n).")
		t.op("", "LEAQ", "storeMask<>(SB)", "R14")
	}
	t.op("", "MOVQ", "DX", "AX")
	t.op("", "CMPQ", "AX", imm(w))
	t.op("", "JLE", "low")
	t.op("", "MOVQ", imm(w), "AX")
	t.label("low")
	t.op("", "MOVQ", imm(w), "CX")
	t.op("", "SUBQ", "AX", "CX")
	mask(0)
	t.op("", "MOVQ", "DX", "AX")
	t.op("", "SUBQ", imm(w), "AX")
	t.op("", "JGE", "high")
	t.op("", "XORQ", "AX", "AX")
	t.label("high")
	t.op("", "MOVQ", imm(w), "CX")
	t.op("", "SUBQ", "AX", "CX")
	mask(1)
	t.line("")
	t.op("zero", "VXORPS", zero, zero, zero)
	t.op("the column bias, or zero", "VXORPS", colBias[0], colBias[0], colBias[0])
	t.op("", "VXORPS", colBias[1], colBias[1], colBias[1])
	t.op("", "TESTQ", "R11", "R11")
	t.op("", "JZ", "rows")
	for i := range 2 {
		is.maskedLoad(t, "", mem(is.bytes()*i, "R11"), masks[i], colBias[i])
	}
	t.label("rows")
	for i := range 2 {
		is.maskedLoad(t, first(i, "the tile's row"), mem(is.bytes()*i, "SI"), masks[i], s[i])
	}
	t.op("kernelAcc: add the old C", "TESTQ", "$1", "R12")
	t.op("", "JZ", "colBias")
	for i := range 2 {
		is.maskedLoad(t, "", mem(is.bytes()*i, "DI"), masks[i], old[i])
	}
	for i := range 2 {
		t.op("", "VADDPS", old[i], s[i], s[i])
	}
	t.label("colBias")
	t.op("", "TESTQ", "R11", "R11")
	t.op("", "JZ", "relu")
	for i := range 2 {
		t.op("", "VADDPS", colBias[i], s[i], s[i])
	}
	t.label("relu")
	t.op("kernelReLU", "TESTQ", "$2", "R12")
	t.op("", "JZ", "store")
	for i := range 2 {
		t.op(first(i, "max(0, s): s when s is NaN or ±0, as s < 0 ? 0 : s"), "VMAXPS", s[i], zero, s[i])
	}
	t.label("store")
	for i := range 2 {
		is.maskedStore(t, "", s[i], masks[i], mem(is.bytes()*i, "DI"))
	}
	t.next("rows", "R13", "R8", "SI", "R9", "DI")
	t.line("")
	t.ret()
}
