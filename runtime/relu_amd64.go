//go:build !noasm

package runtime

// reluBackwardAVX512 implements, for i < n (a multiple of 16),
//
//	if y[i] <= 0 { // ordered: false for NaN
//		grad[i] = 0
//	}
//	sum += grad[i] // in sixteen lanes, added up at the end
//
// and returns sum.
//
//go:noescape
func reluBackwardAVX512(grad, y *float32, n int) float32

// useReLUAVX512 says whether ReLUBackward runs in AVX-512.
var useReLUAVX512 = hasAVX512

// reluBackwardAsm masks the longest prefix of g that the assembly handles, and returns its
// length and its sum.
func reluBackwardAsm(g, y []float32) (int, float32) {
	n := len(g) &^ 15
	if !useReLUAVX512 || n == 0 {
		return 0, 0
	}
	return n, reluBackwardAVX512(&g[0], &y[0], n)
}

// reluBackwardBlockedAVX512 implements reluBackwardBlockedGo for n values (a multiple of 16),
// masking with y only if mask is 1: the sixteen sums are one vector added to sums at the end.
//
//go:noescape
func reluBackwardBlockedAVX512(grad, y, sums *float32, n, mask int)

// reluBackwardBlockedAsm runs the assembly over the longest prefix of g it handles and returns
// its length.
func reluBackwardBlockedAsm(g, y, sums []float32) int {
	n := len(g) &^ 15
	if !useReLUAVX512 || n == 0 {
		return 0
	}
	if y == nil {
		reluBackwardBlockedAVX512(&g[0], &g[0], &sums[0], n, 0)
	} else {
		reluBackwardBlockedAVX512(&g[0], &y[0], &sums[0], n, 1)
	}
	return n
}
