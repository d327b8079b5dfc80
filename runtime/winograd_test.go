package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWinogradSandwich: WinogradSandwich, in each instruction set the CPU has, equals its Go twin
// bit for bit, for the shapes of Winograd's transforms (α×r coefficients and their transposes, α
// up to 8), with zero coefficients, and with Inf and NaN in X where a zero coefficient must leave
// them out, and with a NaN coefficient, which must not; nothing is written beyond u and t (NaN guards); the twin equals the sandwich
// computed from its definition.
func TestWinogradSandwich(t *testing.T) {
	const guard = 8
	forEachISA(t, &winogradISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, shape := range [][2]int{{4, 3}, {3, 4}, {6, 3}, {3, 6}, {7, 5}, {5, 7}, {8, 3}, {1, 1}, {2, 5}} {
			k, n := shape[0], shape[1]
			l := make([]float64, k*n)
			for i := range l {
				switch i % 4 {
				case 1:
					l[i] = 0
				case 2:
					l[i] = math.Copysign(0, -1)
				default:
					l[i] = float64(rng.IntN(9)-4) / 2
				}
			}
			x := make([]float64, n*n*winogradLanes)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			// Under a zero coefficient only: L's zeros are at i%4 = 1, 2, so row 0 column 1.
			if n > 1 && k > 0 {
				x[(1*n+0)*winogradLanes+3] = math.Inf(1)
				x[(1*n+1)*winogradLanes+5] = math.NaN()
			}
			guarded := func(size int) ([]float64, []float64) {
				buf := make([]float64, size+guard)
				for i := range buf {
					buf[i] = math.NaN()
				}
				return buf, buf[:size]
			}
			ubuf, u := guarded(k * k * winogradLanes)
			tbuf, tt := guarded(k * n * winogradLanes)
			WinogradSandwich(u, tt, x, l, k, n)
			wu, wt := make([]float64, len(u)), make([]float64, len(tt))
			winogradSandwichGo(wu, wt, x, l, k, n)
			for i := range wu {
				require.Equal(t, math.Float64bits(wu[i]), math.Float64bits(u[i]), "%v %d×%d: u[%d] %g, want %g", isa, k, n, i, u[i], wu[i])
			}
			for i := range wt {
				require.Equal(t, math.Float64bits(wt[i]), math.Float64bits(tt[i]), "%v %d×%d: t[%d]", isa, k, n, i)
			}
			for _, g := range append(ubuf[len(u):], tbuf[len(tt):]...) {
				require.True(t, math.IsNaN(g), "%v %d×%d: a guard was written", isa, k, n)
			}
			// The definition, in the lanes of finite X.
			for i := range k {
				for j := range k {
					for o := range winogradLanes {
						if o == 3 || o == 5 {
							continue
						}
						var want float64
						for a := range n {
							for b := range n {
								if l[i*n+a] != 0 && l[j*n+b] != 0 {
									want += l[i*n+a] * x[(a*n+b)*winogradLanes+o] * l[j*n+b]
								}
							}
						}
						got := u[(i*k+j)*winogradLanes+o]
						require.InDelta(t, want, got, 1e-9*(1+math.Abs(want)), "%d×%d: u[%d][%d][%d]", k, n, i, j, o)
					}
				}
			}
			// A NaN coefficient is a term, as in the twin (not a zero).
			nan := append([]float64(nil), l...)
			nan[len(nan)-1] = math.NaN()
			WinogradSandwich(u, tt, x, nan, k, n)
			winogradSandwichGo(wu, wt, x, nan, k, n)
			for i := range wu {
				require.Equal(t, math.IsNaN(wu[i]), math.IsNaN(u[i]), "%v %d×%d, a NaN in L: u[%d] %g, want %g", isa, k, n, i, u[i], wu[i])
				if !math.IsNaN(wu[i]) {
					require.Equal(t, math.Float64bits(wu[i]), math.Float64bits(u[i]), "%v %d×%d, a NaN in L: u[%d]", isa, k, n, i)
				}
			}
		}
	})
}
