package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReLUBackward compares ReLUBackward (assembly where the CPU has it, Go for the tail) with
// its Go twin at lengths around the vector width, with zeros, negative zeros and NaNs among the
// outputs and a guard after the gradient.
func TestReLUBackward(t *testing.T) {
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
	b.SetBytes(int64(8 * len(g)))
	for b.Loop() {
		ReLUBackward(g, y)
	}
}
