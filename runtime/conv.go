package runtime

import "fmt"

// Conv describes the implicit im2col matrix of one group of one image: B is depth×cols with
// depth = C·KH·KW (row (c·KH + ky)·KW + kx) and cols = OutH·OutW (column oy·OutW + ox), where
// B[row][col] = src[(c·H + iy)·W + ix] with iy = oy·SH − PH + ky, ix = ox·SW − PW + kx, or 0 outside the image.
type Conv struct {
	C, H, W                int // the group's input channels and the image's size
	KH, KW, SH, SW, PH, PW int // kernel, stride and padding, each as height, width
	OutH, OutW             int // the output's size
}

// Depth is the number of rows of the im2col matrix, C·KH·KW: the GEMM's k.
func (cv *Conv) Depth() int { return cv.C * cv.KH * cv.KW }

// Cols is the number of columns of the im2col matrix, OutH·OutW: the GEMM's n.
func (cv *Conv) Cols() int { return cv.OutH * cv.OutW }

// SgemmConv computes C = A·B (acc=false) or C += A·B, then applies ep, where A is m×depth (row stride lda,
// not transposed) and B is the implicit im2col matrix of src under geometry cv (src holds the group's
// C×H×W values). Same blocking, kernels and epilogue as Sgemm; ws as in Sgemm; allocates nothing.
//
// B is never written out: Sgemm's packing step reads each packed block of it straight from src,
// so that C is bit for bit what Sgemm gives on the explicit im2col matrix. C is m×cols with row
// stride ldc. It panics as Sgemm does, and if cv has a negative size or padding or a stride
// below 1, or src is shorter than C·H·W.
func SgemmConv(ws *Workspace, m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int, acc bool, ep Epilogue) {
	checkConv("SgemmConv", m, a, lda, src, cv, c, ldc, ep)
	sgemmOp(active, ws, false, m, cv.Cols(), cv.Depth(), a, lda, &operandB{b: src, conv: cv}, c, ldc, acc, ep)
}

// SgemmConvT computes C = A·Bᵀ (acc=false) or C += A·Bᵀ, where B is the implicit im2col matrix of
// src under cv, A is m×cols (row stride lda) and C is m×depth (row stride ldc): a convolution's
// weight gradient dW += dY·patchesᵀ, with no patch matrix written out. C is bit for bit what
// Sgemm gives with the explicit im2col matrix as a transposed B. It panics as SgemmConv does.
func SgemmConvT(ws *Workspace, m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int, acc bool) {
	checkConvT("SgemmConvT", m, a, lda, src, cv, c, ldc)
	sgemmOp(active, ws, false, m, cv.Depth(), cv.Cols(), a, lda, &operandB{b: src, conv: cv, trans: true}, c, ldc, acc, Epilogue{})
}

// checkGeometry panics if cv has a negative size or padding or a stride below 1, or src is
// shorter than its image; fn names the caller.
func checkGeometry(fn string, src []float32, cv *Conv) {
	if min(cv.C, cv.H, cv.W, cv.KH, cv.KW, cv.PH, cv.PW, cv.OutH, cv.OutW) < 0 || min(cv.SH, cv.SW) < 1 {
		panic(fmt.Sprintf("runtime: %s: geometry %+v has a negative size or padding, or a stride below 1", fn, *cv))
	}
	if len(src) < cv.C*cv.H*cv.W {
		panic(fmt.Sprintf("runtime: %s: len(src) = %d, want at least %d for %d×%d×%d", fn, len(src), cv.C*cv.H*cv.W, cv.C, cv.H, cv.W))
	}
}

// checkConvT panics with a message naming the argument if SgemmConvT's arguments are
// inconsistent; fn names the caller.
func checkConvT(fn string, m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int) {
	if m < 0 {
		panic(fmt.Sprintf("runtime: %s: negative dimension m=%d", fn, m))
	}
	checkGeometry(fn, src, cv)
	checkMatrix(fn, "A", m, cv.Cols(), a, lda)
	checkMatrix(fn, "C", m, cv.Depth(), c, ldc)
}

// checkConv panics with a message naming the argument if SgemmConv's arguments are
// inconsistent; fn names the caller.
func checkConv(fn string, m int, a []float32, lda int, src []float32, cv *Conv, c []float32, ldc int, ep Epilogue) {
	if m < 0 {
		panic(fmt.Sprintf("runtime: %s: negative dimension m=%d", fn, m))
	}
	checkGeometry(fn, src, cv)
	k, n := cv.Depth(), cv.Cols()
	checkMatrix(fn, "A", m, k, a, lda)
	checkMatrix(fn, "C", m, n, c, ldc)
	checkEpilogue(fn, m, n, ep)
}
