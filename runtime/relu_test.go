package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReLUBackward compares ReLUBackward, in each instruction set the CPU has (then Go for the
// tail) and as the Go twin, with the twin at lengths around the vector width, with zeros,
// negative zeros and NaNs among the outputs and a guard after the gradient.
func TestReLUBackward(t *testing.T) {
	forEachISA(t, &reluISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(5, 6))
		for n := 0; n <= 70; n++ {
			g, y := make([]float32, n+1), make([]float32, n)
			for i := range n {
				g[i] = rng.Float32()*2 - 1
				switch i % 7 {
				case 3:
					y[i] = 0
				case 4:
					y[i] = float32(math.Copysign(0, -1))
				case 5:
					y[i] = float32(math.NaN())
				default:
					y[i] = rng.Float32()*2 - 1
				}
			}
			g[n] = 7 // guard
			want := append([]float32(nil), g...)
			wantSum := reluBackwardGo(want[:n], y)
			sum := ReLUBackward(g[:n], y)
			require.Equal(t, want, g, "n %d", n)
			require.InDelta(t, wantSum, sum, 1e-5, "n %d", n)
			for i, v := range y {
				if v <= 0 {
					require.Zero(t, g[i], "n %d, y[%d] = %g", n, i, v)
				} else {
					require.NotZero(t, g[i], "n %d, y[%d] = %g", n, i, v)
				}
			}
		}
	})
}

// reluSum16 is the sum ReLUBackward returns in assembly for the masked g: its first len(g)&^15
// values in sixteen lanes, lane l taking g[l], g[l+16], … in order, the lanes added up pairwise
// (l + l+8, then + l+4, then + l+2, then lane 0 + lane 1), then the rest in order.
func reluSum16(g []float32) float32 {
	var lanes [16]float32
	n := len(g) &^ 15
	for i, v := range g[:n] {
		lanes[i%16] += v
	}
	for w := 8; w >= 1; w /= 2 {
		for l := range w {
			lanes[l] += lanes[l+w]
		}
	}
	var tail float32
	for _, v := range g[n:] {
		tail += v
	}
	return lanes[0] + tail
}

// TestReLUBackwardSum16 checks the sum of ReLUBackward in each instruction set the CPU has
// against reluSum16, bit for bit (NaN for NaN), so that AVX2 and AVX-512 agree exactly, at
// lengths around the vector width and its unrolling, the gradient's magnitudes spread so that
// the order of the additions shows, with NaNs among the outputs and, in some runs, the gradients.
func TestReLUBackwardSum16(t *testing.T) {
	forEachISA(t, &reluISA, func(t *testing.T, isa ISA) {
		if isa == ISAGo {
			t.Skip("the twin sums in order")
		}
		rng := rand.New(rand.NewPCG(7, 8))
		for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 100, 729, 3025} {
			for _, nanG := range []bool{false, true} {
				g, y := make([]float32, n+1), make([]float32, n)
				for i := range n {
					g[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20)))
					y[i] = rng.Float32()*2 - 1
					if i%9 == 4 {
						y[i] = float32(math.NaN())
					}
				}
				if nanG && n > 0 {
					g[rng.IntN(n)] = float32(math.NaN())
				}
				g[n] = 7 // guard
				want := append([]float32(nil), g...)
				reluBackwardGo(want[:n], y)
				wantSum := reluSum16(want[:n])
				sum := ReLUBackward(g[:n], y)
				require.Equal(t, floatBits(want), floatBits(g), "n %d", n)
				require.Equal(t, floatBits([]float32{wantSum}), floatBits([]float32{sum}), "n %d: sum %v, want %v", n, sum, wantSum)
			}
		}
	})
}

func TestSum(t *testing.T) {
	for n := range 11 {
		x := make([]float32, n)
		var want float32
		for i := range x {
			x[i] = float32(i + 1)
			want += x[i]
		}
		require.Equal(t, want, Sum(x), "n %d", n)
	}
}

func BenchmarkReLUBackward(b *testing.B) {
	g, y := make([]float32, 3025), make([]float32, 3025)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range y {
		y[i] = rng.Float32() - 0.5
	}
	benchISAs(b, &reluISA, func(b *testing.B) {
		b.SetBytes(int64(8 * len(g)))
		for b.Loop() {
			ReLUBackward(g, y)
		}
	})
}
