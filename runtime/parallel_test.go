package runtime

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// coverage counts, for one Parallel call over [0, n), how often each index was visited, and
// checks each chunk's worker number.
type coverage struct {
	t      *testing.T
	counts []atomic.Int32
	bad    atomic.Int32 // chunks with a worker out of range or an empty or inverted range
}

func newCoverage(t *testing.T, n int) *coverage {
	return &coverage{t: t, counts: make([]atomic.Int32, n)}
}

func (cv *coverage) body(worker, lo, hi int) {
	if worker < 0 || worker >= Workers() || lo >= hi {
		cv.bad.Add(1)
	}
	for i := lo; i < hi; i++ {
		cv.counts[i].Add(1)
	}
}

func (cv *coverage) requireOnce(what string) {
	cv.t.Helper()
	require.Zero(cv.t, cv.bad.Load(), "%s: a chunk with a bad worker or range", what)
	for i := range cv.counts {
		require.EqualValues(cv.t, 1, cv.counts[i].Load(), "%s: index %d of %d", what, i, len(cv.counts))
	}
}

// TestParallelCoversEachIndexOnce checks the partition for n = 0…100, and that chunks are
// min(n, Workers()) of them, on distinct workers (coverage checks they are non-empty).
func TestParallelCoversEachIndexOnce(t *testing.T) {
	for n := 0; n <= 100; n++ {
		cv := newCoverage(t, n)
		var mu sync.Mutex
		var chunks [][3]int
		Parallel(n, func(w, lo, hi int) {
			cv.body(w, lo, hi)
			mu.Lock()
			chunks = append(chunks, [3]int{w, lo, hi})
			mu.Unlock()
		})
		cv.requireOnce("Parallel")
		require.Len(t, chunks, min(n, Workers()), "n=%d: chunks", n)
		workers := map[int]bool{}
		for _, ch := range chunks {
			require.False(t, workers[ch[0]], "n=%d: worker %d ran two chunks", n, ch[0])
			workers[ch[0]] = true
		}
	}
}

// TestParallelNested checks that Parallel called inside Parallel's bodies covers every pair once.
func TestParallelNested(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 33} {
		outer := newCoverage(t, n)
		inner := make([]*coverage, n)
		for i := range inner {
			inner[i] = newCoverage(t, 2*n+1)
		}
		Parallel(n, func(w, lo, hi int) {
			outer.body(w, lo, hi)
			for i := lo; i < hi; i++ {
				Parallel(len(inner[i].counts), inner[i].body)
			}
		})
		outer.requireOnce("outer")
		for i := range inner {
			inner[i].requireOnce("inner")
		}
	}
}

// TestParallelConcurrent checks calls from several goroutines at once.
func TestParallelConcurrent(t *testing.T) {
	const goroutines, calls = 4, 200
	var wg sync.WaitGroup
	cvs := make([][]*coverage, goroutines)
	for g := range cvs {
		cvs[g] = make([]*coverage, calls)
		for c := range cvs[g] {
			cvs[g][c] = newCoverage(t, (g*calls+c)%50)
		}
		wg.Go(func() {
			for _, cv := range cvs[g] {
				Parallel(len(cv.counts), cv.body)
			}
		})
	}
	wg.Wait()
	for g := range cvs {
		for _, cv := range cvs[g] {
			cv.requireOnce("concurrent")
		}
	}
}

// TestParallelAllocs checks that Parallel allocates nothing given a body made once, whether
// the pool is free or busy.
func TestParallelAllocs(t *testing.T) {
	for _, state := range contention {
		var sum atomic.Int64
		body := func(w, lo, hi int) { sum.Add(int64(hi - lo)) }
		state.run(t, func() {
			allocs := testing.AllocsPerRun(100, func() { Parallel(1000, body) })
			require.Zero(t, allocs, "pool %s", state.name)
		})
		require.EqualValues(t, 1000*101, sum.Load(), "pool %s", state.name) // AllocsPerRun runs once more to warm up
	}
}

// TestParallelMultiply checks ParallelMultiply against the naive reference, including shapes
// that split along M, along N, and that are too small to split, and against Multiply, bit for
// bit, on every product that cannot take the dot-product path (see Multiply).
func TestParallelMultiply(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	ws := NewWorkspace()
	cases := gemmCases(true)
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for _, s := range [][3]int{{700, 20, 100}, {20, 700, 100}, {97, 203, 77}, {384, 169, 300}, {1, 1000, 600}, {1000, 1, 600}} {
				cases = append(cases, gemmCase{transA: tA, transB: tB, m: s[0], n: s[1], k: s[2], pad: 1,
					acc: s[0]%2 == 1, colBias: s[1]%2 == 1, relu: true})
			}
		}
	}
	for _, g := range cases {
		d := newGemmData(rng, g)
		c0 := append([]float32(nil), d.c...)
		p := d.product(g)
		ParallelMultiply(p)
		d.check(t, g, "ParallelMultiply")
		if g.transA || !g.transB {
			got := append([]float32(nil), d.c...)
			copy(d.c, c0)
			Multiply(ws, p)
			for i, v := range got {
				if w := d.c[i]; math.Float32bits(v) != math.Float32bits(w) && !(isNaN(v) && isNaN(w)) {
					require.Failf(t, "ParallelMultiply differs from Multiply", "%v: c[%d][%d] = %v, Multiply gives %v", g, i/d.ldc, i%d.ldc, v, w)
				}
			}
		}
	}
}

// TestParallelMultiplyNestedAndConcurrent runs ParallelMultiply inside Parallel's bodies and
// from several goroutines at once; each product must still be right.
func TestParallelMultiplyNestedAndConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	const count = 8
	gs := make([]gemmCase, count)
	ds := make([]*gemmData, count)
	reset := func() {
		for i := range gs {
			gs[i] = gemmCase{transA: i%2 == 0, transB: i%3 == 0, m: 60 + 13*i, n: 90 - 7*i, k: 200, colBias: true, relu: true}
			ds[i] = newGemmData(rng, gs[i])
		}
	}
	product := func(i int) { ParallelMultiply(ds[i].product(gs[i])) }

	reset()
	Parallel(count, func(w, lo, hi int) {
		for i := lo; i < hi; i++ {
			product(i)
		}
	})
	for i := range gs {
		ds[i].check(t, gs[i], "nested ParallelMultiply")
	}

	reset()
	var wg sync.WaitGroup
	for i := range gs {
		wg.Go(func() { product(i) })
	}
	wg.Wait()
	for i := range gs {
		ds[i].check(t, gs[i], "concurrent ParallelMultiply")
	}
}

// TestParallelMultiplyAllocs checks that ParallelMultiply allocates nothing in steady state,
// for products split along M, along N, and not split, whether the pool is free or busy.
func TestParallelMultiplyAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, g := range []gemmCase{{m: 500, n: 40, k: 300, colBias: true}, {m: 40, n: 500, k: 300, colBias: true}, {m: 3, n: 4, k: 5}} {
		p := newGemmData(rng, g).product(g)
		for _, state := range contention {
			state.run(t, func() {
				allocs := testing.AllocsPerRun(10, func() { ParallelMultiply(p) })
				require.Zero(t, allocs, "%v, pool %s", g, state.name)
			})
		}
	}
}
