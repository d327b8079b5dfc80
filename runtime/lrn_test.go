package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// lrnBound is the relative error allowed an LRNScale kernel against float64: two roundings, and
// terms below 2^-30. lrnTol is the relative error allowed between a kernel and its twin: two
// roundings and the twin's one.
const (
	lrnBound = 2*0x1p-24 + 0x1p-30
	lrnTol   = 3*0x1p-24 + 0x1p-30
)

// lrnLengths are the row lengths the kernels are tested at: every length to 70, then around
// multiples of both vector widths, and AlexNet's rows (27², 55²).
func lrnLengths() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	for _, m := range []int{80, 96, 128, 256} {
		ns = append(ns, m-1, m, m+1)
	}
	return append(ns, 729, 3025)
}

// lrnFill sets s[i] = f() for every i.
func lrnFill(s []float32, f func() float32) {
	for i := range s {
		s[i] = f()
	}
}

// lrnLogUniform returns a function drawing values whose logarithm is uniform in [log lo, log hi).
func lrnLogUniform(rng *rand.Rand, lo, hi float64) func() float32 {
	return func() float32 { return float32(lo * math.Pow(hi/lo, rng.Float64())) }
}

// TestSquaresMatchTwin runs each squares kernel against squaresGo, adding and subtracting, at
// every length in lrnLengths, with NaN guards around both rows: the bits must agree.
func TestSquaresMatchTwin(t *testing.T) {
	forEachISA(t, &lrnISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(21, uint64(isa)))
		for _, n := range lrnLengths() {
			for _, sign := range []float32{1, -1} {
				name := fmt.Sprintf("n=%d sign=%v", n, sign)
				xBuf, x := guarded(rng, n)
				gotBuf, got := guarded(rng, n)
				lrnFill(x[:n], func() float32 { return float32(rng.NormFloat64() * 30) })
				lrnFill(got[:n], func() float32 { return float32(rng.Float64() * 1e3) })
				want := append([]float32(nil), got[:n]...)
				squaresGo(want, x[:n], sign)
				squares(got[:n], x[:n], sign)
				requireGuards(t, xBuf, n, name+": x")
				requireGuards(t, gotBuf, n, name+": sums")
				for i := range want {
					require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "%s: sums[%d] = %v, want %v", name, i, got[i], want[i])
				}
			}
		}
	})
}

// TestLRNScaleMatchesTwin runs each LRNScale kernel against lrnScaleGo for each of its βs, at
// every length in lrnLengths, with AlexNet's k and α (t near 2) and with k = 0, α = 1 (t from
// 1e-3 to 1e6), with NaN guards around the three rows; then in place (b = a).
func TestLRNScaleMatchesTwin(t *testing.T) {
	forEachISA(t, &lrnISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(22, uint64(isa)))
		for mode, beta := range lrnBetas {
			for _, c := range []struct{ k, alpha, lo, hi float32 }{{2, 1e-4, 0, 2e4}, {0, 1, 1e-3, 1e6}} {
				for _, n := range lrnLengths() {
					name := fmt.Sprintf("beta=%v k=%v alpha=%v n=%d", beta, c.k, c.alpha, n)
					aBuf, a := guarded(rng, n)
					sBuf, sums := guarded(rng, n)
					gotBuf, got := guarded(rng, n)
					lrnFill(a[:n], func() float32 { return float32(rng.NormFloat64() * 10) })
					if c.lo > 0 {
						lrnFill(sums[:n], lrnLogUniform(rng, float64(c.lo), float64(c.hi)))
					} else {
						lrnFill(sums[:n], func() float32 { return c.hi * rng.Float32() })
					}
					want := make([]float32, n)
					lrnScaleGo(want, a[:n], sums[:n], c.k, c.alpha, beta)
					lrnScale(got[:n], a[:n], sums[:n], c.k, c.alpha, mode)
					requireGuards(t, aBuf, n, name+": a")
					requireGuards(t, sBuf, n, name+": sums")
					requireGuards(t, gotBuf, n, name+": b")
					requireLRNAgree(t, got[:n], want, name)

					lrnScale(a[:n], a[:n], sums[:n], c.k, c.alpha, mode)
					requireLRNAgree(t, a[:n], want, name+" in place")
				}
			}
		}
	})
}

// requireLRNAgree fails unless got and want agree elementwise as lrnAgree says.
func requireLRNAgree(t *testing.T, got, want []float32, name string) {
	t.Helper()
	for i := range want {
		if !lrnAgree(got[i], want[i]) {
			require.Failf(t, "kernel and twin differ", "%s: b[%d] = %v, want %v (relative error %.3g)",
				name, i, got[i], want[i], math.Abs(float64(got[i])/float64(want[i])-1))
		}
	}
}

// lrnAgree reports whether a kernel's value agrees with its twin's: the same NaN-ness, infinity,
// and signed zero, and otherwise a relative error within lrnTol or an absolute error within one
// subnormal step each way (results so small that they lose precision).
func lrnAgree(got, want float32) bool {
	g, w := float64(got), float64(want)
	switch {
	case math.IsNaN(w) || math.IsNaN(g):
		return math.IsNaN(w) && math.IsNaN(g)
	case math.IsInf(w, 0) || math.IsInf(g, 0):
		return g == w
	case g == 0 && w == 0:
		return math.Signbit(g) == math.Signbit(w)
	}
	return math.Abs(g-w) <= lrnTol*math.Abs(w)+0x1p-148
}

// TestLRNScaleSpecial puts special values of a and of t = k + α·sums, one at a time, at positions
// across the blocks of a row of ordinary values (in the first block, the middle, the masked
// tail), and checks each kernel against its twin: a t that is not a positive normal float32 is
// left to the twin, block and all, and NaN, ±Inf and −0 come out as the twin's.
func TestLRNScaleSpecial(t *testing.T) {
	const n = 40
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	cases := []struct {
		name           string
		k, alpha, a, s float32
	}{
		{"zero sums", 2, 1e-4, 3, 0},
		{"t = 0", 0, 1, 3, 0},
		{"t = 0, a = 0", 0, 1, 0, 0},
		{"t = 0, a < 0", 0, 1, -3, 0},
		{"a = 0", 2, 1e-4, 0, 5},
		{"a = −0", 2, 1e-4, float32(math.Copysign(0, -1)), 5},
		{"a < 0", 2, 1e-4, -7, 5},
		{"a = +Inf", 2, 1e-4, inf, 5},
		{"a = −Inf", 2, 1e-4, -inf, 5},
		{"a = NaN", 2, 1e-4, nan, 5},
		{"sums = NaN", 2, 1e-4, 1, nan},
		{"sums = +Inf", 2, 1e-4, 1, inf},
		{"sums = +Inf, a = Inf", 2, 1e-4, inf, inf},
		{"huge sums", 2, 1, 5, 3e38},
		{"t overflows", 2, 10, 5, 3e38},
		{"t = MaxFloat32", 0, 1, 1e-3, math.MaxFloat32},
		{"t = smallest normal", 0, 1, 1e-3, 0x1p-126},
		{"t subnormal", 0, 1, 1e-3, 0x1p-140},
		{"t negative", 2, -1, 1, 5},
		{"t = −0", float32(math.Copysign(0, -1)), 1, 1, float32(math.Copysign(0, -1))},
		{"t = −Inf", 2, -1, 1, inf},
	}
	forEachISA(t, &lrnISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(23, uint64(isa)))
		for mode, beta := range lrnBetas {
			for _, c := range cases {
				for _, p := range []int{0, 7, 8, 15, 16, 31, 32, 39} {
					name := fmt.Sprintf("%s at %d, beta=%v", c.name, p, beta)
					a, sums := make([]float32, n), make([]float32, n)
					lrnFill(a, func() float32 { return 2*rng.Float32() - 1 })
					lrnFill(sums, func() float32 { return 100 * rng.Float32() })
					if c.k < 1 || c.alpha != 1e-4 {
						// Keep the other values' t positive and normal with these k and α.
						for i := range sums {
							sums[i] = (1 + sums[i]) * float32(math.Copysign(1, float64(c.alpha)))
						}
					}
					a[p], sums[p] = c.a, c.s
					got, want := make([]float32, n), make([]float32, n)
					lrnScaleGo(want, a, sums, c.k, c.alpha, beta)
					lrnScale(got, a, sums, c.k, c.alpha, mode)
					requireLRNAgree(t, got, want, name)
				}
			}
		}
	})
}

// TestLRNAccuracy measures each LRNScale kernel's (and the twin's) largest relative error
// against float64 over a million random t log-uniform in [1e-3, 1e6] and a uniform in [−1, 1),
// for each of the βs with assembly: t^−β is all there is to get wrong, since with k = 0 and
// α = 1, t is sums exactly.
func TestLRNAccuracy(t *testing.T) {
	n := 1 << 20
	if testing.Short() {
		n = 1 << 14
	}
	rng := rand.New(rand.NewPCG(24, 24))
	a, sums, b := make([]float32, n), make([]float32, n), make([]float32, n)
	lrnFill(sums, lrnLogUniform(rng, 1e-3, 1e6))
	lrnFill(a, func() float32 { return 2*rng.Float32() - 1 })
	forEachISA(t, &lrnISA, func(t *testing.T, isa ISA) {
		for mode, beta := range lrnBetas {
			lrnScale(b, a, sums, 0, 1, mode)
			worst, at := 0.0, 0
			for i := range b {
				want := float64(a[i]) * math.Pow(float64(sums[i]), -float64(beta))
				if e := math.Abs(float64(b[i])-want) / math.Abs(want); e > worst {
					worst, at = e, i
				}
			}
			t.Logf("beta=%v: max relative error %.3g (%.2f·2^-24) at t=%v, a=%v", beta, worst, worst*0x1p24, sums[at], a[at])
			require.LessOrEqual(t, worst, lrnBound, "beta=%v at t=%v, a=%v", beta, sums[at], a[at])
		}
	})
}

// TestLRNScaleAnyBeta checks LRNScale for βs without assembly (and those with) against float64,
// from the same float32 t.
func TestLRNScaleAnyBeta(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 25))
	const n = 77
	a, sums, b := make([]float32, n), make([]float32, n), make([]float32, n)
	lrnFill(a, func() float32 { return float32(rng.NormFloat64()) })
	lrnFill(sums, lrnLogUniform(rng, 1e-2, 1e4))
	const k, alpha float32 = 1.5, 0.3
	for _, beta := range []float32{0, 0.6, 0.75, 0.9, 0.5, 1, 2, -0.5} {
		LRNScale(b, a, sums, k, alpha, beta)
		for i := range b {
			t64 := float64(float32(float64(k) + float64(alpha)*float64(sums[i])))
			want := float64(a[i]) * math.Pow(t64, -float64(beta))
			require.InEpsilon(t, want, b[i], lrnBound, "beta=%v: b[%d]", beta, i)
		}
	}
}

// TestWindowSums compares the two ways of summing a window's squares, with size 5 as AlexNet's,
// on the worst case for the sliding window: channels of values near 1e3 followed by channels
// near 1e-3. Recomputing each window directly (clear, then LRNSquaresAdd over its channels) is
// within a few float32 roundings of the float64 sums everywhere; the sliding window (LRNSquaresAdd
// the channel entering, squares with sign −1 the one leaving) keeps the big squares' rounding
// error, ~1e6·2^-24, in the small windows' sums, whose true value is ~5e-6: it is off by orders
// of magnitude. With AlexNet's k = 2 and α = 1e-4 that is still a small error in the output, but
// it grows as k shrinks and α grows. The generated code recomputes each window.
func TestWindowSums(t *testing.T) {
	const channels, pixels, size = 16, 64, 5
	const k, alpha, beta = 2, 1e-4, 0.75
	rng := rand.New(rand.NewPCG(26, 26))
	x := make([]float32, channels*pixels)
	for c := range channels {
		scale := 1e3
		if c >= channels/2 {
			scale = 1e-3
		}
		lrnFill(x[c*pixels:(c+1)*pixels], func() float32 { return float32(scale * (1 + rng.Float64())) })
	}
	row := func(c int) []float32 { return x[c*pixels : (c+1)*pixels] }
	direct, sliding := make([]float32, pixels), make([]float32, pixels)
	bDirect, bSliding := make([]float32, pixels), make([]float32, pixels)
	var sumDirect, sumSliding, outDirect, outSliding float64 // the largest relative errors
	for c := range channels {
		lo, hi := max(0, c-size/2), min(channels-1, c+(size-1)/2)
		clear(direct)
		for j := lo; j <= hi; j++ {
			LRNSquaresAdd(direct, row(j))
		}
		if c == 0 {
			for j := lo; j <= hi; j++ {
				LRNSquaresAdd(sliding, row(j))
			}
		} else {
			if hi > c-1+(size-1)/2 {
				LRNSquaresAdd(sliding, row(hi))
			}
			if c-1-size/2 >= 0 {
				squares(sliding, row(c-1-size/2), -1)
			}
		}
		LRNScale(bDirect, row(c), direct, k, alpha, beta)
		LRNScale(bSliding, row(c), sliding, k, alpha, beta)
		for q := range pixels {
			var sum float64
			for j := lo; j <= hi; j++ {
				v := float64(row(j)[q])
				sum += v * v
			}
			out := float64(row(c)[q]) * math.Pow(k+float64(float32(alpha))*sum, -beta)
			sumDirect = max(sumDirect, math.Abs(float64(direct[q])/sum-1))
			sumSliding = max(sumSliding, math.Abs(float64(sliding[q])/sum-1))
			outDirect = max(outDirect, math.Abs(float64(bDirect[q])/out-1))
			outSliding = max(outSliding, math.Abs(float64(bSliding[q])/out-1))
		}
	}
	t.Logf("largest relative error of a window's sum: direct %.3g, sliding %.3g", sumDirect, sumSliding)
	t.Logf("largest relative error of the output (k=%v, α=%v): direct %.3g, sliding %.3g", k, alpha, outDirect, outSliding)
	require.Less(t, sumDirect, 5*0x1p-24)
	require.Less(t, outDirect, 2*lrnBound)
	require.Greater(t, sumSliding, 1.0, "the sliding window has become exact: reconsider it")
}

// TestLRNNoAllocs checks that the exported functions allocate nothing.
func TestLRNNoAllocs(t *testing.T) {
	const n = 100
	a, sums, b := make([]float32, n), make([]float32, n), make([]float32, n)
	lrnFill(a, func() float32 { return 1 })
	allocs := testing.AllocsPerRun(20, func() {
		clear(sums)
		LRNSquaresAdd(sums, a)
		LRNScale(b, a, sums, 2, 1e-4, 0.75)
		LRNScale(b, a, sums, 0, 1, 0.75) // t = 0: the twin's blocks
		LRNScale(b, a, sums, 2, 1e-4, 0.6)
	})
	require.Zero(t, allocs)
}

// TestLRNLengths checks that rows of different lengths are refused.
func TestLRNLengths(t *testing.T) {
	s3, s4 := make([]float32, 3), make([]float32, 4)
	require.PanicsWithValue(t, "runtime: LRNSquaresAdd: len(x) = 4, want 3", func() { LRNSquaresAdd(s3, s4) })
	require.PanicsWithValue(t, "runtime: LRNScale: len(a) = 4, want 3", func() { LRNScale(s3, s4, s3, 1, 1, 0.75) })
	require.PanicsWithValue(t, "runtime: LRNScale: len(sums) = 4, want 3", func() { LRNScale(s3, s3, s4, 1, 1, 0.75) })
}

// TestLRNWindowMatchesTwin runs each window kernel against lrnWindowGo, bit for bit, for block
// counts, chunks and windows around its edges (AlexNet's 2…2, none, one-sided, the widest 16…16),
// summing squares (LRNWindowSquares) and values (LRNWindowSums), with NaN guards around the
// sums, and the twin against the sums from their definition in float64.
func TestLRNWindowMatchesTwin(t *testing.T) {
	forEachISA(t, &lrnISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(23, uint64(isa)))
		for _, blocks := range []int{1, 2, 6} {
			for _, n := range []int{1, 3, 7} {
				for _, w := range [][2]int{{2, 2}, {0, 0}, {1, 0}, {0, 3}, {16, 16}, {5, 11}} {
					for _, square := range []bool{true, false} {
						name := fmt.Sprintf("%d blocks, %d pixels, window %d…%d, squares %v", blocks, n, w[0], w[1], square)
						pixels := n + 2
						_, a := guarded(rng, blocks*pixels*16)
						lrnFill(a[:blocks*pixels*16], func() float32 { return float32(rng.NormFloat64() * 30) })
						row := make([]float32, 16*blocks+32)
						gotBuf, got := guarded(rng, blocks*n*16)
						want := make([]float32, blocks*n*16)
						lrnWindowGo(want, a, make([]float32, 16*blocks+32), blocks, pixels, n, w[0], w[1], square)
						lrnWindow(got, a, row, blocks, pixels, n, w[0], w[1], square)
						requireGuards(t, gotBuf, blocks*n*16, name+": sums")
						for i := range want {
							require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "%s: sums[%d] = %v, want %v", name, i, got[i], want[i])
						}
						for cb := range blocks {
							for q := range n {
								for l := range 16 {
									c := cb*16 + l
									var s, abs float64 // the sum, and of the magnitudes: the float32 sum's error bound
									for j := max(0, c-w[0]); j <= min(16*blocks-1, c+w[1]); j++ {
										v := float64(a[(j/16*pixels+q)*16+j%16])
										if square {
											v *= v
										}
										s, abs = s+v, abs+math.Abs(v)
									}
									require.InDelta(t, s, float64(want[(cb*n+q)*16+l]), 1e-5*(1+abs), "%s: channel %d pixel %d", name, c, q)
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestLRNSubProduct compares LRNSubProduct in each instruction set (assembly, Go for the tail)
// with its Go twin, bit for bit, at every length to 70, with NaN guards around x, a and t.
func TestLRNSubProduct(t *testing.T) {
	forEachISA(t, &lrnISA, checkLRNSubProduct)
}

// checkLRNSubProduct runs TestLRNSubProduct in one instruction set.
func checkLRNSubProduct(t *testing.T, isa ISA) {
	rng := rand.New(rand.NewPCG(15, 15))
	for n := 0; n <= 70; n++ {
		xBuf, x := guarded(rng, n)
		_, a := guarded(rng, n)
		_, tt := guarded(rng, n)
		want := append([]float32(nil), x[:n]...)
		subProductGo(want, a[:n], tt[:n], 3e-5)
		LRNSubProduct(x[:n], a[:n], tt[:n], 3e-5)
		requireGuards(t, xBuf, n, fmt.Sprintf("n %d: x", n))
		for i := range want {
			require.Equal(t, math.Float32bits(want[i]), math.Float32bits(x[i]), "n %d, x[%d]", n, i)
		}
	}
}
