package runtime

import (
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZCPUTimeAVX2(t *testing.T) {
	saveA, saveG := active, hasConvGather
	active, hasConvGather = kernelAVX2, false
	defer func() { active, hasConvGather = saveA, saveG }()
	TestZZCPUTime(t)
}

func TestZZCPUTime(t *testing.T) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	for _, s := range convBenchShapes {
		cv := s.cv
		k, n := cv.Depth(), cv.Cols()
		rng := rand.New(rand.NewPCG(12, 12))
		a, src, c := randSlice(rng, s.m*k), randSlice(rng, cv.C*cv.H*cv.W), make([]float32, s.m*n)
		patches := make([]float32, k*n)
		ep := Epilogue{RowBias: randSlice(rng, s.m), ReLU: true}
		flops := 2 * float64(s.m) * float64(n) * float64(k)
		ws := NewWorkspace()
		variants := []struct {
			name string
			f    func()
		}{
			{"im2col+Sgemm", func() { im2colRows(patches, src, &cv); Sgemm(ws, false, false, s.m, n, k, a, k, patches, n, c, n, false, ep) }},
			{"SgemmConv", func() { SgemmConv(ws, s.m, a, k, src, &cv, c, n, false, ep) }},
			{"Sgemm only (B prebuilt)", func() { Sgemm(ws, false, false, s.m, n, k, a, k, patches, n, c, n, false, ep) }},
		}
		res := make([][]float64, len(variants))
		for rep := 0; rep < 40; rep++ {
			for i, v := range variants {
				v.f()
				t0 := threadCPU()
				const iters = 5
				for range iters {
					v.f()
				}
				d := threadCPU() - t0
				res[i] = append(res[i], flops*iters/d.Seconds()/1e9)
			}
		}
		for i, v := range variants {
			r := res[i]
			slices.Sort(r)
			fmt.Printf("%-28s %-24s best %6.1f  median %6.1f GFLOP/s (thread CPU time)\n", s.name, v.name, r[len(r)-1], r[len(r)/2])
		}
	}
}

func TestZZPackGo(t *testing.T) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	for _, s := range convBenchShapes {
		cv := s.cv
		k, n := cv.Depth(), cv.Cols()
		rng := rand.New(rand.NewPCG(12, 12))
		src := randSlice(rng, cv.C*cv.H*cv.W)
		patches := make([]float32, k*n)
		ws := NewWorkspace()
		for _, nr := range []int{16, 32} {
			variants := []struct {
				name string
				f    func()
			}{
				{"im2col+packB", func() {
					im2colRows(patches, src, &cv)
					packAll(ws, k, n, func(p0, kc, j0, nc int) { packB(ws.b, nr, false, patches, n, p0, kc, j0, nc) })
				}},
				{"packConvGo", func() {
					packAll(ws, k, n, func(p0, kc, j0, nc int) { packConvGo(ws.b, nr, &cv, src, p0, kc, j0, nc) })
				}},
				{"packConv (gather)", func() {
					packAll(ws, k, n, func(p0, kc, j0, nc int) { packConv(ws.b, ws.conv, nr, &cv, src, p0, kc, j0, nc) })
				}},
			}
			res := make([][]float64, len(variants))
			for rep := 0; rep < 30; rep++ {
				for i, v := range variants {
					v.f()
					t0 := threadCPU()
					for range 5 {
						v.f()
					}
					res[i] = append(res[i], float64((threadCPU()-t0).Microseconds())/5)
				}
			}
			for i, v := range variants {
				r := res[i]
				slices.Sort(r)
				fmt.Printf("%-28s nr=%d %-20s best %7.0f µs  median %7.0f µs\n", s.name, nr, v.name, r[0], r[len(r)/2])
			}
		}
	}
}
