package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// lrnReportPerElement reports ns per element and, through SetBytes, GB/s for n elements per op
// moving bytes each (read and written).
func lrnReportPerElement(b *testing.B, n, bytes int) {
	b.SetBytes(int64(n * bytes))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// BenchmarkSquares times sums += x² on AlexNet's rows (27², 55²), which stay in L1: 12 bytes
// per element (x and sums read, sums written).
func BenchmarkSquares(b *testing.B) {
	benchISAs(b, &lrnISA, func(b *testing.B) {
		for _, n := range []int{729, 3025} {
			b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
				sums, x := make([]float32, n), make([]float32, n)
				lrnFill(x, func() float32 { return 1e-3 })
				for b.Loop() {
					squares(sums, x, 1)
				}
				lrnReportPerElement(b, n, 12)
			})
		}
	})
}

// BenchmarkLRNScale times b = a·(k + α·sums)^−β on a row of 55² with AlexNet's k and α, for
// each β with assembly and one without: 12 bytes per element (a and sums read, b written).
func BenchmarkLRNScale(b *testing.B) {
	const n = 3025
	rng := rand.New(rand.NewPCG(31, 31))
	a, sums, out := make([]float32, n), make([]float32, n), make([]float32, n)
	lrnFill(a, func() float32 { return float32(rng.NormFloat64()) })
	lrnFill(sums, func() float32 { return float32(5 * rng.Float64() * 1e3) })
	benchISAs(b, &lrnISA, func(b *testing.B) {
		for mode, beta := range lrnBetas {
			b.Run(fmt.Sprintf("beta=%v", beta), func(b *testing.B) {
				for b.Loop() {
					lrnScale(out, a, sums, 2, 1e-4, mode)
				}
				lrnReportPerElement(b, n, 12)
			})
		}
	})
	b.Run("go/beta=0.6", func(b *testing.B) {
		for b.Loop() {
			lrnScaleGo(out, a, sums, 2, 1e-4, 0.6)
		}
		lrnReportPerElement(b, n, 12)
	})
}

// BenchmarkLRNLayer times a whole LRN of AlexNet's conv1 (96 channels of 55², window 5, β =
// 0.75) on one image, three ways: as the generated code did before the kernels (float64, two
// square roots per value), recomputing each window's sums with LRNSquaresAdd (what it does now),
// and sliding the window, adding the square of the channel entering with LRNSquaresAdd and
// subtracting that of the one leaving with squares(…, −1). Per element of the output.
func BenchmarkLRNLayer(b *testing.B) {
	const channels, pixels, before, after = 96, 3025, 2, 2
	const k, scale = 2.0, 1e-4
	rng := rand.New(rand.NewPCG(32, 32))
	src, dst := make([]float32, channels*pixels), make([]float32, channels*pixels)
	lrnFill(src, func() float32 { return float32(rng.NormFloat64() * 10) })
	sums := make([]float32, pixels)
	row := func(x []float32, c int) []float32 { return x[c*pixels : (c+1)*pixels] }
	b.Run("scalar-float64", func(b *testing.B) {
		for b.Loop() {
			for c := range channels {
				clear(sums)
				for j := max(0, c-before); j <= min(channels-1, c+after); j++ {
					for q, v := range row(src, j) {
						sums[q] += v * v
					}
				}
				a, out := row(src, c), row(dst, c)
				for q := range out {
					a, s := float64(a[q]), k+scale*float64(sums[q])
					out[q] = float32(a / math.Sqrt(s*math.Sqrt(s)))
				}
			}
		}
		lrnReportPerElement(b, channels*pixels, 8)
	})
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			for c := range channels {
				clear(sums)
				for j := max(0, c-before); j <= min(channels-1, c+after); j++ {
					LRNSquaresAdd(sums, row(src, j))
				}
				LRNScale(row(dst, c), row(src, c), sums, k, scale, 0.75)
			}
		}
		lrnReportPerElement(b, channels*pixels, 8)
	})
	b.Run("sliding", func(b *testing.B) {
		for b.Loop() {
			clear(sums)
			for j := 0; j < after; j++ {
				LRNSquaresAdd(sums, row(src, j))
			}
			for c := range channels {
				if c+after < channels {
					LRNSquaresAdd(sums, row(src, c+after))
				}
				if c-before-1 >= 0 {
					squares(sums, row(src, c-before-1), -1)
				}
				LRNScale(row(dst, c), row(src, c), sums, k, scale, 0.75)
			}
		}
		lrnReportPerElement(b, channels*pixels, 8)
	})
}
