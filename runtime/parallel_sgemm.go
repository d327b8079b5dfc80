package runtime

// ParallelSgemm is Sgemm split over all workers (see Parallel), each using its own Workspace owned by the runtime.
// It splits along whichever of m or n gives balanced, tile-aligned pieces. It allocates nothing in steady state.
//
// Splitting along m makes every worker pack all of op(B), along n all of op(A); the split is the
// one whose slowest piece has the least work, counting the padded tiles it multiplies and the
// elements it packs. Small products run on the calling goroutine. A call that finds the pool
// busy (nested in a Parallel body, or concurrent with another call) runs on the calling goroutine
// with a spare workspace, allocating one only if every spare is in use.
func ParallelSgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool, ep Epilogue) {
	checkSgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
	parallelSgemm(transA, m, n, k, a, lda, operandB{b: b, ld: ldb, trans: transB}, c, ldc, acc, ep)
}

// ParallelSgemmConv is SgemmConv split over all workers as ParallelSgemm splits Sgemm: along n
// (the output pixels), each worker packing its own columns of B from src, or along m. The result
// is bit for bit SgemmConv's. It allocates nothing in steady state.
func ParallelSgemmConv(m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int, acc bool, ep Epilogue) {
	checkConv("ParallelSgemmConv", m, a, lda, src, cv, c, ldc, ep)
	parallelSgemm(false, m, cv.Cols(), cv.Depth(), a, lda, operandB{b: src, conv: cv}, c, ldc, acc, ep)
}

// ParallelSgemmConvT is SgemmConvT split over all workers as ParallelSgemm splits Sgemm, bit for
// bit SgemmConvT's. It allocates nothing in steady state.
func ParallelSgemmConvT(m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int, acc bool) {
	checkConvT("ParallelSgemmConvT", m, a, lda, src, cv, c, ldc)
	parallelSgemm(false, m, cv.Depth(), cv.Cols(), a, lda, operandB{b: src, conv: cv, trans: true}, c, ldc, acc, Epilogue{})
}

// parallelSgemm is ParallelSgemm on checked arguments and any operandB.
func parallelSgemm(transA bool, m, n, k int, a []float32, lda int, ob operandB, c []float32, ldc int, acc bool, ep Epilogue) {
	if !pool.busy.CompareAndSwap(false, true) {
		ws := getSpare()
		sgemmOp(active, ws, transA, m, n, k, a, lda, &ob, c, ldc, acc, ep)
		putSpare(ws)
		return
	}
	defer pool.busy.Store(false)
	splitM, tiles := splitSgemm(m, n, k)
	if tiles <= 1 {
		sgemmOp(active, workspaces[0], transA, m, n, k, a, lda, &ob, c, ldc, acc, ep)
		return
	}
	psgemm = psgemmArgs{transA, m, n, k, a, lda, ob, c, ldc, acc, ep, splitM}
	run(tiles, psgemmChunk)
	psgemm = psgemmArgs{} // let go of the caller's matrices
}

// psgemmArgs are the arguments of the parallelSgemm call that holds the pool, and how it splits.
type psgemmArgs struct {
	transA  bool
	m, n, k int
	a       []float32
	lda     int
	b       operandB
	c       []float32
	ldc     int
	acc     bool
	ep      Epilogue
	splitM  bool
}

// psgemm is read by psgemmChunk; keeping the arguments here (guarded by the pool) rather than in
// a closure is what lets ParallelSgemm run without allocating.
var psgemm psgemmArgs

// psgemmChunk runs sgemmOp on tiles [lo, hi) of psgemm's split, as worker w.
func psgemmChunk(w, lo, hi int) {
	p, kern := &psgemm, &kernels[active]
	a, b, c, ep := p.a, p.b, p.c, p.ep
	if p.splitM {
		i0, i1 := lo*kern.mr, min(hi*kern.mr, p.m)
		if p.transA {
			a = a[i0:]
		} else {
			a = a[i0*p.lda:]
		}
		if ep.RowBias != nil {
			ep.RowBias = ep.RowBias[i0:i1]
		}
		sgemmOp(active, workspaces[w], p.transA, i1-i0, p.n, p.k, a, p.lda, &b, c[i0*p.ldc:], p.ldc, p.acc, ep)
		return
	}
	j0, j1 := lo*kern.nr, min(hi*kern.nr, p.n)
	b = b.from(j0)
	if ep.ColBias != nil {
		ep.ColBias = ep.ColBias[j0:j1]
	}
	sgemmOp(active, workspaces[w], p.transA, p.m, j1-j0, p.k, a, p.lda, &b, c[j0:], p.ldc, p.acc, ep)
}

// Costs for splitSgemm, in flops: packing one element costs about as much time as packFlops
// flops of the kernel, and a product smaller than minParallelFlops is not worth waking workers.
const (
	packFlops        = 50
	minParallelFlops = 1 << 20
)

// splitSgemm chooses how ParallelSgemm splits an m×n×k product: along m (in tiles of mr rows)
// or along n (in tiles of nr columns), and into how many tiles; tiles ≤ 1 means do not split.
func splitSgemm(m, n, k int) (splitM bool, tiles int) {
	if workers == 1 || k == 0 || 2*m*n*k < minParallelFlops {
		return false, 1
	}
	kern := &kernels[active]
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
