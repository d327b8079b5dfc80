package runtime

// ParallelMultiply is Multiply split over all workers (see Parallel), each using its own
// Workspace owned by the runtime. It cuts C into pieces along whichever of M or N gives balanced,
// tile-aligned pieces, and gives worker w the tiles of Parallel's chunk w. The result is bit for
// bit Multiply's, but for products that may take the dot-product path (see Multiply), where a
// worker's piece may take it when the whole does not.
//
// The pieces depend on the shape and Workers() alone, never on what else is running: a call
// that finds the pool busy (nested in a Parallel body, or concurrent with another call) computes
// the same pieces one after another on the calling goroutine, with a spare workspace (allocating
// one only if every spare is in use), and so gives the same bits as the parallel run. Products
// too small to be worth splitting are computed whole on the calling goroutine.
//
// Splitting along M makes every worker pack all of B, along N all of A; the split is the one
// whose slowest piece has the least work, counting the padded tiles it multiplies and the
// elements it packs. It allocates nothing in steady state, and panics as Multiply does.
func ParallelMultiply(p Product) {
	p.check("ParallelMultiply")
	s := productSplit{p: p}
	s.splitM, s.tiles = splitProduct(p.M, p.N, p.K)
	if !pool.busy.CompareAndSwap(false, true) {
		ws := getSpare()
		runSerial(s.tiles, func(_, lo, hi int) { s.multiply(ws, lo, hi) })
		putSpare(ws)
		return
	}
	defer pool.busy.Store(false)
	parallelProduct = s
	run(s.tiles, multiplyChunk)
	parallelProduct = productSplit{} // let go of the caller's matrices
}

// productSplit is a product cut for ParallelMultiply into tiles along M (of mr rows) or along N
// (of nr columns); tiles ≤ 1 means it is not cut.
type productSplit struct {
	p      Product
	splitM bool
	tiles  int
}

// parallelProduct is the product of the ParallelMultiply call that holds the pool, read by
// multiplyChunk; keeping it here (guarded by the pool) rather than in a closure is what lets
// ParallelMultiply run on the pool without allocating.
var parallelProduct productSplit

// multiplyChunk computes tiles [lo, hi) of parallelProduct as worker w, with its workspace.
func multiplyChunk(w, lo, hi int) {
	parallelProduct.multiply(workspaces[w], lo, hi)
}

// multiply computes tiles [lo, hi) of s with ws; the whole product if s is not cut.
func (s *productSplit) multiply(ws *Workspace, lo, hi int) {
	p, kern := s.p, &kernels[gemmISA]
	switch {
	case s.tiles <= 1:
	case s.splitM:
		i0, i1 := lo*kern.mr, min(hi*kern.mr, p.M)
		p.M, p.A, p.C = i1-i0, p.A.rowsFrom(i0), p.C[i0*p.LDC:]
	default:
		j0, j1 := lo*kern.nr, min(hi*kern.nr, p.N)
		p.N, p.B, p.C = j1-j0, p.B.colsFrom(j0), p.C[j0:]
		if p.Epilogue.ColBias != nil {
			p.Epilogue.ColBias = p.Epilogue.ColBias[j0:j1]
		}
	}
	sgemmOp(ws, &p)
}

// Costs for splitProduct, in flops: packing one element costs about as much time as packFlops
// flops of the kernel, and a product smaller than minParallelFlops is not worth waking workers.
const (
	packFlops        = 50
	minParallelFlops = 1 << 20
)

// splitProduct chooses how ParallelMultiply splits an m×n×k product: along m (in tiles of mr rows)
// or along n (in tiles of nr columns), and into how many tiles; tiles ≤ 1 means do not split.
func splitProduct(m, n, k int) (splitM bool, tiles int) {
	if workers == 1 || k == 0 || 2*m*n*k < minParallelFlops {
		return false, 1
	}
	kern := &kernels[gemmISA]
	tm, tn := (m+kern.mr-1)/kern.mr, (n+kern.nr-1)/kern.nr
	// The slowest piece has ceil(t/workers) tiles.
	rows := (tm + workers - 1) / workers * kern.mr
	cols := (tn + workers - 1) / workers * kern.nr
	costM := 2*rows*tn*kern.nr*k + packFlops*(rows*k+k*n)
	costN := 2*tm*kern.mr*cols*k + packFlops*(m*k+k*cols)
	if costM <= costN {
		return true, tm
	}
	return false, tn
}

// getSpare returns a spare workspace, allocating one if none is free.
func getSpare() *Workspace {
	select {
	case ws := <-pool.spare:
		return ws
	default:
		return NewWorkspace()
	}
}

// putSpare keeps ws for a later getSpare, or drops it if enough are kept.
func putSpare(ws *Workspace) {
	select {
	case pool.spare <- ws:
	default:
	}
}
