package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// convCase is one product of a convolution, A·Patches: the geometry, the rows of A, the padding
// added to the strides of A and C, and the epilogue options.
type convCase struct {
	cv                          Conv
	m, pad                      int
	acc, rowBias, colBias, relu bool
}

func (g convCase) String() string {
	return fmt.Sprintf("%+v m=%d pad=%d acc=%v rowBias=%v colBias=%v relu=%v", g.cv, g.m, g.pad, g.acc, g.rowBias, g.colBias, g.relu)
}

// convCases are the geometries of TestMultiplyPatches: every kernel of 1×1, 3×3, 5×3 and 11×11 with
// every stride 1–4 and padding 0–3 (some with a different stride or padding along y), 1, 3, 7
// or 48 channels, outputs of awkward sizes (some a row or column past the floor rounding,
// some with windows wholly in the padding or past the image), and the edge cases: nothing to
// sum, no output, and products that cross the blocking in m, n and k.
func convCases() []convCase {
	var cs []convCase
	kernels := [][2]int{{1, 1}, {3, 3}, {5, 3}, {11, 11}}
	channels := []int{1, 3, 7, 48}
	outs := []int{1, 2, 5, 7, 13, 17, 23, 31, 33, 37}
	i := 0
	for _, k := range kernels {
		for s := 1; s <= 4; s++ {
			for p := 0; p <= 3; p++ {
				i++
				cv := Conv{C: channels[i%len(channels)], KH: k[0], KW: k[1], SH: s, SW: s, PH: p, PW: p}
				if i%3 == 0 {
					cv.SH = 1 + s%4
				}
				if i%2 == 1 {
					cv.PH = (p + 1) % 4
				}
				cv.OutH, cv.OutW = outs[i%len(outs)], outs[(i*3+1)%len(outs)]
				if cv.C*cv.KH*cv.KW > 1000 {
					cv.OutH, cv.OutW = min(cv.OutH, 13), min(cv.OutW, 17)
				}
				// The image the output's floor rounding needs, or a little less (rounding up).
				cv.H = max(1, (cv.OutH-1)*cv.SH+cv.KH-2*cv.PH-i%5/4)
				cv.W = max(1, (cv.OutW-1)*cv.SW+cv.KW-2*cv.PW-i%7/6)
				cs = append(cs, convCase{cv: cv, m: []int{1, 5, 13, 24, 37}[i%5], pad: i % 3,
					acc: i%2 == 0, rowBias: i%3 != 1, colBias: i%4 == 1, relu: i%5 < 3})
			}
		}
	}
	for _, cv := range []Conv{
		{C: 0, H: 4, W: 4, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 4, OutW: 4},       // depth 0
		{C: 2, H: 4, W: 4, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 0, OutW: 4},       // no output
		{C: 2, H: 3, W: 2, KH: 3, KW: 3, SH: 2, SW: 3, PH: 3, PW: 3, OutH: 6, OutW: 5},       // mostly padding
		{C: 3, H: 60, W: 61, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 60, OutW: 61},   // n past NC
		{C: 48, H: 9, W: 8, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2, OutH: 9, OutW: 8},      // k past KC
		{C: 5, H: 227, W: 35, KH: 11, KW: 11, SH: 4, SW: 4, PH: 0, PW: 0, OutH: 55, OutW: 7}, // conv1's stride
	} {
		cs = append(cs, convCase{cv: cv, m: 150, pad: 1, acc: true, rowBias: true, colBias: true, relu: true})
	}
	return cs
}

// im2col writes the im2col matrix of src under cv into b (depth×cols), from Conv's definition.
func im2col(b, src []float32, cv *Conv) {
	cols := cv.cols()
	for c := 0; c < cv.C; c++ {
		for ky := 0; ky < cv.KH; ky++ {
			for kx := 0; kx < cv.KW; kx++ {
				row := b[((c*cv.KH+ky)*cv.KW+kx)*cols:][:cols]
				for oy := 0; oy < cv.OutH; oy++ {
					for ox := 0; ox < cv.OutW; ox++ {
						iy, ix := oy*cv.SH-cv.PH+ky, ox*cv.SW-cv.PW+kx
						var v float32
						if iy >= 0 && iy < cv.H && ix >= 0 && ix < cv.W {
							v = src[(c*cv.H+iy)*cv.W+ix]
						}
						row[oy*cv.OutW+ox] = v
					}
				}
			}
		}
	}
}

// convData holds the operands of a convCase: src and C run on into their trailing guards, C
// has NaN between its rows, and want is C after the product with the explicit im2col matrix.
type convData struct {
	a, src, b  []float32
	lda, ldc   int
	c0         []float32 // C's buffer (with guards) before the product
	ep         Epilogue
	want, cBuf []float32 // C's buffer after the product with the explicit matrix, and the one under test
}

// newConvData makes random operands for g and computes want with kernel id.
func newConvData(rng *rand.Rand, g convCase, id int, ws *Workspace) *convData {
	cv := &g.cv
	k, n := cv.depth(), cv.cols()
	d := &convData{lda: max(k, 1) + g.pad, ldc: max(n, 1) + g.pad}
	d.a = randSlice(rng, max(0, (g.m-1)*d.lda+k))
	_, d.src = guarded(rng, cv.C*cv.H*cv.W)
	d.b = make([]float32, k*n)
	im2col(d.b, d.src, cv)
	nc := max(0, (g.m-1)*d.ldc+n)
	var c []float32
	d.c0, c = guarded(rng, nc)
	for i := 0; i < g.m; i++ {
		for j := n; j < d.ldc && i*d.ldc+j < nc; j++ {
			c[i*d.ldc+j] = float32(math.NaN())
		}
	}
	if g.rowBias {
		d.ep.RowBias = randSlice(rng, g.m)
	}
	if g.colBias {
		d.ep.ColBias = randSlice(rng, n)
	}
	d.ep.ReLU = g.relu
	d.want = append([]float32(nil), d.c0...)
	p := d.product(g, Dense(d.b, max(n, 1)), d.want[guard:])
	sgemmOp(id, ws, &p)
	return d
}

// product is g's product with B, writing to c.
func (d *convData) product(g convCase, b Operand, c []float32) Product {
	return Product{M: g.m, N: g.cv.cols(), K: g.cv.depth(), A: Dense(d.a, d.lda), B: b, C: c, LDC: d.ldc, Acc: g.acc, Epilogue: d.ep}
}

// patches is g's product with B = Patches, writing to a fresh copy of C's initial buffer.
func (d *convData) patches(g *convCase) Product {
	return d.product(*g, Patches(d.src, &g.cv), d.c())
}

// c returns a fresh copy of C's initial buffer to run the product under test on, and C in it.
func (d *convData) c() []float32 {
	d.cBuf = append(d.cBuf[:0], d.c0...)
	return d.cBuf[guard:]
}

// check fails unless the product under test left C's buffer bit for bit as the product with
// the explicit matrix did, guards and gaps between rows included (both start out equal).
func (d *convData) check(t *testing.T, g convCase, what string) {
	t.Helper()
	requireGuards(t, d.want, len(d.c0)-2*guard, "explicit "+g.String())
	for i, v := range d.cBuf {
		if w := d.want[i]; math.Float32bits(v) != math.Float32bits(w) {
			require.Failf(t, "differs from the product with the explicit im2col matrix", "%s %v: c[%d][%d] = %v, explicit gives %v",
				what, g, (i-guard)/d.ldc, (i-guard)%d.ldc, v, w)
		}
	}
}

// TestMultiplyPatches checks, with every available kernel, that the product with Patches is
// bit for bit the product with the explicit im2col matrix as Dense, and writes nothing else.
func TestMultiplyPatches(t *testing.T) {
	for id, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			if !hasISA(id) {
				t.Skipf("this CPU or build has no %s kernel", k.name)
			}
			rng := rand.New(rand.NewPCG(8, uint64(id)))
			ws := NewWorkspace()
			for _, g := range convCases() {
				d := newConvData(rng, g, id, ws)
				if id != active {
					p := d.patches(&g)
					sgemmOp(id, ws, &p)
					d.check(t, g, "sgemmOp/"+k.name)
					continue
				}
				Multiply(ws, d.patches(&g))
				d.check(t, g, "Multiply")
			}
		})
	}
}

// TestParallelMultiplyPatches checks ParallelMultiply with Patches, alone and nested in a
// Parallel body, against the product with the explicit im2col matrix, bit for bit, on every
// case of TestMultiplyPatches and on AlexNet's conv3, which splits along M.
func TestParallelMultiplyPatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	ws := NewWorkspace()
	cases := append(convCases(), convCase{cv: Conv{C: 256, H: 13, W: 13, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 13, OutW: 13},
		m: 384, rowBias: true, relu: true})
	for _, g := range cases {
		d := newConvData(rng, g, active, ws)
		ParallelMultiply(d.patches(&g))
		d.check(t, g, "ParallelMultiply")
		p := d.patches(&g)
		Parallel(2, func(w, lo, hi int) {
			if lo == 0 {
				ParallelMultiply(p)
			}
		})
		d.check(t, g, "nested ParallelMultiply")
	}
}

// TestPackConvMatchesPackB checks packConv (in assembly where the CPU has it) and packConvGo
// against packB on the explicit im2col matrix, for blocks that start and end anywhere, at every
// micro-panel width, with NaN guards around dst.
func TestPackConvMatchesPackB(t *testing.T) { checkPackConv(t, false) }

// checkPackConv checks packConv and packConvGo (or, with trans, packConvT and packConvTGo, whose
// op(B) is the transpose of the im2col matrix) against packB on the explicit matrix, for random
// blocks of every case of convCases, at every micro-panel width, with NaN guards around dst.
func checkPackConv(t *testing.T, trans bool) {
	rng := rand.New(rand.NewPCG(10, 10))
	fast, twin, name := packConv, packConvGo, "packConv"
	if trans {
		fast, twin, name = packConvT, packConvTGo, "packConvT"
	}
	for _, g := range convCases() {
		cv := &g.cv
		depth, cols := cv.depth(), cv.cols()
		if depth == 0 || cols == 0 {
			continue
		}
		_, src := guarded(rng, cv.C*cv.H*cv.W)
		b := make([]float32, depth*cols)
		im2col(b, src, cv)
		k, n := depth, cols // op(B) is k×n; b is stored depth×cols either way
		if trans {
			k, n = cols, depth
		}
		for range 4 {
			p0, j0 := rng.IntN(k), rng.IntN(n)
			kc, nc := 1+rng.IntN(k-p0), 1+rng.IntN(n-j0)
			for _, nr := range []int{8, 16, 32} {
				size := (nc + nr - 1) / nr * nr * kc
				want, _ := guarded(rng, size)
				packB(want[guard:guard+size], nr, trans, b, cols, p0, kc, j0, nc)
				tab := make([]int32, convTableSize(kc, (nc+nr-1)/nr*nr))
				for _, pack := range []struct {
					name string
					f    func(dst []float32)
				}{
					{name, func(dst []float32) { fast(dst, tab, nr, cv, src, p0, kc, j0, nc) }},
					{name + "Go", func(dst []float32) { twin(dst, nr, cv, src, p0, kc, j0, nc) }},
				} {
					got, _ := guarded(rng, size)
					pack.f(got[guard : guard+size])
					what := fmt.Sprintf("%s %+v nr=%d rows %d+%d cols %d+%d", pack.name, *cv, nr, p0, kc, j0, nc)
					requireGuards(t, got, size, what)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(isNaN(got[i]) && isNaN(want[i])) {
							require.Failf(t, "packed block differs from packB's", "%s: dst[%d] = %v, want %v", what, i-guard, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestMultiplyPatchesAllocs checks that Multiply and ParallelMultiply with Patches allocate
// nothing in steady state, for a product that ParallelMultiply splits along N, one it splits
// along M, and one it does not split; with Patches and with Patches(…).T().
func TestMultiplyPatchesAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	ws := NewWorkspace()
	for _, g := range []convCase{
		{cv: Conv{C: 3, H: 35, W: 35, KH: 11, KW: 11, SH: 4, SW: 4, OutH: 7, OutW: 7}, m: 96, rowBias: true, relu: true},
		{cv: Conv{C: 64, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 7, OutW: 7}, m: 400, rowBias: true},
		{cv: Conv{C: 2, H: 5, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, OutH: 3, OutW: 3}, m: 4},
	} {
		d := newConvData(rng, g, active, ws)
		p := d.patches(&g)
		require.Zero(t, testing.AllocsPerRun(10, func() { Multiply(ws, p) }), "Multiply %v", g)
		require.Zero(t, testing.AllocsPerRun(10, func() { ParallelMultiply(p) }), "ParallelMultiply %v", g)
		// The weight gradient's shape: C (M×Depth) += A (M×Cols)·Patchesᵀ.
		pt := Product{M: g.m, N: g.cv.depth(), K: g.cv.cols(), A: Dense(randSlice(rng, g.m*g.cv.cols()), g.cv.cols()),
			B: Patches(d.src, &g.cv).T(), C: make([]float32, g.m*g.cv.depth()), LDC: g.cv.depth(), Acc: true}
		require.Zero(t, testing.AllocsPerRun(10, func() { Multiply(ws, pt) }), "Multiply with Patches(…).T() %v", g)
		require.Zero(t, testing.AllocsPerRun(10, func() { ParallelMultiply(pt) }), "ParallelMultiply with Patches(…).T() %v", g)
	}
}

// TestMultiplyPatchesT checks Multiply and ParallelMultiply (alone and nested in a Parallel
// body) with B = Patches(…).T() against the product with the explicit im2col matrix as
// Dense(…).T(), bit for bit, guards and the gaps between C's rows included, on every geometry
// of TestMultiplyPatches and on AlexNet's conv1 and conv3 weight gradients. Where the explicit
// product takes the dot-product path (skinny products, useDot), which sums in another order,
// they must agree to within float32 rounding instead.
func TestMultiplyPatchesT(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	ws := NewWorkspace()
	cases := append(convCases(),
		convCase{cv: Conv{C: 3, H: 227, W: 227, KH: 11, KW: 11, SH: 4, SW: 4, OutH: 55, OutW: 55}, m: 96, acc: true},
		convCase{cv: Conv{C: 256, H: 13, W: 13, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 13, OutW: 13}, m: 384, pad: 3})
	for i, g := range cases {
		cv := &g.cv
		k, n := cv.cols(), cv.depth() // of the product: A is M×Cols, C is M×Depth
		lda, ldc := max(k, 1)+g.pad, max(n, 1)+g.pad
		a := randSlice(rng, max(0, (g.m-1)*lda+k))
		_, src := guarded(rng, cv.C*cv.H*cv.W)
		b := make([]float32, n*k)
		im2col(b, src, cv)
		size := max(0, (g.m-1)*ldc+n)
		c0, c := guarded(rng, size)
		for i := 0; i < g.m; i++ {
			for j := n; j < ldc && i*ldc+j < size; j++ {
				c[i*ldc+j] = float32(math.NaN())
			}
		}
		var ep Epilogue // a weight gradient has none, but the product allows it
		if i%4 == 1 {
			ep = Epilogue{RowBias: randSlice(rng, g.m), ColBias: randSlice(rng, n), ReLU: true}
		}
		product := func(b Operand, c []float32) Product {
			return Product{M: g.m, N: n, K: k, A: Dense(a, lda), B: b, C: c, LDC: ldc, Acc: g.acc, Epilogue: ep}
		}
		want := append([]float32(nil), c0...)
		Multiply(ws, product(Dense(b, max(k, 1)).T(), want[guard:]))
		exact := !useDot(active, false, true, g.m, n)
		for _, run := range []struct {
			name string
			f    func(p Product)
		}{
			{"Multiply", func(p Product) { Multiply(ws, p) }},
			{"ParallelMultiply", ParallelMultiply},
			{"nested ParallelMultiply", func(p Product) {
				Parallel(2, func(w, lo, hi int) {
					if lo == 0 {
						ParallelMultiply(p)
					}
				})
			}},
		} {
			got := append([]float32(nil), c0...)
			run.f(product(Patches(src, cv).T(), got[guard:]))
			for i, v := range got {
				w := want[i]
				same := math.Float32bits(v) == math.Float32bits(w) || (isNaN(v) && isNaN(w)) ||
					(!exact && math.Abs(float64(v-w)) <= 1e-5*float64(k)*(1+math.Abs(float64(w))))
				if !same {
					require.Failf(t, "differs from the product with the explicit im2col matrix", "%s %v: c[%d][%d] = %v, explicit gives %v",
						run.name, g, (i-guard)/ldc, (i-guard)%ldc, v, w)
				}
			}
		}
	}
}

// TestPackConvTMatchesPackB checks packConvT (in assembly where the CPU has it) and packConvTGo
// against packB on the explicit im2col matrix as a transposed B (see checkPackConv).
func TestPackConvTMatchesPackB(t *testing.T) { checkPackConv(t, true) }
