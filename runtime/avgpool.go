package runtime

// Average pooling over one channel plane, forward and backward, as PyTorch's AvgPool2d
// (count_include_pad=True) and adaptive_avg_pool2d define it, in plain Go. Each output is the
// sum of its window's values inside the image divided by the window's size: for AvgPool the
// window's height and width counting the padding but not what a ceil-mode window reaches past
// it; for the adaptive pool the window itself, which never leaves the image. The sums are taken
// in a fixed order, stated on each function, so that every build gives the same bits.

// AvgPool sets y (OutH×OutW values) to the average of each window of x (H×W), the padding
// counting as zeros. Each window's sum is taken column by column: each column's values top to
// bottom, then the column sums left to right, starting from 0. Every window must overlap the
// image, as PyTorch's geometries do (padding at most half the window, and a ceil-mode window
// starting inside the image or its leading padding).
func AvgPool(y, x []float32, p *Pool) {
	x, y = x[:p.H*p.W], y[:p.OutH*p.OutW]
	for oy := range p.OutH {
		y0, y1, rows := avgWindow(oy, p.SH, p.PH, p.KH, p.H)
		for ox := range p.OutW {
			x0, x1, cols := avgWindow(ox, p.SW, p.PW, p.KW, p.W)
			var sum float32
			for ix := x0; ix < x1; ix++ {
				col := x[y0*p.W+ix]
				for iy := y0 + 1; iy < y1; iy++ {
					col += x[iy*p.W+ix]
				}
				sum += col
			}
			y[oy*p.OutW+ox] = sum / float32(rows*cols)
		}
	}
}

// AvgPoolBackward is the backward pass of AvgPool: it sets dx (H×W values) to the gradient of
// the input given dy (OutH×OutW), the gradient of the output, each output's gradient divided by
// its window's size (as AvgPool divides) and added to the window's positions inside the image,
// output by output in row-major order and, within a window, in row-major order.
func AvgPoolBackward(dx, dy []float32, p *Pool) {
	dx, dy = dx[:p.H*p.W], dy[:p.OutH*p.OutW]
	clear(dx)
	for oy := range p.OutH {
		y0, y1, rows := avgWindow(oy, p.SH, p.PH, p.KH, p.H)
		for ox := range p.OutW {
			x0, x1, cols := avgWindow(ox, p.SW, p.PW, p.KW, p.W)
			addWindow(dx, p.W, y0, y1, x0, x1, dy[oy*p.OutW+ox]/float32(rows*cols))
		}
	}
}

// avgWindow returns, along one axis, the part [i0, i1) inside the image (of size n) of output
// o's window (of size k, moved by stride s over the image padded by pad) and the window's
// size counting the padding but nothing past it.
func avgWindow(o, s, pad, k, n int) (i0, i1, size int) {
	start := o*s - pad
	return max(0, start), min(n, start+k), min(start+k, n+pad) - start
}

// AdaptivePool is the geometry of an adaptive pooling over one channel plane: an H×W input and
// the OutH×OutW output it gives. Output (oy, ox)'s window is rows ⌊oy·H/OutH⌋ to
// ⌈(oy+1)·H/OutH⌉ − 1 and columns ⌊ox·W/OutW⌋ to ⌈(ox+1)·W/OutW⌉ − 1, as in PyTorch.
type AdaptivePool struct {
	H, W, OutH, OutW int
}

// AdaptiveAvgPool sets y (OutH×OutW values) to the average of each window of x (H×W), summing
// the window's values in row-major order, starting from 0.
func AdaptiveAvgPool(y, x []float32, p *AdaptivePool) {
	x, y = x[:p.H*p.W], y[:p.OutH*p.OutW]
	for oy := range p.OutH {
		y0, y1 := adaptiveWindow(oy, p.OutH, p.H)
		for ox := range p.OutW {
			x0, x1 := adaptiveWindow(ox, p.OutW, p.W)
			var sum float32
			for iy := y0; iy < y1; iy++ {
				for _, v := range x[iy*p.W+x0 : iy*p.W+x1] {
					sum += v
				}
			}
			y[oy*p.OutW+ox] = sum / float32((y1-y0)*(x1-x0))
		}
	}
}

// AdaptiveAvgPoolBackward is the backward pass of AdaptiveAvgPool: it sets dx (H×W values) to
// the gradient of the input given dy (OutH×OutW), each output's gradient divided by its window's
// size and added to the window's positions, output by output in row-major order and, within a
// window, in row-major order.
func AdaptiveAvgPoolBackward(dx, dy []float32, p *AdaptivePool) {
	dx, dy = dx[:p.H*p.W], dy[:p.OutH*p.OutW]
	clear(dx)
	for oy := range p.OutH {
		y0, y1 := adaptiveWindow(oy, p.OutH, p.H)
		for ox := range p.OutW {
			x0, x1 := adaptiveWindow(ox, p.OutW, p.W)
			addWindow(dx, p.W, y0, y1, x0, x1, dy[oy*p.OutW+ox]/float32((y1-y0)*(x1-x0)))
		}
	}
}

// adaptiveWindow returns, along one axis, the window [i0, i1) of output o of out over an input
// of size n.
func adaptiveWindow(o, out, n int) (i0, i1 int) {
	return o * n / out, ((o+1)*n + out - 1) / out
}

// addWindow adds v to rows [y0, y1) and columns [x0, x1) of the plane d of width w, in
// row-major order.
func addWindow(d []float32, w, y0, y1, x0, x1 int, v float32) {
	for iy := y0; iy < y1; iy++ {
		for ix := x0; ix < x1; ix++ {
			d[iy*w+ix] += v
		}
	}
}
