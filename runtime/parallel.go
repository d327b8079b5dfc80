package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool behind Parallel: Workers()-1 goroutines started at package init, each waiting
// on its own channel, plus the goroutine that calls Parallel. The pool serves one call at a time;
// busy says whether a call holds it.
var pool struct {
	busy    atomic.Bool
	jobs    []chan poolJob // jobs[w-1] feeds worker w
	done    sync.WaitGroup // the chunks handed to workers that are still running
	pending atomic.Int32   // how many of them, for the caller to spin on before it waits
	spare   chan *Workspace
}

// spinFor is how long a worker polls its channel for the next chunk, and the caller the count
// of running chunks, before parking: a Parallel call whose worker has parked pays for its
// wake-up (12–27 µs measured on a 2-core Zen 5, a call of two 17 µs chunks taking 33–45 µs),
// more than many of a batch-1 forward pass's parallel loops take. The polling is bounded, so an
// idle pool costs nothing after it.
const spinFor = 100 * time.Microsecond

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
			for {
				j, ok := poll(ch)
				if !ok {
					j = <-ch
				}
				j.body(j.worker, j.lo, j.hi)
				pool.pending.Add(-1)
				pool.done.Done()
			}
		}()
	}
}

// Workers is the number of workers Parallel uses: GOMAXPROCS at package init (at least 1).
func Workers() int { return workers }

// Parallel runs body(worker, lo, hi) over [0, n) cut into c = min(n, Workers()) contiguous chunks:
// chunk w is [w·n/c, (w+1)·n/c), run as worker w. The cut depends on n and Workers() alone, never
// on what else is running, so that bodies that keep per-worker state (scratch, partial sums added
// up in worker order) compute the same bits whether the process runs one model or several.
//
// The chunks normally run at once, chunk 0 on the calling goroutine and the others on persistent
// goroutines started at package init, and Parallel returns when all are done. Between calls the
// workers poll for the next chunk, and the caller for the workers' end, for a bounded while
// (spinFor) before parking, so that back-to-back calls do not pay a goroutine's wake-up. The
// pool serves one call at a time: a call that finds it busy (concurrent with another call, or
// nested in a body of one) runs the same chunks, with the same worker numbers, one after another
// on the calling goroutine, instead of waiting for the pool (which could deadlock). Either way each worker
// number in [0, c) runs exactly one chunk, so no two bodies of one call share a number.
//
// Worker numbers are unique among the bodies of one call only. A call nested in a body of worker
// w numbers its chunks from 0 again while the outer call's other bodies may be running, with
// those numbers, on other goroutines; and concurrent calls from different goroutines use the same
// numbers at the same time. Per-worker state must therefore belong to one call (as a generated
// model's scratch and partial sums belong to the model, driven by one goroutine), and a body must
// not make a nested call whose bodies index the per-worker state it uses itself.
//
// It allocates nothing itself (callers keep their closures to avoid allocating one per call).
// A body must not panic: a panic on a worker goroutine ends the program.
func Parallel(n int, body func(worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	if n == 1 || workers == 1 || !pool.busy.CompareAndSwap(false, true) {
		runSerial(n, body)
		return
	}
	defer pool.busy.Store(false)
	run(n, body)
}

// run is Parallel for a caller that holds the pool: chunk 0 on the calling goroutine, the others
// on the pool's.
func run(n int, body func(worker, lo, hi int)) {
	c := min(n, workers)
	pool.done.Add(c - 1)
	pool.pending.Add(int32(c - 1))
	for w := 1; w < c; w++ {
		lo, hi := chunk(w, c, n)
		pool.jobs[w-1] <- poolJob{body: body, worker: w, lo: lo, hi: hi}
	}
	defer wait()
	lo, hi := chunk(0, c, n)
	body(0, lo, hi)
}

// poll takes the next chunk from a worker's channel if one comes within spinFor.
func poll(ch chan poolJob) (poolJob, bool) {
	for start := time.Now(); time.Since(start) < spinFor; {
		for range 64 {
			select {
			case j := <-ch:
				return j, true
			default:
			}
		}
	}
	return poolJob{}, false
}

// wait returns when the chunks handed to workers are done: it polls their count for up to
// spinFor, then parks on the WaitGroup (at once if they are done).
func wait() {
	for start := time.Now(); pool.pending.Load() > 0 && time.Since(start) < spinFor; {
	}
	pool.done.Wait()
}

// runSerial is Parallel for a caller that does not hold the pool: run's chunks, in worker order,
// on the calling goroutine. body does not escape, so a closure passed here need not allocate.
func runSerial(n int, body func(worker, lo, hi int)) {
	c := min(n, workers)
	for w := range c {
		lo, hi := chunk(w, c, n)
		body(w, lo, hi)
	}
}

// chunk is chunk w of [0, n) cut into c: [w·n/c, (w+1)·n/c).
func chunk(w, c, n int) (lo, hi int) {
	return w * n / c, (w + 1) * n / c
}
