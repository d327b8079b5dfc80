//go:build !noasm

package runtime

// sgdPyTorchAVX512 implements, for i < n (a multiple of 16),
//
//	v[i] = mu*v[i] + (grad[i] + lambda*w[i]) // two fused multiply-adds
//	w[i] = w[i] - lr*v[i]                 // one fused
//
//go:noescape
func sgdPyTorchAVX512(w, grad, v *float32, n int, lr, mu, lambda float32)

// sgdPaperAVX512 implements, for i < n (a multiple of 16), with c = lambda*lr,
//
//	v[i] = mu*v[i] - c*w[i] - lr*grad[i] // fused
//	w[i] = w[i] + v[i]
//
//go:noescape
func sgdPaperAVX512(w, grad, v *float32, n int, lr, mu, c float32)

// useSGDAVX512 says whether SGD runs in AVX-512.
var useSGDAVX512 = hasAVX512

// sgdAsm updates the longest prefix of w that the assembly handles, and returns its length.
func sgdAsm(rule SGDRule, w, g, v []float32, lr, mu, lambda float32) int {
	n := len(w) &^ 15
	if !useSGDAVX512 || n == 0 {
		return 0
	}
	if rule == SGDPaper {
		sgdPaperAVX512(&w[0], &g[0], &v[0], n, lr, mu, lambda*lr)
	} else {
		sgdPyTorchAVX512(&w[0], &g[0], &v[0], n, lr, mu, lambda)
	}
	return n
}
