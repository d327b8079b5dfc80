package runtime

// Gemm is Sgemm on ws, or ParallelSgemm when ws is nil: generated kernels call it with their
// worker's workspace when each worker has images of its own, and with nil when one goroutine
// runs the kernel and each GEMM is to be split over the workers.
func Gemm(ws *Workspace, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool, ep Epilogue) {
	if ws == nil {
		ParallelSgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, acc, ep)
		return
	}
	Sgemm(ws, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, acc, ep)
}

// GemmConv is SgemmConv on ws, or ParallelSgemmConv when ws is nil, as Gemm is for Sgemm.
func GemmConv(ws *Workspace, m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int, acc bool, ep Epilogue) {
	if ws == nil {
		ParallelSgemmConv(m, a, lda, src, cv, c, ldc, acc, ep)
		return
	}
	SgemmConv(ws, m, a, lda, src, cv, c, ldc, acc, ep)
}

// GemmConvT is SgemmConvT on ws, or ParallelSgemmConvT when ws is nil, as Gemm is for Sgemm.
func GemmConvT(ws *Workspace, m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int, acc bool) {
	if ws == nil {
		ParallelSgemmConvT(m, a, lda, src, cv, c, ldc, acc)
		return
	}
	SgemmConvT(ws, m, a, lda, src, cv, c, ldc, acc)
}
