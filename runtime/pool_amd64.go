//go:build !noasm

package runtime

import "golang.org/x/sys/cpu"

// maxArgmaxAVX512 is maxArgmaxGo in AVX-512 for the sixteen windows at once, sw apart: for each
// (ky, kx) in row-major order, the sixteen values — a masked load of sixteen values in a row
// when sw is 1, of thirty-two and every other one taken when sw is 2, else a masked gather — a
// compare with the maximum so far (greater, or NaN), and a masked blend of the value and its
// index; a lane takes its first value inside the image whatever it is. x points at h×w values.
//
//go:noescape
func maxArgmaxAVX512(best *float32, at *int32, x *float32, ix0 *int32, iy0, kh, kw, h, w, sw int)

// useMaxArgmaxAVX512 says whether max pooling searches in AVX-512.
var useMaxArgmaxAVX512 = cpu.X86.HasAVX512F

// maxArgmax runs maxArgmaxAVX512 where the CPU has it and the plane's indices fit in int32, and
// the Go twin otherwise. x holds h×w values.
func maxArgmax(best *[16]float32, at *[16]int32, x []float32, ix0 *[16]int32, iy0 int, p *Pool) {
	if !useMaxArgmaxAVX512 || len(x) >= 1<<31 {
		maxArgmaxGo(best, at, x, ix0, iy0, p)
		return
	}
	maxArgmaxAVX512(&best[0], &at[0], &x[0], &ix0[0], iy0, p.KH, p.KW, p.H, p.W, p.SW)
}
