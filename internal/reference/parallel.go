package reference

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// parallel calls f(k) for every k in 0…n−1, on as many goroutines as Go may run at once. Each
// call must write only values no other call writes, and compute each in a fixed order, so that
// the result is the serial loop's, bit for bit, whatever the scheduling.
func parallel(n int, f func(k int)) {
	workers := min(n, goruntime.GOMAXPROCS(0))
	if workers <= 1 {
		for k := range n {
			f(k)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := int(next.Add(1)) - 1; k < n; k = int(next.Add(1)) - 1 {
				f(k)
			}
		})
	}
	wg.Wait()
}

// inside returns the range lo…hi−1 of kernel offsets k in 0…size−1 for which start + k falls
// inside 0…limit−1: the part of a window starting at start (negative in the padding) that reads
// the input.
func inside(start, size, limit int) (lo, hi int) {
	return max(0, -start), min(size, limit-start)
}
