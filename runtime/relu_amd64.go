//go:build !noasm

package runtime

import "golang.org/x/sys/cpu"

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
var useReLUAVX512 = cpu.X86.HasAVX512F

// reluBackwardAsm masks the longest prefix of g that the assembly handles, and returns its
// length and its sum.
func reluBackwardAsm(g, y []float32) (int, float32) {
	n := len(g) &^ 15
	if !useReLUAVX512 || n == 0 {
		return 0, 0
	}
	return n, reluBackwardAVX512(&g[0], &y[0], n)
}
