package runtime

// Pool is the geometry of a pooling window over one channel plane: an H×W input, a KH×KW
// window moved by SH×SW, PH×PW of padding on each side, and the OutH×OutW output it gives.
type Pool struct {
	H, W, KH, KW, SH, SW, PH, PW, OutH, OutW int
}

// MaxPoolBackward is the backward pass of max pooling over one channel plane: it sets dx (H×W
// values) to the gradient of the input x (H×W) given dy (OutH×OutW), the gradient of the output,
// each output's gradient going to the first maximum of its window in row-major order (PyTorch's
// rule: a NaN first in its window counts as its maximum, a later one never does). It finds the
// maxima sixteen outputs at a time, with AVX-512 gathers where the CPU has them, then adds the
// gradients in order, so that windows that overlap add up as they do in Go.
func MaxPoolBackward(dx, x, dy []float32, p *Pool) {
	maxPoolBackward(dx, x, dy, p, false)
}

// maxPoolBackward is MaxPoolBackward, searching with the Go twin if twin is set. (The choice is
// a flag, not a function value: through one, at and ix0 would escape to the heap.)
func maxPoolBackward(dx, x, dy []float32, p *Pool, twin bool) {
	size := p.H * p.W
	if size == 0 {
		return
	}
	dx, x, dy = dx[:size], x[:size], dy[:p.OutH*p.OutW]
	clear(dx)
	var at, ix0 [16]int32
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
			if twin {
				maxArgmaxGo(&at, x, &ix0, iy0, p)
			} else {
				maxArgmax(&at, x, &ix0, iy0, p)
			}
			for j, g := range dy[oy*p.OutW+ox0:][:n] {
				if a := at[j]; a >= 0 {
					dx[a] += g
				}
			}
		}
	}
}

// maxArgmaxGo is the search of MaxPoolBackward in Go, the twin of the assembly: at[j] is the
// index in x of the first maximum of the window whose top left corner is (iy0, ix0[j]), or −1
// if the window holds no value of x.
func maxArgmaxGo(at *[16]int32, x []float32, ix0 *[16]int32, iy0 int, p *Pool) {
	for j := range at {
		at[j] = -1
		var best float32
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
				if v := x[iy*p.W+ix]; at[j] < 0 || v > best {
					best, at[j] = v, int32(iy*p.W+ix)
				}
			}
		}
	}
}
