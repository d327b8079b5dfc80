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

// BenchmarkSgemm measures Sgemm (one goroutine) and ParallelSgemm on benchShapes, in GFLOP/s
// (2·m·n·k flops per call).
func BenchmarkSgemm(b *testing.B) {
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
		ep := Epilogue{RowBias: randSlice(rng, s.m), ReLU: true}
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		run := func(b *testing.B, f func()) {
			for b.Loop() {
				f()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		ws := NewWorkspace()
		b.Run(fmt.Sprintf("single/%s", s.name), func(b *testing.B) {
			run(b, func() { Sgemm(ws, s.transA, s.transB, s.m, s.n, s.k, a, ac, bm, bc, c, s.n, false, ep) })
		})
		b.Run(fmt.Sprintf("parallel/%s", s.name), func(b *testing.B) {
			run(b, func() { ParallelSgemm(s.transA, s.transB, s.m, s.n, s.k, a, ac, bm, bc, c, s.n, false, ep) })
		})
	}
}
