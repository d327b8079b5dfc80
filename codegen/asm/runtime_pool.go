package asm

import (
	"fmt"
	"strings"
)

// Max pooling's kernels (runtime/pool.go, pool_blocked.go): maxArgmax, the search over sixteen
// windows of a channel plane; maxPoolRow and maxPoolBackRow, a row of windows in the
// channel-blocked layout, forward and backward.

var poolFile = runtimeFile{
	name: "pool_amd64.s", source: "runtime_pool.go",
	doc: "Max pooling's kernels (pool.go, pool_blocked.go): maxArgmax, the search over sixteen windows of a channel plane, and maxPoolRow and maxPoolBackRow, a row of windows in the channel-blocked layout, forward and backward. A window's maximum is PyTorch's: a value replaces it if it is greater or is NaN, and the first value inside the image starts it. In AVX-512 the lanes to take are masks; in AVX2, which has none, sixteen lanes are two vectors of eight and the values and positions are blended where a compare set a lane's bits.",
	write: func(t *text) {
		t.line("")
		t.comment("evens are the indices of every other value of two vectors, for windows two apart.")
		for i := range 16 {
			t.line("DATA evens<>+%d(SB)/4, $%d", 4*i, 2*i)
		}
		t.line("GLOBL evens<>(SB), RODATA|NOPTR, $64")
		maxArgmax512(t)
		maxArgmax2(t)
		for _, is := range []*isa{&avx512, &avx2} {
			maxPoolRow(t, is)
			maxPoolBackRow(t, is)
		}
	},
}

// maxArgmaxFrame loads maxArgmax's arguments: BX best, DI at, SI x, R8 ix0, R9 iy (iy0 + ky),
// R12 the window's rows left, R13 kw, R14 h, R15 w, DX sw.
func maxArgmaxFrame(t *text) {
	t.movqs("best+0(FP)", "BX", "at+8(FP)", "DI", "x+16(FP)", "SI", "ix0+24(FP)", "R8")
	t.op("iy = iy0 + ky", "MOVQ", "iy0+32(FP)", "R9")
	t.op("rows of the window left", "MOVQ", "kh+40(FP)", "R12")
	t.movqs("kw+48(FP)", "R13", "h+56(FP)", "R14", "w+64(FP)", "R15")
	t.op("the windows' stride: 1 loads, others gather (2 loads too in AVX-512)", "MOVQ", "sw+72(FP)", "DX")
}

// maxArgmaxRows writes the loops over the window's rows and columns around col, which compares
// the values at column kx (R11) of row iy with the maxima; rowStart runs at each row inside the
// image, with iy·w in R10.
func maxArgmaxRows(t *text, rowStart, col func()) {
	t.op("", "TESTQ", "R12", "R12")
	t.op("", "JLE", "done")
	t.label("row")
	t.op("iy outside [0, h), unsigned: the row reads nothing", "CMPQ", "R9", "R14")
	t.op("", "JAE", "nextRow")
	t.op("", "MOVQ", "R9", "R10")
	t.op("", "IMULQ", "R15", "R10")
	rowStart()
	t.op("kx", "XORQ", "R11", "R11")
	t.label("col")
	col()
	t.op("", "INCQ", "R11")
	t.op("", "CMPQ", "R11", "R13")
	t.op("", "JLT", "col")
	t.label("nextRow")
	t.op("", "INCQ", "R9")
	t.op("", "DECQ", "R12")
	t.op("", "JNZ", "row")
	t.label("done")
}

// maxArgmax512 searches the sixteen windows in AVX-512: per (ky, kx), the sixteen values — a
// masked load when sw is 1, two of sixteen and every other value taken when sw is 2, else a
// masked gather — a compare with the maxima, and masked moves of the values and their indices.
func maxArgmax512(t *text) {
	t.kernel("maxArgmaxAVX512", "(best *float32, at *int32, x *float32, ix0 *int32, iy0, kh, kw, h, w, sw int)", 80,
		"Z1 each lane's maximum, Z2 its index in x (−1 for none yet), K3 the lanes that have taken no value yet; Z20 ix0, "+
			"Z21 w and Z22 iy·w in every lane, Z23 evens; per (ky, kx), Z5 ix = ix0 + kx, K1 the lanes inside the image, Z7 "+
			"the index iy·w + ix, Z8 the value, K4 the lanes that take it.")
	maxArgmaxFrame(t)
	t.op("every other bit, for stride 2's masks", "MOVL", "$0x55555555", "CX")
	t.op("", "VMOVDQU32", "evens<>(SB)", "Z23")
	t.op("ix0 of each lane", "VMOVDQU32", "(R8)", "Z20")
	t.op("w in every lane", "VPBROADCASTD", "R15", "Z21")
	t.op("the index of each lane's maximum: −1, none yet", "VPTERNLOGD", "$0xff", "Z2", "Z2", "Z2")
	t.op("each lane's maximum", "VXORPS", "Z1", "Z1", "Z1")
	t.op("K3: lanes that have taken no value yet", "KXNORW", "K3", "K3", "K3")
	maxArgmaxRows(t, func() {
		t.op("iy·w", "VPBROADCASTD", "R10", "Z22")
	}, func() {
		t.op("", "VPBROADCASTD", "R11", "Z6")
		t.op("ix = ix0 + kx", "VPADDD", "Z6", "Z20", "Z5")
		t.op("K1: ix < w, unsigned, so also ix ≥ 0", "VPCMPUD", "$1", "Z21", "Z5", "K1")
		t.op("the index iy·w + ix", "VPADDD", "Z22", "Z5", "Z7")
		t.op("", "CMPQ", "DX", "$1")
		t.op("", "JEQ", "stride1")
		t.op("", "CMPQ", "DX", "$2")
		t.op("", "JEQ", "stride2")
		t.op("the gather clears its mask", "KMOVW", "K1", "K2")
		t.op("", "VXORPS", "Z8", "Z8", "Z8")
		t.op("the values where K1 is set", "VGATHERDPS", "(SI)(Z7*4)", "K2", "Z8")
		t.op("", "JMP", "compare")
		t.label("stride1")
		t.line("\t// lane j reads the value j after lane 0's")
		t.op("", "VMOVD", "X7", "R10")
		t.op("", "MOVLQSX", "R10", "R10")
		t.op("", "VMOVUPS.Z", "(SI)(R10*4)", "K1", "Z8")
		t.op("", "JMP", "compare")
		t.label("stride2")
		t.line("\t// lane j reads the value 2j after lane 0's")
		t.op("", "VMOVD", "X7", "R10")
		t.op("", "MOVLQSX", "R10", "R10")
		t.op("", "KMOVW", "K1", "AX")
		t.op("lane j's bit to bit 2j", "PDEPL", "CX", "AX", "AX")
		t.op("", "KMOVD", "AX", "K6")
		t.op("", "KSHIFTRD", "$16", "K6", "K7")
		t.op("the 32 values from lane 0's, those read", "VMOVUPS.Z", "(SI)(R10*4)", "K6", "Z8")
		t.op("", "VMOVUPS.Z", "64(SI)(R10*4)", "K7", "Z9")
		t.op("every other one", "VPERMT2PS", "Z9", "Z23", "Z8")
		t.label("compare")
		t.op("K4: value > maximum (GT_OQ: false for NaN)", "VCMPPS", "$0x1e", "Z1", "Z8", "K4")
		t.op("K5: the value is NaN (UNORD_Q)", "VCMPPS", "$0x03", "Z8", "Z8", "K5")
		t.op("either", "KORW", "K5", "K4", "K4")
		t.op("or the lane has no value yet", "KORW", "K3", "K4", "K4")
		t.op("and the value is inside the image", "KANDW", "K1", "K4", "K4")
		t.op("take it", "VMOVAPS", "Z8", "K4", "Z1")
		t.op("and its index", "VMOVDQA32", "Z7", "K4", "Z2")
		t.op("those lanes now have a value", "KANDNW", "K3", "K4", "K3")
	})
	t.op("", "VMOVUPS", "Z1", "(BX)")
	t.op("", "VMOVDQU32", "Z2", "(DI)")
	t.ret()
}

// maxArgmax2 searches the sixteen windows in AVX2, as two halves of eight lanes one after the
// other: per (ky, kx) and half, the eight values — a masked load when sw is 1, else a gather —
// a compare with the maxima, and blends of the values and their indices. AVX2 has no unsigned
// compare: ix < w, unsigned, is min(ix, w − 1) = ix, unsigned.
func maxArgmax2(t *text) {
	t.kernel("maxArgmaxAVX2", "(best *float32, at *int32, x *float32, ix0 *int32, iy0, kh, kw, h, w, sw int)", 80,
		"Lanes 0–7 and 8–15 of each lane's maximum in Y0, Y1, of its index in x (−1 for none yet) in Y2, Y3, of the lanes "+
			"that have taken no value yet in Y4, Y5; Y6 w − 1, Y7 iy·w and Y8 kx in every lane; per (ky, kx) and half, Y9 "+
			"ix = ix0 + kx, then the index iy·w + ix, Y10 the lanes inside the image, Y11 the value, Y12 the gather's mask, "+
			"then where the value is NaN, Y13 the lanes that take it. R10 is lane 0's index in a row read at stride 1.")
	maxArgmaxFrame(t)
	t.op("each lane's maximum", "VXORPS", "Y0", "Y0", "Y0")
	t.op("", "VXORPS", "Y1", "Y1", "Y1")
	for _, r := range []string{"Y2", "Y3", "Y4", "Y5"} {
		t.op(map[string]string{"Y2": "the index of each lane's maximum: −1, none yet", "Y4": "the lanes that have taken no value yet: all"}[r],
			"VPCMPEQD", r, r, r)
	}
	t.op("", "MOVQ", "R15", "R10")
	t.op("", "DECQ", "R10")
	t.op("", "VMOVD", "R10", "X6")
	t.op("w − 1 in every lane", "VPBROADCASTD", "X6", "Y6")
	maxArgmaxRows(t, func() {
		t.op("", "VMOVD", "R10", "X7")
		t.op("iy·w", "VPBROADCASTD", "X7", "Y7")
	}, func() {
		t.op("", "VMOVD", "R11", "X8")
		t.op("kx", "VPBROADCASTD", "X8", "Y8")
		for h := range 2 {
			best, at, none := y(h), y(2+h), y(4+h)
			sfx := fmt.Sprint(h)
			t.line("\t// lanes %d–%d", 8*h, 8*h+7)
			t.op("ix = ix0 + kx", "VPADDD", mem(32*h, "R8"), "Y8", "Y9")
			t.op("", "VPMINUD", "Y6", "Y9", "Y10")
			t.op("Y10: ix < w, unsigned, so also ix ≥ 0", "VPCMPEQD", "Y10", "Y9", "Y10")
			t.op("the index iy·w + ix", "VPADDD", "Y7", "Y9", "Y9")
			t.op("", "CMPQ", "DX", "$1")
			t.op("", "JEQ", "stride1_"+sfx)
			t.op("the gather clears its mask", "VMOVAPS", "Y10", "Y12")
			t.op("", "VXORPS", "Y11", "Y11", "Y11")
			t.op("the values where Y10 is set", "VGATHERDPS", "Y12", "(SI)(Y9*4)", "Y11")
			t.op("", "JMP", "compare_"+sfx)
			t.label("stride1_" + sfx)
			if h == 0 {
				t.op("", "VMOVD", "X9", "R10")
				t.op("", "MOVLQSX", "R10", "R10")
			}
			t.op(fmt.Sprintf("lane %d+j reads the value %d+j after lane 0's", 8*h, 8*h), "VMASKMOVPS",
				mem(32*h, "SI")+"(R10*4)", "Y10", "Y11")
			t.label("compare_" + sfx)
			t.op("value > maximum (GT_OQ: false for NaN)", "VCMPPS", "$0x1e", best, "Y11", "Y13")
			t.op("the value is NaN (UNORD_Q)", "VCMPPS", "$0x03", "Y11", "Y11", "Y12")
			t.op("either", "VORPS", "Y12", "Y13", "Y13")
			t.op("or the lane has no value yet", "VORPS", none, "Y13", "Y13")
			t.op("and the value is inside the image", "VANDPS", "Y10", "Y13", "Y13")
			t.op("take it", "VBLENDVPS", "Y13", "Y11", best, best)
			t.op("and its index", "VBLENDVPS", "Y13", "Y9", at, at)
			t.op("those lanes now have a value", "VANDNPS", none, "Y13", none)
		}
	})
	t.op("", "VMOVUPS", "Y0", "(BX)")
	t.op("", "VMOVUPS", "Y1", "32(BX)")
	t.op("", "VMOVDQU", "Y2", "(DI)")
	t.op("", "VMOVDQU", "Y3", "32(DI)")
	t.ret()
}

// poolRowFrame loads the arguments the row kernels share, from the frame offset at which n is:
// CX n, R8 kh, R9 kw, R10 the bytes between windows, R11 the bytes between rows.
func poolRowFrame(t *text, at int) {
	t.movqs(fmt.Sprintf("n+%d(FP)", at), "CX", fmt.Sprintf("kh+%d(FP)", at+8), "R8", fmt.Sprintf("kw+%d(FP)", at+16), "R9",
		fmt.Sprintf("sw+%d(FP)", at+24), "R10")
	t.op("bytes between windows", "SHLQ", "$6", "R10")
	t.op("", "MOVQ", fmt.Sprintf("row+%d(FP)", at+32), "R11")
	t.op("bytes between rows", "SHLQ", "$2", "R11")
}

// poolWindow writes the loops over a window's positions around body, the position's vector at
// DX: R12 counts the rows (AX each row's first value, from start), R13 the columns.
func poolWindow(t *text, label, start string, body func()) {
	t.op("the window's row", "MOVQ", start, "AX")
	t.op("rows left", "MOVQ", "R8", "R12")
	t.label(label + "Row")
	t.op("", "MOVQ", "AX", "DX")
	t.op("columns left", "MOVQ", "R9", "R13")
	t.label(label + "Col")
	body()
	t.next(label+"Col", "R13", "$64", "DX")
	t.next(label+"Row", "R12", "R11", "AX")
}

// vregs are count registers of is from first, one per part of sixteen lanes each: the parts of
// vector v are vregs(is, first+v·parts, parts).
func vregs(is *isa, first, count int) []string {
	var r []string
	for i := range count {
		r = append(r, is.r(first+i))
	}
	return r
}

// maxPoolRow: for j < n, the lanes of y[j·16:] are the maximum of the kh×kw vectors of x at
// (ky·row + (j·sw + kx)·16), the first starting it, then each replacing it where it is greater
// or NaN (VMAXPS, then NaN's lanes taken over).
func maxPoolRow(t *text, is *isa) {
	p := is.parts()
	best, v, nan := vregs(is, 0, p), vregs(is, p, p), vregs(is, 2*p, p)
	doc := fmt.Sprintf("CX counts the windows (SI the first value of each, DI its output), R12 the window's rows (AX each "+
		"row's first value), R13 its columns (DX the value). %s the maximum, %s the value", strings.Join(best, ", "), strings.Join(v, ", "))
	if is.avx512() {
		doc += ", K1 where it is NaN."
	} else {
		doc += fmt.Sprintf(", %s where it is NaN: lanes 0–7 and 8–15 of each.", strings.Join(nan, ", "))
	}
	t.kernel("maxPoolRow"+is.name, "(y, x *float32, n, kh, kw, sw, row int)", 56, doc)
	t.movqs("y+0(FP)", "DI", "x+8(FP)", "SI")
	poolRowFrame(t, 16)
	t.op("", "TESTQ", "CX", "CX")
	t.op("", "JLE", "done")
	t.label("out")
	for i, b := range best {
		t.op(first(i, "the maximum, started by the first value"), "VMOVUPS", mem(32*i, "SI"), b)
	}
	poolWindow(t, "window", "SI", func() {
		for i, r := range v {
			t.op("", "VMOVUPS", mem(32*i, "DX"), r)
		}
		for i, r := range v {
			dst := "K1"
			if !is.avx512() {
				dst = nan[i]
			}
			t.op(first(i, "the value is NaN (UNORD_Q)"), "VCMPPS", "$3", r, r, dst)
		}
		for i, r := range v {
			t.op(first(i, "the value where greater, else the maximum (also when either is NaN)"), "VMAXPS", best[i], r, best[i])
		}
		for i, r := range v {
			if is.avx512() {
				t.op("NaN replaces it", "VMOVAPS", r, "K1", best[i])
			} else {
				t.op(first(i, "NaN replaces it"), "VBLENDVPS", nan[i], r, best[i], best[i])
			}
		}
	})
	for i, b := range best {
		t.op("", "VMOVUPS", b, mem(32*i, "DI"))
	}
	t.next("out", "CX", "$64", "DI", "R10", "SI")
	t.label("done")
	t.ret()
}

// maxPoolBackRow: for j < n, each lane's maximum over output j's window found as maxPoolRow
// finds it (its position: the first whose value is greater than all before it, or NaN), then
// dy[j·16:]'s lanes added to dx at those positions: in AVX-512 with a masked store per window
// position; in AVX2 dx read, dy's lanes blended into its sum where the position holds the
// maximum, and written back whole.
func maxPoolBackRow(t *text, is *isa) {
	// The registers: the search's maximum, position in the window, position counter, 1 in every
	// lane, value, where it is greater, where it is NaN; the gradient's dy, lanes to add to, dx,
	// dx + dy.
	type regs struct{ best, at, pos, one, v, gt, nan, dy, eq, dx, sum []string }
	var r regs
	if is.avx512() {
		z := func(i int) []string { return []string{is.r(i)} }
		r = regs{best: z(0), at: z(2), pos: z(3), one: z(4), v: z(1), gt: []string{"K1"}, nan: []string{"K2"},
			dy: z(5), eq: []string{"K1"}, dx: z(6)}
	} else {
		two := func(i int) []string { return vregs(is, i, 2) }
		r = regs{best: two(0), at: two(2), pos: []string{"Y4"}, one: []string{"Y5"}, v: two(6), gt: two(8), nan: two(10),
			dy: two(6), eq: two(8), dx: two(10), sum: two(12)}
	}
	j := func(s []string) string { return strings.Join(s, ", ") }
	doc := fmt.Sprintf("CX counts the windows (SI the first value of each, DI its first value of dx, BX its dy), R12 the "+
		"window's rows (AX each row's first value), R13 its columns (DX the value). The search: %s each lane's maximum, "+
		"%s its position in the window, %s the position, %s 1 in every lane, %s the value, %s where it is greater, %s "+
		"where it is NaN. The gradient: %s dy, %s the lanes whose maximum the position holds, %s dx there",
		j(r.best), j(r.at), j(r.pos), j(r.one), j(r.v), j(r.gt), j(r.nan), j(r.dy), j(r.eq), j(r.dx))
	if is.avx512() {
		doc += "."
	} else {
		doc += fmt.Sprintf(", then dx + dy blended into it in those lanes (%s dx + dy). Lanes 0–7 and 8–15 of each.", j(r.sum))
	}
	t.kernel("maxPoolBackRow"+is.name, "(dx, x, dy *float32, n, kh, kw, sw, row int)", 64, doc)
	t.movqs("dx+0(FP)", "DI", "x+8(FP)", "SI", "dy+16(FP)", "BX")
	poolRowFrame(t, 24)
	one := r.one[0]
	t.op("", "MOVL", "$1", "AX")
	if is.avx512() {
		t.op("1 in every lane", "VPBROADCASTD", "AX", one)
	} else {
		t.op("", "VMOVD", "AX", x(5))
		t.op("1 in every lane", "VPBROADCASTD", x(5), one)
	}
	t.op("", "TESTQ", "CX", "CX")
	t.op("", "JLE", "done")
	t.label("out")
	if is.avx512() {
		t.line("\t// The search: Z0 each lane's maximum, Z2 its position in the window, Z3 the position.")
	}
	for i, b := range r.best {
		t.op("", "VMOVUPS", mem(32*i, "SI"), b)
	}
	for _, z := range append(append([]string{}, r.at...), r.pos...) {
		t.op("", is.pick("VPXORD", "VPXOR"), z, z, z)
	}
	poolWindow(t, "search", "SI", func() {
		for i, v := range r.v {
			t.op("", "VMOVUPS", mem(32*i, "DX"), v)
		}
		for i, v := range r.v {
			t.op(first(i, "the value is greater (GT_OQ)"), "VCMPPS", "$0x1e", r.best[i], v, r.gt[i])
		}
		for i, v := range r.v {
			t.op(first(i, "or NaN"), "VCMPPS", "$3", v, v, r.nan[i])
		}
		if is.avx512() {
			t.op("", "KORW", "K2", "K1", "K1")
			t.op("", "VMOVAPS", r.v[0], "K1", r.best[0])
			t.op("", "VMOVDQA32", r.pos[0], "K1", r.at[0])
		} else {
			for i := range r.v {
				t.op("", "VORPS", r.nan[i], r.gt[i], r.gt[i])
			}
			for i, v := range r.v {
				t.op(first(i, "take it"), "VBLENDVPS", r.gt[i], v, r.best[i], r.best[i])
			}
			for i := range r.v {
				t.op(first(i, "and its position"), "VBLENDVPS", r.gt[i], r.pos[0], r.at[i], r.at[i])
			}
		}
		t.op("", "VPADDD", one, r.pos[0], r.pos[0])
	})
	t.line("")
	t.line("\t// The gradient: at each position, dx += dy in the lanes whose maximum it holds.")
	for i, d := range r.dy {
		t.op("", "VMOVUPS", mem(32*i, "BX"), d)
	}
	t.op("", is.pick("VPXORD", "VPXOR"), r.pos[0], r.pos[0], r.pos[0])
	poolWindow(t, "add", "DI", func() {
		if is.avx512() {
			t.op("", "VPCMPEQD", r.pos[0], r.at[0], "K1")
			t.op("", "VMOVUPS", "(DX)", r.dx[0])
			t.op("", "VADDPS", r.dy[0], r.dx[0], r.dx[0])
			t.op("", "VMOVUPS", r.dx[0], "K1", "(DX)")
		} else {
			for i := range r.eq {
				t.op("", "VPCMPEQD", r.pos[0], r.at[i], r.eq[i])
			}
			for i, d := range r.dx {
				t.op("", "VMOVUPS", mem(32*i, "DX"), d)
			}
			for i, d := range r.dx {
				t.op(first(i, "dx + dy"), "VADDPS", r.dy[i], d, r.sum[i])
			}
			for i, d := range r.dx {
				t.op(first(i, "where the maximum is, else dx as it was"), "VBLENDVPS", r.eq[i], r.sum[i], d, d)
			}
			for i, d := range r.dx {
				t.op("", "VMOVUPS", d, mem(32*i, "DX"))
			}
		}
		t.op("", "VPADDD", one, r.pos[0], r.pos[0])
	})
	t.line("")
	t.next("out", "CX", "$64", "BX", "R10", "SI", "R10", "DI")
	t.label("done")
	t.ret()
}
