package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are AlexNet's GEMM shapes: conv2 and conv3 through im2col (weights × columns), and
// fc6 at small batch, both as features×batch (W·Xᵀ, B stored n×k) and as batch×features (X·Wᵀ).
var benchShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"conv2/m=256,n=729,k=1200", false, false, 256, 729, 1200},
	{"conv3/m=384,n=169,k=2304", false, false, 384, 169, 2304},
	{"fc6/m=4096,n=1,k=9216", false, true, 4096, 1, 9216},
	{"fc6/m=4096,n=8,k=9216", false, true, 4096, 8, 9216},
	{"fc6/m=4096,n=32,k=9216", false, true, 4096, 32, 9216},
	{"fc6T/m=32,n=4096,k=9216", false, true, 32, 4096, 9216},
}

// BenchmarkMultiply measures Multiply (one goroutine) and ParallelMultiply on benchShapes, in
// GFLOP/s (2·m·n·k flops per call).
func BenchmarkMultiply(b *testing.B) {
	for _, s := range benchShapes {
		ar, ac, br, bc := s.m, s.k, s.k, s.n
		if s.transA {
			ar, ac = ac, ar
		}
		if s.transB {
			br, bc = bc, br
		}
		rng := rand.New(rand.NewPCG(4, 4))
		a, bm, c := randSlice(rng, ar*ac), randSlice(rng, br*bc), make([]float32, s.m*s.n)
		ep := Epilogue{ColBias: randSlice(rng, s.n), ReLU: true}
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		run := func(b *testing.B, f func()) {
			for b.Loop() {
				f()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		p := Product{M: s.m, N: s.n, K: s.k, A: Dense(a, ac), B: Dense(bm, bc), C: c, LDC: s.n, Epilogue: ep}
		if s.transA {
			p.A = p.A.T()
		}
		if s.transB {
			p.B = p.B.T()
		}
		ws := NewWorkspace()
		b.Run(fmt.Sprintf("single/%s", s.name), func(b *testing.B) {
			run(b, func() { Multiply(ws, p) })
		})
		b.Run(fmt.Sprintf("parallel/%s", s.name), func(b *testing.B) {
			run(b, func() { ParallelMultiply(p) })
		})
	}
}
