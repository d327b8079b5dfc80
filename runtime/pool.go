package runtime

// Max pooling over one channel plane, forward and backward, sixteen outputs at a time: for
// each position of the window in row-major order, the sixteen windows' values (in AVX-512 or
// AVX2, loaded or gathered, or by the Go twin) and a compare with each window's maximum so far. A window's maximum is PyTorch's: a value replaces it if it is greater or is NaN (so NaN
// propagates, and the last NaN wins), and the first value inside the image starts it; the
// backward pass sends each output's gradient to the position of that value.

// poolISA is the instruction set of max pooling's kernels, over NCHW planes and in the
// channel-blocked layout.
var poolISA = BestISA()

// Pool is the geometry of a pooling window over one channel plane: an H×W input, a KH×KW
// window moved by SH×SW, PH×PW of padding on each side, and the OutH×OutW output it gives.
type Pool struct {
	H, W, KH, KW, SH, SW, PH, PW, OutH, OutW int
}

// MaxPool sets y (OutH×OutW values) to the maximum of each window of x (H×W), padding ignored.
// A window wholly in the padding (which PyTorch does not allow) gives 0.
func MaxPool(y, x []float32, p *Pool) {
	maxPool(y, nil, x, nil, p)
}

// MaxPoolBackward is the backward pass of max pooling over one channel plane: it sets dx (H×W
// values) to the gradient of the input x (H×W) given dy (OutH×OutW), the gradient of the output,
// each output's gradient going to the position of its window's maximum (see above); windows
// that overlap add up in output order.
func MaxPoolBackward(dx, x, dy []float32, p *Pool) {
	maxPool(nil, dx, x, dy, p)
}

// maxPool is MaxPool (y non-nil) or MaxPoolBackward (dx non-nil).
func maxPool(y, dx, x, dy []float32, p *Pool) {
	size := p.H * p.W
	x = x[:size]
	if dx != nil {
		dx, dy = dx[:size], dy[:p.OutH*p.OutW]
		clear(dx)
	} else {
		y = y[:p.OutH*p.OutW]
	}
	var at, ix0 [16]int32
	var best [16]float32
	for oy := 0; oy < p.OutH; oy++ {
		iy0 := oy*p.SH - p.PH
		for ox0 := 0; ox0 < p.OutW; ox0 += 16 {
			n := min(16, p.OutW-ox0)
			for j := range ix0 {
				ix0[j] = -1 << 30 // past the row: a lane that reads nothing
				if j < n {
					ix0[j] = int32((ox0+j)*p.SW - p.PW)
				}
			}
			if size == 0 {
				maxArgmaxGo(&best, &at, x, &ix0, iy0, p)
			} else {
				maxArgmax(&best, &at, x, &ix0, iy0, p)
			}
			o := oy*p.OutW + ox0
			if dx == nil {
				copy(y[o:o+n], best[:n])
				continue
			}
			for j, g := range dy[o : o+n] {
				if a := at[j]; a >= 0 {
					dx[a] += g
				}
			}
		}
	}
}

// maxArgmaxGo is the search of maxPool in Go, the twin of the assembly: best[j] is the maximum
// of the window whose top left corner is (iy0, ix0[j]) and at[j] its index in x, or 0 and −1 if
// the window holds no value of x.
func maxArgmaxGo(best *[16]float32, at *[16]int32, x []float32, ix0 *[16]int32, iy0 int, p *Pool) {
	for j := range at {
		at[j], best[j] = -1, 0
		for ky := range p.KH {
			iy := iy0 + ky
			if iy < 0 || iy >= p.H {
				continue
			}
			for kx := range p.KW {
				ix := int(ix0[j]) + kx
				if ix < 0 || ix >= p.W {
					continue
				}
				if v := x[iy*p.W+ix]; at[j] < 0 || v > best[j] || v != v {
					best[j], at[j] = v, int32(iy*p.W+ix)
				}
			}
		}
	}
}
