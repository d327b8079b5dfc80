package runtime

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The tests here check that Parallel and ParallelMultiply split the work the same way whatever
// else is running, so that results never depend on it.

// contention lists the states a call can find the pool in; each run calls f in its state.
var contention = []struct {
	name string
	run  func(t *testing.T, f func())
}{
	{"free", func(t *testing.T, f func()) {
		require.False(t, pool.busy.Load(), "the pool is busy before the test")
		f()
	}},
	// A call on another goroutine holds the pool, its body blocked until f returns.
	{"held", func(t *testing.T, f func()) {
		held, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() {
			Parallel(Workers(), func(w, lo, hi int) {
				if w == 0 {
					close(held)
					<-release
				}
			})
			close(done)
		}()
		<-held
		require.Equal(t, Workers() > 1, pool.busy.Load(), "the pool is not held")
		f()
		close(release)
		<-done
	}},
	// f runs in a body of a call that holds the pool.
	{"nested", func(t *testing.T, f func()) {
		Parallel(2, func(w, lo, hi int) {
			if w == 0 {
				require.Equal(t, Workers() > 1, pool.busy.Load(), "the pool is not held")
				f()
			}
		})
	}},
}

// TestParallelSplitIgnoresContention checks that Parallel makes the same calls, chunk w =
// [w·n/c, (w+1)·n/c) as worker w with c = min(n, Workers()), whether the pool is free or busy.
func TestParallelSplitIgnoresContention(t *testing.T) {
	for n := 0; n <= 3*Workers()+5; n++ {
		var want [][3]int
		if c := min(n, Workers()); c > 0 {
			for w := range c {
				want = append(want, [3]int{w, w * n / c, (w + 1) * n / c})
			}
		}
		for _, state := range contention {
			var mu sync.Mutex
			var got [][3]int
			state.run(t, func() {
				Parallel(n, func(w, lo, hi int) {
					mu.Lock()
					got = append(got, [3]int{w, lo, hi})
					mu.Unlock()
				})
			})
			slices.SortFunc(got, func(a, b [3]int) int { return cmp.Compare(a[0], b[0]) })
			require.Equal(t, want, got, "n=%d, pool %s: the calls (worker, lo, hi)", n, state.name)
		}
	}
}

// TestParallelMultiplySplitIgnoresContention checks that ParallelMultiply gives the same bits
// whether the pool is free or busy, for products split along M, along N and not at all, and for
// products whose pieces take the dot-product path when the whole does not (A Dense, B
// Dense(…).T(), a piece with at most 32 rows or columns): the case where computing the whole
// instead of the pieces would change the result.
func TestParallelMultiplySplitIgnoresContention(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	ws := NewWorkspace()
	w := Workers()
	var alongM, alongN, notMultiply int
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for _, s := range [][3]int{{700, 20, 100}, {20, 700, 100}, {40, 40, 400}, {100, 64, 100},
				{30 * w, 40, 400}, {40, 30 * w, 400}, {3, 4, 5}} {
				g := gemmCase{transA: tA, transB: tB, m: s[0], n: s[1], k: s[2], pad: 1, colBias: true, relu: true}
				if splitM, tiles := splitProduct(g.m, g.n, g.k); tiles > 1 && splitM {
					alongM++
				} else if tiles > 1 {
					alongN++
				}
				d := newGemmData(rng, g)
				c0 := slices.Clone(d.c)
				p := d.product(g)
				var want []float32
				for _, state := range contention {
					copy(d.c, c0)
					state.run(t, func() { ParallelMultiply(p) })
					if want == nil {
						d.check(t, g, "ParallelMultiply")
						want = slices.Clone(d.c)
						continue
					}
					requireSameBits(t, want, d.c, fmt.Sprintf("%v, pool %s: ParallelMultiply differs from its run on a free pool", g, state.name))
				}
				copy(d.c, c0)
				Multiply(ws, p)
				if !slices.EqualFunc(want, d.c, sameBits) {
					notMultiply++
				}
			}
		}
	}
	if w > 1 {
		require.Positive(t, alongM, "no product is split along M")
		require.Positive(t, alongN, "no product is split along N")
	}
	if w > 1 && gemmISA == ISAAVX512 {
		require.Positive(t, notMultiply, "no product's pieces take the dot-product path when the whole does not")
	}
}

// TestParallelReductionsUnderLoad runs, on several goroutines at once, a sequence of reductions
// whose float32 result depends on the split (per-worker partial sums added in worker order, as
// generated code sums parameter gradients) and of products whose pieces may take the dot-product
// path; each goroutine must get, bit for bit, what one run alone gets.
func TestParallelReductionsUnderLoad(t *testing.T) {
	const goroutines, repeats = 4, 4
	rng := rand.New(rand.NewPCG(9, 9))
	data := make([]float32, 20000)
	for i := range data {
		// Magnitudes spread over many binades, so that the order of the additions shows.
		data[i] = float32(rng.NormFloat64() * math.Exp(10*rng.Float64()))
	}
	lone := splitWorkload(data)
	for r := range repeats {
		results := make([][]float32, goroutines)
		var wg sync.WaitGroup
		for g := range results {
			wg.Go(func() { results[g] = splitWorkload(data) })
		}
		wg.Wait()
		for g, got := range results {
			requireSameBits(t, lone, got, fmt.Sprintf("repeat %d, goroutine %d: results differ from a lone run", r, g))
		}
	}
}

// splitWorkload is TestParallelReductionsUnderLoad's sequence, with its own per-worker state as a
// model has; it returns every result.
func splitWorkload(data []float32) []float32 {
	sums := make([]float32, Workers())
	var out []float32
	for n := 1; n <= len(data); n += 1 + n/4 {
		clear(sums)
		Parallel(n, func(w, lo, hi int) {
			for _, v := range data[lo:hi] {
				sums[w] += v
			}
		})
		total := sums[0]
		for _, s := range sums[1:] {
			total += s
		}
		out = append(out, total)
	}
	// 40×40×400 and 100×64×100 with A Dense and B Dense(…).T(): pieces that take the dot-product
	// path on two workers with AVX-512, where the whole does not.
	for _, s := range [][3]int{{40, 40, 400}, {100, 64, 100}} {
		m, n, k := s[0], s[1], s[2]
		c := make([]float32, m*n)
		ParallelMultiply(Product{M: m, N: n, K: k, A: Dense(data[:m*k], k), B: Dense(data[len(data)-n*k:], k).T(), C: c, LDC: n})
		out = append(out, c...)
	}
	return out
}

// sameBits says whether a and b are the same float32, bit for bit.
func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// requireSameBits fails, naming what and the first differing index, unless got is want bit for bit.
func requireSameBits(t *testing.T, want, got []float32, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if !sameBits(want[i], got[i]) {
			require.Failf(t, what, "[%d] = %v (%#08x), want %v (%#08x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}
