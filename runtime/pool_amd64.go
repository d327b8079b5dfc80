//go:build !noasm

package runtime

// maxArgmaxAVX512 is maxArgmaxGo in AVX-512 for the sixteen windows at once, sw apart: for each
// (ky, kx) in row-major order, the sixteen values — a masked load of sixteen values in a row
// when sw is 1, of thirty-two and every other one taken when sw is 2, else a masked gather — a
// compare with the maximum so far (greater, or NaN), and a masked blend of the value and its
// index; a lane takes its first value inside the image whatever it is. x points at h×w values.
//
//go:noescape
func maxArgmaxAVX512(best *float32, at *int32, x *float32, ix0 *int32, iy0, kh, kw, h, w, sw int)

// maxArgmaxAVX2 is maxArgmaxAVX512 in AVX2, the sixteen windows as two halves of eight: for
// each (ky, kx) and half, the eight values — a masked load when sw is 1, else a gather — and
// blends of the value and its index where it is greater, NaN or the lane's first.
//
//go:noescape
func maxArgmaxAVX2(best *float32, at *int32, x *float32, ix0 *int32, iy0, kh, kw, h, w, sw int)

// maxArgmax runs the search of poolISA where the plane's indices fit in int32, and the Go twin
// otherwise. x holds h×w values.
func maxArgmax(best *[16]float32, at *[16]int32, x []float32, ix0 *[16]int32, iy0 int, p *Pool) {
	switch {
	case len(x) >= 1<<31:
	case poolISA == ISAAVX512:
		maxArgmaxAVX512(&best[0], &at[0], &x[0], &ix0[0], iy0, p.KH, p.KW, p.H, p.W, p.SW)
		return
	case poolISA == ISAAVX2:
		maxArgmaxAVX2(&best[0], &at[0], &x[0], &ix0[0], iy0, p.KH, p.KW, p.H, p.W, p.SW)
		return
	}
	maxArgmaxGo(best, at, x, ix0, iy0, p)
}

// maxPoolRowAVX512 is the forward row kernel of blocked max pooling: for j < n, the 16 lanes of
// y[j·16:] are the maximum of the kh×kw vectors of x at (ky·row + (j·sw + kx)·16), taken in
// row-major order as maxWindowBlocked takes them: the first starts it, then each replaces it
// where it is greater or NaN (VMAXPS, then NaN's lanes taken over).
//
//go:noescape
func maxPoolRowAVX512(y, x *float32, n, kh, kw, sw, row int)

// maxPoolBackRowAVX512 is the backward row kernel of blocked max pooling: for j < n, it finds
// each lane's maximum over output j's window as maxPoolRowAVX512 does (its index: the first
// position whose value is greater than all before it, or NaN), then adds dy[j·16:]'s lanes to dx
// at those positions with a masked store per window position. dx and x have the same layout.
//
//go:noescape
func maxPoolBackRowAVX512(dx, x, dy *float32, n, kh, kw, sw, row int)

// maxPoolRowAVX2 is maxPoolRowAVX512 in AVX2, each vector of sixteen lanes as two of eight:
// VMAXPS, then VBLENDVPS to let NaN's lanes take over.
//
//go:noescape
func maxPoolRowAVX2(y, x *float32, n, kh, kw, sw, row int)

// maxPoolBackRowAVX2 is maxPoolBackRowAVX512 in AVX2, each vector of sixteen lanes as two of
// eight: the positions are blended where the value is greater or NaN, and dx is read, added to
// with dy's lanes blended in where the position holds the maximum, and written back whole.
//
//go:noescape
func maxPoolBackRowAVX2(dx, x, dy *float32, n, kh, kw, sw, row int)

// maxPoolRow runs the forward row kernel of poolISA (not ISAGo) on n windows; see
// maxPoolRowAVX512 for the arguments.
func maxPoolRow(y, x []float32, n, kh, kw, sw, row int) {
	_ = y[(n-1)*16+15]
	_ = x[(kh-1)*row+((n-1)*sw+kw-1)*16+15]
	if poolISA == ISAAVX512 {
		maxPoolRowAVX512(&y[0], &x[0], n, kh, kw, sw, row)
	} else {
		maxPoolRowAVX2(&y[0], &x[0], n, kh, kw, sw, row)
	}
}

// maxPoolBackRow runs the backward row kernel of poolISA (not ISAGo) on n windows; see
// maxPoolBackRowAVX512 for the arguments.
func maxPoolBackRow(dx, x, dy []float32, n, kh, kw, sw, row int) {
	last := (kh-1)*row + ((n-1)*sw+kw-1)*16 + 15
	_, _, _ = dx[last], x[last], dy[(n-1)*16+15]
	if poolISA == ISAAVX512 {
		maxPoolBackRowAVX512(&dx[0], &x[0], &dy[0], n, kh, kw, sw, row)
	} else {
		maxPoolBackRowAVX2(&dx[0], &x[0], &dy[0], n, kh, kw, sw, row)
	}
}
