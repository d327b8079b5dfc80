//go:build !noasm

package runtime

// sgdPyTorchAVX512 implements, for i < n (a multiple of 16),
//
//	v[i] = mu*v[i] + (grad[i] + lambda*w[i]) // two fused multiply-adds
//	w[i] = w[i] - lr*v[i]                 // one fused
//
//go:noescape
func sgdPyTorchAVX512(w, grad, v *float32, n int, lr, mu, lambda float32)

// sgdPyTorchAVX2 is sgdPyTorchAVX512 in AVX2 with FMA, eight values at a time, for n a multiple
// of 8: the same fused operations in the same order, so the same values bit for bit.
//
//go:noescape
func sgdPyTorchAVX2(w, grad, v *float32, n int, lr, mu, lambda float32)

// sgdPaperAVX512 implements, for i < n (a multiple of 16), with c = lambda*lr,
//
//	v[i] = mu*v[i] - c*w[i] - lr*grad[i] // fused
//	w[i] = w[i] + v[i]
//
//go:noescape
func sgdPaperAVX512(w, grad, v *float32, n int, lr, mu, c float32)

// sgdPaperAVX2 is sgdPaperAVX512 in AVX2 with FMA, eight values at a time, for n a multiple of
// 8: the same fused operations in the same order, so the same values bit for bit.
//
//go:noescape
func sgdPaperAVX2(w, grad, v *float32, n int, lr, mu, c float32)

// sgdAsm updates the longest prefix of w that the assembly handles (a multiple of its width:
// 16 values in AVX-512, 8 in AVX2), and returns its length.
func sgdAsm(rule SGDRule, w, g, v []float32, lr, mu, lambda float32) int {
	var n int
	switch sgdISA {
	case ISAAVX512, ISAAVX2:
		n = len(w) &^ (sgdISA.Lanes() - 1)
	}
	if n == 0 {
		return 0
	}
	switch {
	case sgdISA == ISAAVX512 && rule == SGDPaper:
		sgdPaperAVX512(&w[0], &g[0], &v[0], n, lr, mu, lambda*lr)
	case sgdISA == ISAAVX512:
		sgdPyTorchAVX512(&w[0], &g[0], &v[0], n, lr, mu, lambda)
	case rule == SGDPaper:
		sgdPaperAVX2(&w[0], &g[0], &v[0], n, lr, mu, lambda*lr)
	default:
		sgdPyTorchAVX2(&w[0], &g[0], &v[0], n, lr, mu, lambda)
	}
	return n
}
