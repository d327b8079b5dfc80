package asm

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Winograd is the minimal filtering algorithm F(m×m, r×r) of Lavin and Gray ("Fast Algorithms
// for Convolutional Neural Networks", CVPR 2016): an m×m tile of the correlation
// Y[i][j] = Σ_{u,v < r} d[i+u][j+v]·g[u][v] of an α×α input tile d (α = m + r − 1) with an r×r
// filter g is
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// α² multiplications instead of m²r². The matrices come from Toom-Cook interpolation at the
// points 0, 1, −1, 2, −2, ½, −½, … (the first α − 1) and ∞, in exact rational arithmetic:
// Aᵀ[i][j] = p_jⁱ, G[j][k] = p_jᵏ / Π_{l≠j}(p_j − p_l), and row j of Bᵀ the coefficients of
// Π_{l≠j}(x − p_l) (for ∞, Aᵀ's column is the last unit vector, G's row the last unit row, Bᵀ's
// row the coefficients of Π_l(x − p_l)). With these points Aᵀ and Bᵀ hold small integers, so the
// transforms of the data are exact additions and a few multiplications by 2, 4 or 5; G's
// fractions are applied to the weights once, in float64.
type Winograd struct {
	M, R, Alpha int
	AT          [][]float64 // m × α
	G           [][]float64 // α × r
	BT          [][]float64 // α × α
}

// NewWinograd returns F(m×m, r×r), for m, r ≥ 2 and α = m + r − 1 ≤ 8.
func NewWinograd(m, r int) (*Winograd, error) {
	a := m + r - 1
	if m < 2 || r < 2 || a > 8 {
		return nil, fmt.Errorf("asm: no Winograd F(%d×%d, %d×%d): m and r from 2, m + r − 1 at most 8", m, m, r, r)
	}
	var points []*big.Rat
	for _, p := range [][2]int64{{0, 1}, {1, 1}, {-1, 1}, {2, 1}, {-2, 1}, {1, 2}, {-1, 2}} {
		points = append(points, big.NewRat(p[0], p[1]))
	}
	points = points[:a-1]
	matrix := func(rows, cols int) [][]*big.Rat {
		out := make([][]*big.Rat, rows)
		for i := range out {
			out[i] = make([]*big.Rat, cols)
			for j := range out[i] {
				out[i][j] = new(big.Rat)
			}
		}
		return out
	}
	pow := func(p *big.Rat, n int) *big.Rat {
		x := big.NewRat(1, 1)
		for range n {
			x.Mul(x, p)
		}
		return x
	}
	// poly is the coefficients, lowest first, of Π (x − p_l) over the points but skip.
	poly := func(skip int) []*big.Rat {
		c := []*big.Rat{big.NewRat(1, 1)}
		for l, p := range points {
			if l == skip {
				continue
			}
			next := make([]*big.Rat, len(c)+1)
			for i := range next {
				next[i] = new(big.Rat)
			}
			for i, v := range c {
				next[i+1].Add(next[i+1], v)
				next[i].Sub(next[i], new(big.Rat).Mul(v, p))
			}
			c = next
		}
		return c
	}
	at, g, bt := matrix(m, a), matrix(a, r), matrix(a, a)
	for j, p := range points {
		for i := range m {
			at[i][j] = pow(p, i)
		}
		f := big.NewRat(1, 1)
		for l, q := range points {
			if l != j {
				f.Mul(f, new(big.Rat).Sub(p, q))
			}
		}
		for k := range r {
			g[j][k] = new(big.Rat).Quo(pow(p, k), f)
		}
		for i, c := range poly(j) {
			bt[j][i] = c
		}
	}
	at[m-1][a-1] = big.NewRat(1, 1)
	g[a-1][r-1] = big.NewRat(1, 1)
	for i, c := range poly(-1) {
		bt[a-1][i] = c
	}
	float := func(x [][]*big.Rat) [][]float64 {
		out := make([][]float64, len(x))
		for i, row := range x {
			for _, v := range row {
				f, _ := v.Float64()
				out[i] = append(out[i], f)
			}
		}
		return out
	}
	return &Winograd{M: m, R: r, Alpha: a, AT: float(at), G: float(g), BT: float(bt)}, nil
}

// String names the algorithm: F(2x2,3x3).
func (w *Winograd) String() string { return fmt.Sprintf("F(%dx%d,%dx%d)", w.M, w.M, w.R, w.R) }

// WinoIn is the geometry of a Winograd input transform: one call transforms a row of Tiles
// input tiles of one block of Lanes channels, tile t the α×α pixels from column t·m of the
// padded input, into α² vectors each:
//
//	v[ξ·xi + t·Lanes + l] = (Bᵀ d B)[ξ/α][ξ%α],  d[i][j] = in[i·InRowStride + (t·m + j)·InPixStride + l]
//
// The stride xi between the transform positions is the call's argument, not part of the
// geometry (it grows with the channels of the layer), so that layers that differ only in their
// channels share the kernel.
//
// With Grad, the tiles are the m×m output gradients of the weight gradient instead, transformed
// as A dY Aᵀ (A = (Aᵀ)ᵀ, α×m): the transpose of the output transform.
//
// The product of the two matrices is computed column by column into v, then row by row in
// place, every sum in the order of the matrix's row with its zero terms left out: the
// assembly and the twin do the same float32 operations (no fused multiply-adds), so they
// agree bit for bit.
type WinoIn struct {
	Name                     string
	F                        *Winograd
	Grad                     bool
	Tiles                    int
	InPixStride, InRowStride int      // in float32 values
	Doc                      string   // what one call computes, for its comment
	Users                    []string // the steps that call it, with their spec lines
}

// matrix is the transform's left factor, α×n for tiles of n×n values, and its name: Bᵀ, or A
// for Grad.
func (k *WinoIn) matrix() (m [][]float64, name string) {
	if k.Grad {
		return Transpose(k.F.AT), "A"
	}
	return k.F.BT, "Bᵀ"
}

// formula is the transform of a tile d.
func (k *WinoIn) formula() string {
	if k.Grad {
		return "A d Aᵀ"
	}
	return "Bᵀ d B"
}

// n is the side of the tiles it reads.
func (k *WinoIn) n() int {
	m, _ := k.matrix()
	return len(m[0])
}

// WinoOut is the geometry of a Winograd output transform: one call turns the α² products of a
// row of Tiles tiles of one block of Lanes output channels into the m×m outputs of each, adds
// the bias and applies the ReLU:
//
//	out[i·OutRowStride + (t·m + j)·OutPixStride + l] = relu?((Aᵀ M A)[i][j] + bias[l]),  M[ξ/α][ξ%α] = mm[ξ·xi + t·Lanes + l]
//
// for the first rows rows (an argument: the last row of tiles may overhang the image) and the
// columns t·m + j < OutW, the stride xi between the positions an argument, as WinoIn's. Aᵀ M is
// computed into mm's first m rows, column by column, in place.
type WinoOut struct {
	Name                       string
	F                          *Winograd
	Tiles, OutW                int
	OutPixStride, OutRowStride int // in float32 values
	ReLU                       bool
	Doc                        string   // what one call computes, for its comment
	Users                      []string // the steps that call it, with their spec lines
}

func (k *WinoIn) check() error {
	if k.F == nil || k.Tiles < 1 || min(k.InPixStride, k.InRowStride) < Lanes {
		return fmt.Errorf("asm: %s: a missing transform, no tile or a stride below a block in %+v", k.Name, *k)
	}
	return nil
}

func (k *WinoOut) check() error {
	if k.F == nil || k.Tiles < 1 || k.OutW < 1 || k.OutW > k.Tiles*k.F.M || k.OutW <= (k.Tiles-1)*k.F.M ||
		min(k.OutPixStride, k.OutRowStride) < Lanes {
		return fmt.Errorf("asm: %s: tiles that do not cover the row, or a stride below a block, in %+v", k.Name, *k)
	}
	return nil
}

// The extents of the operands, in float32 values.
func (k *WinoIn) inLen() int {
	n := k.n()
	return (n-1)*k.InRowStride + ((k.Tiles-1)*k.F.M+n-1)*k.InPixStride + Lanes
}
func (k *WinoIn) positions() int  { return k.F.Alpha * k.F.Alpha }
func (k *WinoOut) positions() int { return k.F.Alpha * k.F.Alpha }
func (k *WinoOut) outLen() int    { return (k.F.M-1)*k.OutRowStride + (k.OutW-1)*k.OutPixStride + Lanes }

// combo is a sum Σ_k c[k]·x_k written as the kernels compute it: the first term a copy (factor
// 1) or a product, each other added or subtracted, after a product by its factor's magnitude
// when that is not 1.
type combo []float64

// factors are the constants the sum multiplies by.
func (c combo) factors() []float64 {
	var fs []float64
	first := true
	for _, v := range c {
		switch {
		case v == 0:
		case first:
			first = false
			if v != 1 {
				fs = append(fs, v)
			}
		case v != 1 && v != -1:
			fs = append(fs, abs(v))
		}
	}
	return fs
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// goExpr is the sum in Go, x(k) naming term k; explicit conversions keep the compiler from
// fusing a product with the sum.
func (c combo) goExpr(x func(k int) string) string {
	var s strings.Builder
	for k, v := range c {
		switch {
		case v == 0:
		case s.Len() == 0 && v == 1:
			s.WriteString(x(k))
		case s.Len() == 0:
			fmt.Fprintf(&s, "float32(%s*%s)", lit(v), x(k))
		case v == 1:
			fmt.Fprintf(&s, " + %s", x(k))
		case v == -1:
			fmt.Fprintf(&s, " - %s", x(k))
		case v > 0:
			fmt.Fprintf(&s, " + float32(%s*%s)", lit(v), x(k))
		default:
			fmt.Fprintf(&s, " - float32(%s*%s)", lit(-v), x(k))
		}
	}
	if s.Len() == 0 {
		return "0"
	}
	return s.String()
}

func lit(v float64) string { return strconv.FormatFloat(v, 'g', -1, 32) }

// consts is the table of a kernel's factors: each as a vector of Lanes copies in a read-only
// symbol of the assembly file.
type consts struct {
	symbol string
	values []float64
}

func newConsts(symbol string, combos []combo) *consts {
	c := &consts{symbol: symbol}
	for _, cb := range combos {
		for _, f := range cb.factors() {
			if !slices.Contains(c.values, f) {
				c.values = append(c.values, f)
			}
		}
	}
	slices.Sort(c.values)
	return c
}

// at is the memory operand of factor v's vector.
func (c *consts) at(v float64) string {
	return fmt.Sprintf("%s<>+%d(SB)", c.symbol, slices.Index(c.values, v)*Lanes*4)
}

// data writes the symbol.
func (c *consts) data(t *text) {
	if len(c.values) == 0 {
		return
	}
	for i, v := range c.values {
		for l := range Lanes {
			line := fmt.Sprintf("DATA %s<>+%d(SB)/4, $%#08x", c.symbol, (i*Lanes+l)*4, math.Float32bits(float32(v)))
			if l == 0 {
				line = fmt.Sprintf("%-48s // %s", line, lit(v))
			}
			t.line("%s", line)
		}
	}
	t.line("GLOBL %s<>(SB), RODATA|NOPTR, $%d", c.symbol, len(c.values)*Lanes*4)
}

// sum writes the instructions of combo cb into register acc, term k in register src(k), tmp a
// register it may use.
func (c *consts) sum(t *text, cb combo, src func(k int) string, acc, tmp, comment string) {
	first := true
	for k, v := range cb {
		switch {
		case v == 0:
		case first && v == 1:
			t.op(comment, "VMOVAPS", src(k), acc)
		case first:
			t.op(comment, "VMULPS", c.at(v), src(k), acc)
		case v == 1:
			t.op("", "VADDPS", src(k), acc, acc)
		case v == -1:
			t.op("", "VSUBPS", src(k), acc, acc)
		default:
			t.op("", "VMULPS", c.at(abs(v)), src(k), tmp)
			if v > 0 {
				t.op("", "VADDPS", tmp, acc, acc)
			} else {
				t.op("", "VSUBPS", tmp, acc, acc)
			}
		}
		if v != 0 {
			first = false
		}
	}
	if first {
		panic("asm: a transform's row of zeros")
	}
}

// first is a comment for the first of a run of instructions (i == 0), none for the others.
func first(i int, format string, args ...any) string {
	if i > 0 {
		return ""
	}
	return fmt.Sprintf(format, args...)
}

// Transpose is the columns of a matrix as rows.
func Transpose(m [][]float64) [][]float64 {
	out := make([][]float64, len(m[0]))
	for j := range out {
		for i := range m {
			out[j] = append(out[j], m[i][j])
		}
	}
	return out
}

func combos(m [][]float64) []combo {
	var cs []combo
	for _, row := range m {
		cs = append(cs, combo(row))
	}
	return cs
}

// positionRegs loads the stride between the transform positions, xi float32 values, into R10 in
// bytes and α times it into R11, for the walkers over the positions (R12, from R13).
func positionRegs(t *text, frame string, a int) {
	t.op("between the transform positions", "MOVQ", frame, "R10")
	t.op("in bytes", "SHLQ", "$2", "R10")
	t.op(fmt.Sprintf("between %d of them: a row of positions", a), "IMUL3Q", imm(a), "R10", "R11")
}

// walk writes the instructions that visit n transform positions from the one R13 points at, step
// (R10, one position; R11, a row of α) apart, calling visit with R12's operand (off its byte
// offset) for each.
func walk(t *text, n int, step string, off int, visit func(i int, at string)) {
	t.op("", "MOVQ", "R13", "R12")
	for i := range n {
		visit(i, mem(off, "R12"))
		if i < n-1 {
			t.op("", "ADDQ", step, "R12")
		}
	}
}

func (k *WinoIn) asm(t *text, is *isa) {
	f, a, n := k.F, k.F.Alpha, k.n()
	mat, _ := k.matrix()
	bt := combos(mat)
	cs := newConsts(k.Name+is.name+"Factors", bt)
	cs.data(t)
	id := k.Name + is.name
	t.line("\n// func %s(v, in *float32, xi int)", id)
	t.line("//")
	t.about(k.Doc, k.Users)
	t.line("//\n// The %s transform of a row of %d tiles of %dx%d, %s, a column at a time into v,", f, k.Tiles, n, n, k.formula())
	t.line("// then a row at a time in place; %d lanes at a time%s. DI v, SI in; R8 and R9 the tile's; AX", is.width, halves(is))
	t.line("// the tile loop; R10 the stride xi between the transform positions in bytes, R11 a row of α")
	t.line("// positions, R13 the first position of a column or row of them, R12 walks it.")
	t.line("// %s0…%s%d the column or row being transformed, %s%d the sum, %s%d a product.",
		is.reg, is.reg, a-1, is.reg, a, is.reg, a+1)
	t.line("TEXT ·%s(SB), NOSPLIT, $0-24", id)
	t.op("", "MOVQ", "v+0(FP)", "DI")
	t.op("", "MOVQ", "in+8(FP)", "SI")
	positionRegs(t, "xi+16(FP)", a)
	acc, tmp := is.r(a), is.r(a+1)
	parts(t, is, id, []string{"DI", "SI"}, func(p string, po int) {
		t.op("", "MOVQ", "DI", "R8")
		t.op("", "MOVQ", "SI", "R9")
		t.op("", "MOVQ", imm(k.Tiles), "AX")
		t.label(p)
		t.op("column 0's first position", "MOVQ", "R8", "R13")
		for j := range n {
			for i := range n {
				t.op(first(i, "column %d", j), "VMOVUPS", mem((i*k.InRowStride+j*k.InPixStride)*4+po, "R9"), is.r(i))
			}
			walk(t, a, "R11", po, func(i int, at string) {
				cs.sum(t, bt[i], is.r, acc, tmp, "")
				t.op("", "VMOVUPS", acc, at)
			})
			if j < n-1 {
				t.op("the next column's", "ADDQ", "R10", "R13")
			}
		}
		t.op("row 0's first position", "MOVQ", "R8", "R13")
		for i := range a {
			walk(t, n, "R10", po, func(j int, at string) { t.op(first(j, "row %d", i), "VMOVUPS", at, is.r(j)) })
			walk(t, a, "R10", po, func(j int, at string) {
				cs.sum(t, bt[j], is.r, acc, tmp, "")
				t.op("", "VMOVUPS", acc, at)
			})
			if i < a-1 {
				t.op("the next row's", "ADDQ", "R11", "R13")
			}
		}
		t.op("next tile", "ADDQ", imm(f.M*k.InPixStride*4), "R9")
		t.op("", "ADDQ", imm(Lanes*4), "R8")
		t.op("", "DECQ", "AX")
		t.op("", "JNZ", p)
	})
	t.op("", "VZEROUPPER")
	t.op("", "RET")
}

// halves says, for a kernel's comment, how is covers a block of Lanes channels.
func halves(is *isa) string {
	if is.parts() == 1 {
		return ""
	}
	return fmt.Sprintf(" (%d halves of a block, BX counting them)", is.parts())
}

// parts writes the passes of a transform over the registers of a block of Lanes channels, in is:
// one in AVX-512; in AVX2 a loop of two over the halves (BX counts them), the pointers in ptrs
// each a half on after the first. body writes a pass, its labels prefixed by p and its operands
// po bytes into the block (0: the pointers carry the half).
func parts(t *text, is *isa, id string, ptrs []string, body func(p string, po int)) {
	if is.parts() == 1 {
		body(id+"_tiles", 0)
		return
	}
	t.op(fmt.Sprintf("the block's %d halves of %d lanes", is.parts(), is.width), "MOVQ", imm(is.parts()), "BX")
	t.label(id + "_half")
	body(id+"_tiles", 0)
	for _, r := range ptrs {
		t.op(first(0, "the next half"), "ADDQ", imm(is.width*4), r)
	}
	t.op("", "DECQ", "BX")
	t.op("", "JNZ", id+"_half")
}

func (k *WinoOut) asm(t *text, is *isa) {
	f, a := k.F, k.F.Alpha
	at := combos(f.AT)
	cs := newConsts(k.Name+is.name+"Factors", at)
	cs.data(t)
	id := k.Name + is.name
	full := min(k.Tiles, k.OutW/f.M)
	t.line("\n// func %s(out, mm, bias *float32, rows, xi int)", id)
	t.line("//")
	t.about(k.Doc, k.Users)
	t.line("//\n// The %s output transform of a row of %d tiles, Aᵀ M A, a column at a time into the first", f, k.Tiles)
	t.line("// %d rows of mm, then a row at a time into out with the bias%s, for the first rows rows;", f.M, map[bool]string{true: " and the ReLU"}[k.ReLU])
	t.line("// %d lanes at a time%s. DI out, SI mm, DX bias, CX rows; R8 and R9 the tile's; AX the tile loop;", is.width, halves(is))
	t.line("// R10 the stride xi between the transform positions in bytes, R11 a row of α positions, R13")
	t.line("// the first position of a column or row of them, R12 walks it.")
	t.line("// %s0…%s%d the column or row, %s%d the sum, %s%d a product, %s%d the bias, %s%d zero.",
		is.reg, is.reg, a-1, is.reg, a, is.reg, a+1, is.reg, a+2, is.reg, a+3)
	t.line("TEXT ·%s(SB), NOSPLIT, $0-40", id)
	t.op("", "MOVQ", "out+0(FP)", "DI")
	t.op("", "MOVQ", "mm+8(FP)", "SI")
	t.op("", "MOVQ", "bias+16(FP)", "DX")
	t.op("", "MOVQ", "rows+24(FP)", "CX")
	positionRegs(t, "xi+32(FP)", a)
	acc, tmp, bias, zero := is.r(a), is.r(a+1), is.r(a+2), is.r(a+3)
	t.op("", is.zero, zero, zero, zero)
	parts(t, is, id, []string{"DI", "SI", "DX"}, func(p string, po int) {
		t.op("the lanes' bias", "VMOVUPS", mem(po, "DX"), bias)
		t.op("", "MOVQ", "DI", "R8")
		t.op("", "MOVQ", "SI", "R9")
		tile := func(cols int, next string) {
			t.op("column 0's first position", "MOVQ", "R9", "R13")
			for j := range a {
				walk(t, a, "R11", po, func(i int, at string) { t.op(first(i, "column %d", j), "VMOVUPS", at, is.r(i)) })
				walk(t, f.M, "R11", po, func(i int, m string) {
					cs.sum(t, at[i], is.r, acc, tmp, "")
					t.op("", "VMOVUPS", acc, m)
				})
				if j < a-1 {
					t.op("the next column's", "ADDQ", "R10", "R13")
				}
			}
			t.op("row 0's first position", "MOVQ", "R9", "R13")
			for i := range f.M {
				if i > 0 {
					t.op(fmt.Sprintf("row %d only when rows > %d", i, i), "CMPQ", "CX", imm(i))
					t.op("", "JLE", next)
					t.op("the next row's", "ADDQ", "R11", "R13")
				}
				walk(t, a, "R10", po, func(j int, m string) { t.op(first(j, "row %d", i), "VMOVUPS", m, is.r(j)) })
				for j := range cols {
					cs.sum(t, at[j], is.r, acc, tmp, "")
					t.op("", "VADDPS", bias, acc, acc)
					if k.ReLU {
						t.op("", "VMAXPS", acc, zero, acc)
					}
					t.op("", "VMOVUPS", acc, mem((i*k.OutRowStride+j*k.OutPixStride)*4+po, "R8"))
				}
			}
		}
		if full > 0 {
			t.op(fmt.Sprintf("%d whole tiles", full), "MOVQ", imm(full), "AX")
			t.label(p)
			tile(f.M, p+"_next")
			t.label(p + "_next")
			t.op("next tile", "ADDQ", imm(f.M*k.OutPixStride*4), "R8")
			t.op("", "ADDQ", imm(Lanes*4), "R9")
			t.op("", "DECQ", "AX")
			t.op("", "JNZ", p)
		}
		if cols := k.OutW - full*f.M; cols > 0 {
			t.line("\n\t// the last tile: its first %d columns", cols)
			tile(cols, p+"_end")
			t.label(p + "_end")
		}
	})
	t.op("", "VZEROUPPER")
	t.op("", "RET")
}

// loop and the others write the Go forms of the kernels.
func (k *WinoIn) loop() string {
	return fmt.Sprintf(`for t := 0; t < %d; t++ {
	for l := 0; l < %d; l++ {
		// d[i][j] = in[i*%d+(t*%d+j)*%d+l], i, j < %d
		// v[ξ*xi+t*%d+l] = (%s)[ξ/%d][ξ%%%d]
	}
}`, k.Tiles, Lanes, k.InRowStride, k.F.M, k.InPixStride, k.n(), Lanes, k.formula(), k.F.Alpha, k.F.Alpha)
}

func (k *WinoOut) loop() string {
	relu := "y"
	if k.ReLU {
		relu = "max(y, 0)"
	}
	return fmt.Sprintf(`for t := 0; t < %d; t++ {
	for l := 0; l < %d; l++ {
		// M[i][j] = mm[(i*%d+j)*xi+t*%d+l], i, j < %d
		// y = (Aᵀ M A)[i][j] + bias[l], i < rows, j < %d, t*%d+j < %d
		// out[i*%d+(t*%d+j)*%d+l] = %s
	}
}`, k.Tiles, Lanes, k.F.Alpha, Lanes, k.F.Alpha, k.F.M, k.F.M, k.OutW, k.OutRowStride, k.F.M, k.OutPixStride, relu)
}

// matrixComment writes a matrix as comment lines.
func matrixComment(t *text, name string, m [][]float64) {
	for i, row := range m {
		var vs []string
		for _, v := range row {
			vs = append(vs, fmt.Sprintf("%5s", lit(v)))
		}
		label := strings.Repeat(" ", len(name))
		if i == 0 {
			label = name
		}
		t.line("//\t%s [%s ]", label, strings.Join(vs, " "))
	}
}

func stubISA(t *text, name, loop, params string, mats func()) {
	for _, is := range []*isa{&avx512, &avx2} {
		t.line("\n// %s%s computes, on the slices' first elements, in %d lanes:", name, is.name, is.width)
		t.line("//")
		for _, l := range strings.Split(loop, "\n") {
			t.line("//\t%s", l)
		}
		t.line("//")
		mats()
		t.line("//\n//go:noescape\nfunc %s%s(%s)", name, is.name, params)
	}
}

func (k *WinoIn) stub(t *text) {
	mat, name := k.matrix()
	stubISA(t, k.Name, k.loop(), "v, in *float32, xi int", func() { matrixComment(t, name+" =", mat) })
	t.line("\n// %s is %sGo (see it for the lengths), in assembly where the CPU has AVX-512 or AVX2.", k.Name, k.Name)
	t.line("func %s(v, in []float32, xi int) {", k.Name)
	dispatch(t, k.Name, "v, in, xi", "&v[0], &in[0], xi",
		fmt.Sprintf("if xi < %d {\n\t\tpanic(\"%s: the transform positions overlap\")\n\t}", k.Tiles*Lanes, k.Name),
		fmt.Sprintf("_, _ = v[%d*xi+%d], in[%d] // the extents the assembly reads and writes", k.positions()-1, k.Tiles*Lanes-1, k.inLen()-1))
}

func (k *WinoOut) stub(t *text) {
	stubISA(t, k.Name, k.loop(), "out, mm, bias *float32, rows, xi int", func() { matrixComment(t, "Aᵀ =", k.F.AT) })
	t.line("\n// %s is %sGo (see it for the lengths), in assembly where the CPU has AVX-512 or AVX2.", k.Name, k.Name)
	t.line("func %s(out, mm, bias []float32, rows, xi int) {", k.Name)
	dispatch(t, k.Name, "out, mm, bias, rows, xi", "&out[0], &mm[0], &bias[0], rows, xi",
		fmt.Sprintf("if rows < 1 || rows > %d || xi < %d {\n\t\tpanic(\"%s: rows out of range, or transform positions that overlap\")\n\t}",
			k.F.M, k.Tiles*Lanes, k.Name),
		fmt.Sprintf("_, _, _ = out[%d*(rows-1)+%d], mm[%d*xi+%d], bias[%d] // the extents the assembly reads and writes",
			k.OutRowStride, (k.OutW-1)*k.OutPixStride+Lanes-1, k.positions()-1, k.Tiles*Lanes-1, Lanes-1))
}

func (k *WinoIn) other(t *text) {
	t.line("\n// %s is %sGo in this build.", k.Name, k.Name)
	t.line("func %s(v, in []float32, xi int) { %sGo(v, in, xi) }", k.Name, k.Name)
}

func (k *WinoOut) other(t *text) {
	t.line("\n// %s is %sGo in this build.", k.Name, k.Name)
	t.line("func %s(out, mm, bias []float32, rows, xi int) { %sGo(out, mm, bias, rows, xi) }", k.Name, k.Name)
}

func (k *WinoIn) twin(t *text) {
	f, a, n := k.F, k.F.Alpha, k.n()
	name := matrixName(k.matrixKind(), f)
	t.line("")
	t.wrapped(fmt.Sprintf("%sGo is the pure-Go twin of %sAVX512 and %sAVX2: with v of at least %d·xi + %d values and in of %d, "+
		"it computes %s: %s of each tile d, by winogradSum, the same float32 operations in the same order as the assembly.",
		k.Name, k.Name, k.Name, k.positions()-1, k.Tiles*Lanes, k.inLen(), k.Doc, k.formula()))
	t.users(k.Users)
	t.line("func %sGo(v, in []float32, xi int) {", k.Name)
	t.line(`	for t := 0; t < %d; t++ {
		for l := 0; l < %d; l++ {
			d, o := in[t*%d+l:], v[t*%d+l:]
			var x [%d]float32
			for j := range %d { // the columns of the tile, into v
				for i := range %d {
					x[i] = d[i*%d+j*%d]
				}
				for i := range %d {
					o[(i*%d+j)*xi] = winogradSum(%s[i][:], x[:])
				}
			}
			for i := range %d { // then its rows, in place
				for j := range %d {
					x[j] = o[(i*%d+j)*xi]
				}
				for j := range %d {
					o[(i*%d+j)*xi] = winogradSum(%s[j][:], x[:])
				}
			}
		}
	}
}`, k.Tiles, Lanes, f.M*k.InPixStride, Lanes, n, n, n, k.InRowStride, k.InPixStride, a, a, name,
		a, n, a, a, a, name)
}

func (k *WinoOut) twin(t *text) {
	f, a := k.F, k.F.Alpha
	name := matrixName("AT", f)
	relu := ""
	if k.ReLU {
		relu = "\n\t\t\t\t\tr = max(r, 0)"
	}
	t.line("")
	t.wrapped(fmt.Sprintf("%sGo is the pure-Go twin of %sAVX512 and %sAVX2: with out of at least %d values (for rows %d), "+
		"mm of %d·xi + %d and bias of %d, it computes %s: Aᵀ M A, by winogradSum, the same float32 operations in the same order "+
		"as the assembly.", k.Name, k.Name, k.Name, k.outLen(), f.M, k.positions()-1, k.Tiles*Lanes, Lanes, k.Doc))
	t.users(k.Users)
	t.line("func %sGo(out, mm, bias []float32, rows, xi int) {", k.Name)
	t.line(`	for t := 0; t < %d; t++ {
		for l := 0; l < %d; l++ {
			o, y, b := mm[t*%d+l:], out[t*%d+l:], bias[l]
			var x [%d]float32
			for j := range %d { // the columns of the products, Aᵀ M, into mm's first rows
				for i := range %d {
					x[i] = o[(i*%d+j)*xi]
				}
				for i := range %d {
					o[(i*%d+j)*xi] = winogradSum(%s[i][:], x[:])
				}
			}
			for i := range min(rows, %d) { // then its rows, (Aᵀ M) A, into out
				for j := range %d {
					x[j] = o[(i*%d+j)*xi]
				}
				for j := range %d {
					if t*%d+j >= %d {
						break // beyond the row
					}
					r := winogradSum(%s[j][:], x[:])
					r = r + b%s
					y[i*%d+j*%d] = r
				}
			}
		}
	}
}`, k.Tiles, Lanes, Lanes, f.M*k.OutPixStride, a, a, a, a, f.M, a, name,
		f.M, a, a, f.M, f.M, k.OutW, name, relu, k.OutRowStride, k.OutPixStride)
}

// matrixKind is the name of the matrix of the transform: BT (Bᵀ), or A for Grad.
func (k *WinoIn) matrixKind() string {
	if k.Grad {
		return "A"
	}
	return "BT"
}

// matrixName is the name of a Winograd matrix in the twins' file: winogradBT2x3 is Bᵀ of F(2×2, 3×3).
func matrixName(kind string, f *Winograd) string {
	return fmt.Sprintf("winograd%s%dx%d", kind, f.M, f.R)
}

// matrices are the Winograd matrices of the kernels' twins, by name.
func (k *WinoIn) matrices() map[string][][]float64 {
	m, _ := k.matrix()
	return map[string][][]float64{matrixName(k.matrixKind(), k.F): m}
}
func (k *WinoOut) matrices() map[string][][]float64 {
	return map[string][][]float64{matrixName("AT", k.F): k.F.AT}
}

// twinMatrices writes the Winograd matrices the twins of kernels use, in the order of their names,
// and winogradSum, which applies a row of one.
func twinMatrices(t *text, kernels []Kernel) {
	all := map[string][][]float64{}
	for _, k := range kernels {
		if w, ok := k.(interface{ matrices() map[string][][]float64 }); ok {
			for name, m := range w.matrices() {
				all[name] = m
			}
		}
	}
	if len(all) == 0 {
		return
	}
	var names []string
	for name := range all {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		m := all[name]
		t.line("\n// %s is a matrix of Winograd's transforms, as the assembly applies it (NewWinograd).", name)
		t.line("var %s = [%d][%d]float32{", name, len(m), len(m[0]))
		for _, row := range m {
			var vs []string
			for _, v := range row {
				vs = append(vs, lit(v))
			}
			t.line("\t{%s},", strings.Join(vs, ", "))
		}
		t.line("}")
	}
	t.line(`
// winogradSum is Σ c[k]·x[k] in float32 as the Winograd kernels compute it: the first term a copy
// (factor 1) or a product, each other added or subtracted, after a product by its factor's
// magnitude when that is not 1; the zero terms left out.
func winogradSum(c, x []float32) float32 {
	var s float32
	first := true
	for k, v := range c {
		switch {
		case v == 0:
			continue
		case first && v == 1:
			s = x[k]
		case first:
			s = float32(v * x[k])
		case v == 1:
			s += x[k]
		case v == -1:
			s -= x[k]
		case v > 0:
			s += float32(v * x[k])
		default:
			s -= float32(-v * x[k])
		}
		first = false
	}
	return s
}`)
}
