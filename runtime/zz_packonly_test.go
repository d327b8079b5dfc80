package runtime

import (
	"math/rand/v2"
	"testing"
)

// packAll runs pack over every (jc, pc) block as sgemmOp does with the active kernel.
func packAll(ws *Workspace, k, n int, pack func(p0, kc, j0, nc int)) {
	kern := &kernels[active]
	kcb, ncb := blockSize(k, kern.kc, 1), blockSize(n, kern.nc, kern.nr)
	for jc := 0; jc < n; jc += ncb {
		for pc := 0; pc < k; pc += kcb {
			pack(pc, min(kcb, k-pc), jc, min(ncb, n-jc))
		}
	}
}

func BenchmarkPackOnly(b *testing.B) {
	for _, s := range convBenchShapes {
		cv := s.cv
		k, n := cv.Depth(), cv.Cols()
		rng := rand.New(rand.NewPCG(12, 12))
		src := randSlice(rng, cv.C*cv.H*cv.W)
		patches := make([]float32, k*n)
		ws := NewWorkspace()
		nr := kernels[active].nr
		b.Run("im2col/"+s.name, func(b *testing.B) {
			for b.Loop() {
				im2colRows(patches, src, &cv)
			}
		})
		b.Run("packB/"+s.name, func(b *testing.B) {
			for b.Loop() {
				packAll(ws, k, n, func(p0, kc, j0, nc int) { packB(ws.b, nr, false, patches, n, p0, kc, j0, nc) })
			}
		})
		b.Run("packConvGo/"+s.name, func(b *testing.B) {
			for b.Loop() {
				packAll(ws, k, n, func(p0, kc, j0, nc int) { packConvGo(ws.b, nr, &cv, src, p0, kc, j0, nc) })
			}
		})
		b.Run("packConv/"+s.name, func(b *testing.B) {
			for b.Loop() {
				packAll(ws, k, n, func(p0, kc, j0, nc int) { packConv(ws.b, ws.conv, nr, &cv, src, p0, kc, j0, nc) })
			}
		})
	}
}
