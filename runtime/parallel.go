package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// The worker pool behind Parallel: Workers()-1 goroutines started at package init, each waiting
// on its own channel, plus the goroutine that calls Parallel. The pool serves one call at a time;
// busy says whether a call holds it.
var pool struct {
	busy  atomic.Bool
	jobs  []chan poolJob // jobs[w-1] feeds worker w
	done  sync.WaitGroup // the chunks handed to workers that are still running
	spare chan *Workspace
}

// poolJob is one chunk of a Parallel call, run by one worker.
type poolJob struct {
	body   func(worker, lo, hi int)
	worker int
	lo, hi int
}

// workers is Workers(); workspaces[w] is the workspace of worker w in ParallelMultiply.
var (
	workers    = max(1, goruntime.GOMAXPROCS(0))
	workspaces = make([]*Workspace, workers)
)

func init() {
	pool.jobs = make([]chan poolJob, workers-1)
	pool.spare = make(chan *Workspace, 4)
	for w := range workspaces {
		workspaces[w] = NewWorkspace()
	}
	for w := 1; w < workers; w++ {
		ch := make(chan poolJob, 1)
		pool.jobs[w-1] = ch
		go func() {
			for j := range ch {
				j.body(j.worker, j.lo, j.hi)
				pool.done.Done()
			}
		}()
	}
}

// Workers is the number of workers Parallel uses: GOMAXPROCS at package init (at least 1).
func Workers() int { return workers }

// Parallel runs body(worker, lo, hi) over a partition of [0, n) into at most Workers() contiguous chunks,
// one per worker, on persistent goroutines started once (the caller's goroutine runs one chunk itself), and returns
// when all are done. worker is in [0, Workers()). It allocates nothing itself (callers keep their closures to avoid
// allocating one per call).
//
// Calls may be nested or concurrent from different goroutines without deadlock: the pool serves
// one call at a time, and a call that finds it busy (or has n = 1, or a pool of one) runs
// body(0, 0, n) on the calling goroutine instead of waiting. Worker numbers are therefore unique
// among the bodies of one call only. Chunk w is [w·n/c, (w+1)·n/c) with c = min(n, Workers()).
// A body must not panic: a panic on a worker goroutine ends the program.
func Parallel(n int, body func(worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	if n == 1 || workers == 1 || !pool.busy.CompareAndSwap(false, true) {
		body(0, 0, n)
		return
	}
	defer pool.busy.Store(false)
	run(n, body)
}

// run is Parallel for a caller that holds the pool.
func run(n int, body func(worker, lo, hi int)) {
	c := min(n, workers)
	pool.done.Add(c - 1)
	for w := 1; w < c; w++ {
		pool.jobs[w-1] <- poolJob{body: body, worker: w, lo: w * n / c, hi: (w + 1) * n / c}
	}
	defer pool.done.Wait()
	body(0, 0, n/c)
}
