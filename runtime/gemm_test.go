package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// gemmCase is one product of stored matrices: shapes, storage (A or B stored transposed),
// strides (pad is added to the tightest stride) and the epilogue options.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	pad            int
	acc            bool
	colBias        bool
	relu           bool
}

func (g gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d pad=%d acc=%v colBias=%v relu=%v",
		g.transA, g.transB, g.m, g.n, g.k, g.pad, g.acc, g.colBias, g.relu)
}

// gemmData holds the operands of a gemmCase; c is the matrix inside cBuf, which has guards.
type gemmData struct {
	a, b, c, cBuf []float32
	lda, ldb, ldc int
	ep            Epilogue
	want, bound   []float64 // the reference result and, per element, Σ|a||b| + |c| + |bias|
}

// newGemmData makes random operands for g, with NaN between the rows of C and around it.
func newGemmData(rng *rand.Rand, g gemmCase) *gemmData {
	d := &gemmData{}
	ar, ac, br, bc := g.m, g.k, g.k, g.n
	if g.transA {
		ar, ac = ac, ar
	}
	if g.transB {
		br, bc = bc, br
	}
	d.lda, d.ldb, d.ldc = max(ac, 1)+g.pad, max(bc, 1)+g.pad, max(g.n, 1)+g.pad
	d.a = randSlice(rng, max(0, (ar-1)*d.lda+ac))
	d.b = randSlice(rng, max(0, (br-1)*d.ldb+bc))
	nc := max(0, (g.m-1)*d.ldc+g.n)
	d.cBuf, d.c = guarded(rng, nc)
	for i := 0; i < g.m; i++ {
		for j := g.n; j < d.ldc && i*d.ldc+j < nc; j++ {
			d.c[i*d.ldc+j] = float32(math.NaN())
		}
	}
	d.c = d.c[:nc]
	if g.colBias {
		d.ep.ColBias = randSlice(rng, g.n)
	}
	d.ep.ReLU = g.relu
	d.want, d.bound = reference(g, d)
	return d
}

// product is g's Product on d's operands.
func (d *gemmData) product(g gemmCase) Product {
	a, b := Dense(d.a, d.lda), Dense(d.b, d.ldb)
	if g.transA {
		a = a.T()
	}
	if g.transB {
		b = b.T()
	}
	return Product{M: g.m, N: g.n, K: g.k, A: a, B: b, C: d.c, LDC: d.ldc, Acc: g.acc, Epilogue: d.ep}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

// reference is the naive triple loop in float64, with the error bound of each element.
func reference(g gemmCase, d *gemmData) (want, bound []float64) {
	opA := func(i, p int) float64 {
		if g.transA {
			return float64(d.a[p*d.lda+i])
		}
		return float64(d.a[i*d.lda+p])
	}
	opB := func(p, j int) float64 {
		if g.transB {
			return float64(d.b[j*d.ldb+p])
		}
		return float64(d.b[p*d.ldb+j])
	}
	want, bound = make([]float64, g.m*g.n), make([]float64, g.m*g.n)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			var s, abs float64
			for p := 0; p < g.k; p++ {
				s += opA(i, p) * opB(p, j)
				abs += math.Abs(opA(i, p) * opB(p, j))
			}
			if g.acc {
				s += float64(d.c[i*d.ldc+j])
				abs += math.Abs(float64(d.c[i*d.ldc+j]))
			}
			if d.ep.ColBias != nil {
				s += float64(d.ep.ColBias[j])
				abs += math.Abs(float64(d.ep.ColBias[j]))
			}
			if g.relu && s < 0 {
				s = 0
			}
			want[i*g.n+j], bound[i*g.n+j] = s, abs
		}
	}
	return want, bound
}

// check fails unless d.c matches the reference within 1e-5 of each element's bound, and C's
// guards and the gaps between its rows are still NaN.
func (d *gemmData) check(t *testing.T, g gemmCase, what string) {
	t.Helper()
	requireGuards(t, d.cBuf, len(d.c), what+" "+g.String())
	for i := 0; i < g.m; i++ {
		for j := 0; j < d.ldc && i*d.ldc+j < len(d.c); j++ {
			v := d.c[i*d.ldc+j]
			if j >= g.n {
				require.True(t, isNaN(v), "%s %v: c[%d][%d], between rows, was written", what, g, i, j)
				continue
			}
			w := d.want[i*g.n+j]
			if math.Abs(float64(v)-w) > 1e-5*d.bound[i*g.n+j]+1e-30 {
				require.Failf(t, "wrong result", "%s %v: c[%d][%d] = %v, want %v", what, g, i, j, v, w)
			}
		}
	}
}

// gemmSizes are the awkward sizes: around every tile width, and across the block sizes.
var gemmSizes = []int{1, 2, 5, 6, 7, 11, 12, 13, 15, 16, 17, 31, 32, 33, 100}

// gemmCases returns the cases of TestMultiply: every storage order with Acc and each epilogue
// option on small awkward shapes, a sweep of sizes, and shapes crossing KC, MC and NC.
func gemmCases(short bool) []gemmCase {
	var cs []gemmCase
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for opt := 0; opt < 8; opt++ {
				// 13×35, and one row and one column (the dot-product path's vector form: a fully
				// connected layer at batch 1) with k across the one-stream kernel's 16 and 64 steps.
				for _, s := range [][3]int{{13, 35, 9}, {1, 37, 70 + opt}, {29, 1, 130 - opt}} {
					cs = append(cs, gemmCase{transA: tA, transB: tB, m: s[0], n: s[1], k: s[2], pad: opt % 3,
						acc: opt&1 != 0, colBias: opt&2 != 0, relu: opt&4 != 0})
				}
			}
			for _, m := range gemmSizes {
				for _, n := range gemmSizes {
					if short && m != n {
						continue
					}
					k := []int{1, 2, 3, 7, 17, 33}[(m+n)%6]
					cs = append(cs, gemmCase{transA: tA, transB: tB, m: m, n: n, k: k, pad: (m * n) % 5,
						acc: (m+n)%2 == 0, colBias: n%3 == 0, relu: (m+n)%3 == 1})
				}
			}
			for _, s := range [][3]int{{0, 5, 3}, {5, 0, 3}, {5, 7, 0}, {3, 50, 1000}, {50, 8, 37}, {300, 40, 600}, {20, 3100, 300}, {145, 97, 513}} {
				cs = append(cs, gemmCase{transA: tA, transB: tB, m: s[0], n: s[1], k: s[2], pad: 3,
					acc: true, colBias: true, relu: true})
				if short {
					break
				}
			}
		}
	}
	return cs
}

// TestMultiply checks Multiply's product of stored matrices, with every available kernel,
// against the naive reference.
func TestMultiply(t *testing.T) {
	forEachISA(t, &gemmISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(2, uint64(isa)))
		ws := NewWorkspace()
		for _, g := range gemmCases(testing.Short()) {
			d := newGemmData(rng, g)
			Multiply(ws, d.product(g))
			d.check(t, g, "Multiply/"+isa.String())
		}
	})
}

// TestMultiplyPanics checks that Multiply and ParallelMultiply refuse products whose fields do
// not fit, naming the field.
func TestMultiplyPanics(t *testing.T) {
	ws := NewWorkspace()
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	ok := Product{M: 2, N: 2, K: 2, A: Dense(a, 2), B: Dense(b, 2), C: c, LDC: 2}
	for _, tc := range []struct {
		want   string
		change func(p *Product)
	}{
		{"negative dimension M=-1 N=2 K=2", func(p *Product) { p.M = -1 }},
		{"len(C) = 4, want at least 6 for 2×3 with stride 3", func(p *Product) { p.N, p.B, p.LDC = 3, Dense(b, 3), 3 }},
		{"ldA = 1, shorter than a row of 2", func(p *Product) { p.A = Dense(a, 1) }},
		{"ldB = 2, shorter than a row of 3", func(p *Product) { p.K, p.A, p.B = 3, Dense(a, 3), Dense(b, 2).T() }},
		{"len(A) = 5, want at least 6 for 3×2 with stride 2", func(p *Product) { p.K, p.A, p.B = 3, Dense(a[:5], 2).T(), Dense(b, 2) }},
		{"LDC = 1, shorter than a row of 2", func(p *Product) { p.LDC = 1 }},
		{"len(ColBias) = 1, want N = 2", func(p *Product) { p.Epilogue.ColBias = make([]float32, 1) }},
	} {
		p := ok
		tc.change(&p)
		require.PanicsWithValue(t, "runtime: Multiply: "+tc.want, func() { Multiply(ws, p) })
		require.PanicsWithValue(t, "runtime: ParallelMultiply: "+tc.want, func() { ParallelMultiply(p) })
	}
}

// TestMultiplyAllocs checks that Multiply allocates nothing.
func TestMultiplyAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	g := gemmCase{transB: true, m: 50, n: 70, k: 300, colBias: true, relu: true}
	d := newGemmData(rng, g)
	ws := NewWorkspace()
	p := d.product(g)
	allocs := testing.AllocsPerRun(10, func() { Multiply(ws, p) })
	require.Zero(t, allocs)
}
