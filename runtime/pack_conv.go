package runtime

// Packing a block of an im2col matrix (see Conv) straight from the image: the packed block is
// the same as packB makes from the explicit matrix, value for value, so that a product with
// Patches and one with the explicit matrix as Dense compute the same sums in the same order.

// packConv packs rows p0…p0+kc−1 and columns j0…j0+nc−1 of the im2col matrix of src under cv
// into dst as packB packs a stored matrix: micro-panel s of nr columns starts at s*nr*kc and
// holds B[p0+p][j0+s*nr+j] at p*nr+j, with zeros past column nc. tab is scratch space of
// convTableSize(kc, nc) values. It gathers in assembly where it can (packConvGather), and
// otherwise runs packConvGo.
func packConv(dst []float32, tab []int32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) {
	if !packConvGather(false, dst, tab, nr, cv, src, p0, kc, j0, nc) {
		packConvGo(dst, nr, cv, src, p0, kc, j0, nc)
	}
}

// convTableSize is the scratch space packConv needs for a block of kc rows and nc columns (nc a
// multiple of the micro-panel width), in int32 values: the tables of convTables.
func convTableSize(kc, nc int) int {
	return 4*kc + 3*nc
}

// packConvGo is packConv in Go, for any nr: the pure-Go twin of packConvGather, and what
// packConv runs where that cannot.
//
// It goes row by row of the block, each row a fixed (c, ky, kx), and along the row panel by
// panel. Within a panel the columns are runs of consecutive ox in one output row oy each; a run
// reads one input row iy at stride SW (a copy when SW is 1), and is zero where iy, or ix for the
// run's ends, falls in the padding.
func packConvGo(dst []float32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) {
	h, w, outW, sh, sw := cv.H, cv.W, cv.OutW, cv.SH, cv.SW
	kx, ky, ch := p0%cv.KW, p0/cv.KW%cv.KH, p0/(cv.KW*cv.KH)
	oy0, ox0 := j0/outW, j0%outW
	for p := 0; p < kc; p++ {
		// Output columns x0…x1−1 read inside the image along x, at ix = ox·SW + off.
		off := kx - cv.PW
		x0, x1 := cv.inside(kx)
		plane := src[ch*h*w : (ch+1)*h*w]
		iy0 := ky - cv.PH // iy = oy·SH + iy0
		oy, ox := oy0, ox0
		for jr := 0; jr < nc; jr += nr {
			d := dst[jr*kc+p*nr:][:nr]
			n := min(nr, nc-jr)
			for q := 0; q < n; {
				e := min(outW, ox+n-q) // the run is ox…e−1 of row oy, at d[q:]
				run := d[q : q+e-ox]
				q += e - ox
				iy := oy*sh + iy0
				if iy < 0 || iy >= h {
					clear(run)
				} else {
					// Zero, read, zero; most runs need one of the three only.
					in := plane[iy*w : (iy+1)*w]
					a, b := min(max(x0, ox), e), min(max(x1, ox), e)
					if a > ox {
						clear(run[:a-ox])
					}
					switch {
					case a == b:
					case sw == 1:
						copy(run[a-ox:b-ox], in[a+off:])
					default:
						for i, ix := a-ox, a*sw+off; i < b-ox; i, ix = i+1, ix+sw {
							run[i] = in[ix]
						}
					}
					if e > b {
						clear(run[b-ox:])
					}
				}
				if ox = e; ox == outW {
					ox, oy = 0, oy+1
				}
			}
			if n < nr {
				clear(d[n:])
			}
		}
		if kx++; kx == cv.KW {
			if kx, ky = 0, ky+1; ky == cv.KH {
				ky, ch = 0, ch+1
			}
		}
	}
}

// packConvT packs rows p0…p0+kc−1 and columns j0…j0+nc−1 of the transpose of the im2col matrix
// of src under cv — row p is output pixel p, column j is row j of the im2col matrix, (c, ky, kx)
// — into dst as packB packs a stored matrix (see packConv). It is op(B) of a convolution's weight
// gradient, dW = dY·patchesᵀ, packed without writing the patches out. It gathers in assembly
// where it can (packConvGather), and otherwise runs packConvTGo.
func packConvT(dst []float32, tab []int32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) {
	if !packConvGather(true, dst, tab, nr, cv, src, p0, kc, j0, nc) {
		packConvTGo(dst, nr, cv, src, p0, kc, j0, nc)
	}
}

// packConvTGo is packConvT in Go, for any nr: the pure-Go twin of packConvGather's transpose. Row p of the
// block is one output pixel (oy, ox); along it, column j is (c, ky, kx), read from the image at
// iy = oy·SH − PH + ky, ix = ox·SW − PW + kx, or zero in the padding.
func packConvTGo(dst []float32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) {
	h, w := cv.H, cv.W
	oy, ox := p0/cv.OutW, p0%cv.OutW
	for p := 0; p < kc; p++ {
		iy0, ix0 := oy*cv.SH-cv.PH, ox*cv.SW-cv.PW
		kx, ky, ch := j0%cv.KW, j0/cv.KW%cv.KH, j0/(cv.KW*cv.KH)
		for jr := 0; jr < nc; jr += nr {
			d := dst[jr*kc+p*nr:][:nr]
			n := min(nr, nc-jr)
			for j := range n {
				iy, ix := iy0+ky, ix0+kx
				var v float32
				if iy >= 0 && iy < h && ix >= 0 && ix < w {
					v = src[(ch*h+iy)*w+ix]
				}
				d[j] = v
				if kx++; kx == cv.KW {
					if kx, ky = 0, ky+1; ky == cv.KH {
						ky, ch = 0, ch+1
					}
				}
			}
			clear(d[n:])
		}
		if ox++; ox == cv.OutW {
			ox, oy = 0, oy+1
		}
	}
}
