package reference

import (
	"math"

	"github.com/netc-project/netc/compiler"
)

// The max pool's row. Its decision is which input of a window is the maximum: near lists the
// windows whose runner-up is within the margin of the maximum and whose gradient matters, and
// flip routes such a window's gradient to the runner-up. A window whose two largest inputs are
// both exactly 0, ReLU's zeros, is no such decision (float32 gives the same zeros and picks the
// same first one), unless a ReLU input of the window is within the margin below 0 (nearZero).
func init() {
	register(compiler.OpMaxPool, op{
		forward: func(c *call) []float64 { return MaxPool(c.x, c.n, c.l.In, c.l.Pool(), c.l.Out) },
		backward: func(c *call) (dx, dw, db []float64) {
			return MaxPoolBackward(c.x, c.n, c.l.In, c.l.Pool(), c.l.Out, c.dy), nil, nil
		},
		near: func(c *call, margin, scale, floor float64) []Decision {
			var near []Decision
			forWindows(c.n, c.l.Out, func(j, i, ch, oh, ow int) {
				if math.Abs(c.dy[j]) <= floor {
					return
				}
				best, second, max, other := runnerUp(c.x, i, ch, oh, ow, c.l.In, c.l.Pool())
				switch {
				case other < 0:
				case best == 0 && second == 0:
					if d, ok := nearZero(c, j, max, margin, scale); ok {
						near = append(near, d)
					}
				case best-second < margin*scale:
					near = append(near, Decision{Index: j, Margin: (best - second) / scale, Other: other, Max: max})
				}
			})
			return near
		},
		flip: func(c *call, d Decision, dx []float64) {
			i, ch, oh, ow := unflat(c.l.Out, d.Index)
			_, arg := maxWindow(c.x, i, ch, oh, ow, c.l.In, c.l.Pool())
			dx[arg] -= c.dy[d.Index]
			dx[d.Other] += c.dy[d.Index]
		},
	})
	register(compiler.OpAvgPool, op{
		forward: func(c *call) []float64 { return AvgPool(c.x, c.n, c.l.In, c.l.Pool(), c.l.Out) },
		backward: func(c *call) (dx, dw, db []float64) {
			return AvgPoolBackward(c.n, c.l.In, c.l.Pool(), c.l.Out, c.dy), nil, nil
		},
	})
}

// nearZero returns, for max-pool output j whose window's largest inputs are zeros, first max, the
// decision a float32 model makes when it rounds a ReLU input of the window that is within margin
// below 0 to a tiny positive value instead: the ReLU passes it and the window takes it. It takes
// the nearest such input other than max (max's own ReLU decision is the ReLU's row's), if the
// layer before is a ReLU; margin is relative to scale, as the decision's Margin is.
func nearZero(c *call, j, max int, margin, scale float64) (Decision, bool) {
	if c.prev == nil || c.prev.Op != compiler.OpReLU {
		return Decision{}, false
	}
	i, ch, oh, ow := unflat(c.l.Out, j)
	in, p := c.l.In, c.l.Pool()
	d := Decision{Index: j, Max: max, Other: -1, Margin: margin * scale}
	for kh := range p.KH {
		for kw := range p.KW {
			h, w := oh*p.SH-p.PH+kh, ow*p.SW-p.PW+kw
			if h < 0 || h >= in.H || w < 0 || w >= in.W {
				continue
			}
			k := at(in, i, ch, h, w)
			if v := c.prevX[k]; k != max && c.x[k] == 0 && v <= 0 && -v < d.Margin {
				d.Other, d.Margin = k, -v
			}
		}
	}
	if d.Other < 0 {
		return Decision{}, false
	}
	d.Margin /= scale
	d.Also = []Decision{{Layer: c.prev.Name, Index: d.Other, Margin: d.Margin, Other: -1, Max: -1}}
	return d, true
}

// MaxPool is PyTorch's torch.nn.functional.max_pool2d(x, (KH, KW), (SH, SW), (PH, PW)): each
// output is the largest input in its window, rows oh·SH − PH … oh·SH − PH + KH − 1 and columns
// likewise, where the padding is −∞ (it never wins). The output's height and width are out's, so
// ceil_mode=True is the caller's choice of a larger out; the windows of the extra row or column
// are clipped to the input. A NaN in a window gives NaN, as in PyTorch.
func MaxPool[T Float](x []T, n int, in compiler.Shape, p *compiler.Pool, out compiler.Shape) []T {
	mustLen("maxpool input", x, size(n, in))
	samePlanes("maxpool", in, out)
	y := make([]T, size(n, out))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					m, _ := maxWindow(x, i, c, oh, ow, in, p)
					y[at(out, i, c, oh, ow)] = T(m)
				}
			}
		}
	}
	return y
}

// MaxPoolBackward is MaxPool's backward pass: each output's gradient goes to the input that
// MaxPool took, the first largest value of its window in row-major order (rows, then columns
// within a row), as PyTorch's CPU kernel records its index; dx is the sum over the windows that
// picked each input. Where a window's largest value is tied, the derivative does not exist and
// this is PyTorch's choice.
func MaxPoolBackward(x []float64, n int, in compiler.Shape, p *compiler.Pool, out compiler.Shape, dy []float64) []float64 {
	mustLen("maxpool input", x, size(n, in))
	mustLen("maxpool output gradient", dy, size(n, out))
	samePlanes("maxpool", in, out)
	dx := make([]float64, len(x))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					if _, arg := maxWindow(x, i, c, oh, ow, in, p); arg >= 0 {
						dx[arg] += dy[at(out, i, c, oh, ow)]
					}
				}
			}
		}
	}
	return dx
}

// maxWindow returns the largest value of output (oh, ow)'s window in channel c of image i and its
// index in x: the first one in row-major order, or the last NaN (PyTorch's rule: a value wins if it
// is larger than the maximum so far or NaN). A window wholly in the padding, which the compiler
// does not allow, gives −∞ and index −1.
func maxWindow[T Float](x []T, i, c, oh, ow int, in compiler.Shape, p *compiler.Pool) (float64, int) {
	m, arg := math.Inf(-1), -1
	for kh := range p.KH {
		for kw := range p.KW {
			h := oh*p.SH - p.PH + kh
			w := ow*p.SW - p.PW + kw
			if h < 0 || h >= in.H || w < 0 || w >= in.W {
				continue // −∞ padding
			}
			j := at(in, i, c, h, w)
			if v := float64(x[j]); v > m || math.IsNaN(v) {
				m, arg = v, j
			}
		}
	}
	return m, arg
}

// runnerUp returns the largest input of max-pool output (oh, ow)'s window in channel c of image
// i, as maxWindow picks it, and the largest of the others, with their indices in x: the first one
// in row-major order, or −1 for other when the window has one input.
func runnerUp(x []float64, i, c, oh, ow int, in compiler.Shape, p *compiler.Pool) (best, second float64, arg, other int) {
	best, arg = maxWindow(x, i, c, oh, ow, in, p)
	second, other = math.Inf(-1), -1
	for kh := range p.KH {
		for kw := range p.KW {
			h := oh*p.SH - p.PH + kh
			w := ow*p.SW - p.PW + kw
			if h < 0 || h >= in.H || w < 0 || w >= in.W {
				continue // −∞ padding
			}
			if j := at(in, i, c, h, w); j != arg && x[j] > second {
				second, other = x[j], j
			}
		}
	}
	return best, second, arg, other
}

// AvgPool is PyTorch's torch.nn.functional.avg_pool2d(x, (KH, KW), (SH, SW), (PH, PW),
// count_include_pad=True), with out's height and width (ceil_mode=True is a larger out). For an
// output (oh, ow), as PyTorch's kernel computes it:
//
//	hstart = oh·SH − PH, hend = min(hstart + KH, H + PH)   (and likewise for w)
//	divisor = (hend − hstart)·(wend − wstart)               (padding counts, beyond it does not)
//	hstart = max(hstart, 0), hend = min(hend, H)           (and likewise for w)
//	y = Σ x[h, w] over hstart ≤ h < hend, wstart ≤ w < wend, divided by divisor
func AvgPool[T Float](x []T, n int, in compiler.Shape, p *compiler.Pool, out compiler.Shape) []T {
	mustLen("avgpool input", x, size(n, in))
	samePlanes("avgpool", in, out)
	y := make([]T, size(n, out))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					hstart, hend, wstart, wend, divisor := avgWindow(oh, ow, in, p)
					var sum float64
					for h := hstart; h < hend; h++ {
						for w := wstart; w < wend; w++ {
							sum += float64(x[at(in, i, c, h, w)])
						}
					}
					y[at(out, i, c, oh, ow)] = T(sum / float64(divisor))
				}
			}
		}
	}
	return y
}

// AvgPoolBackward is AvgPool's backward pass: each output's gradient, divided by the same divisor
// as in AvgPool, goes to every input of its window; dx sums over the windows holding each input.
func AvgPoolBackward(n int, in compiler.Shape, p *compiler.Pool, out compiler.Shape, dy []float64) []float64 {
	mustLen("avgpool output gradient", dy, size(n, out))
	samePlanes("avgpool", in, out)
	dx := make([]float64, size(n, in))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					hstart, hend, wstart, wend, divisor := avgWindow(oh, ow, in, p)
					d := dy[at(out, i, c, oh, ow)] / float64(divisor)
					for h := hstart; h < hend; h++ {
						for w := wstart; w < wend; w++ {
							dx[at(in, i, c, h, w)] += d
						}
					}
				}
			}
		}
	}
	return dx
}

// avgWindow is output (oh, ow)'s window of an average pool, rows hstart ≤ h < hend and columns
// wstart ≤ w < wend clipped to the input, and its divisor, which counts the padding but not what
// lies beyond it; see AvgPool.
func avgWindow(oh, ow int, in compiler.Shape, p *compiler.Pool) (hstart, hend, wstart, wend, divisor int) {
	hstart = oh*p.SH - p.PH
	wstart = ow*p.SW - p.PW
	hend = min(hstart+p.KH, in.H+p.PH)
	wend = min(wstart+p.KW, in.W+p.PW)
	divisor = (hend - hstart) * (wend - wstart)
	hstart, wstart = max(hstart, 0), max(wstart, 0)
	hend, wend = min(hend, in.H), min(wend, in.W)
	return hstart, hend, wstart, wend, divisor
}

// forWindows calls f for every value of n images of shape out, with its flat index j, image i,
// channel c and position (oh, ow).
func forWindows(n int, out compiler.Shape, f func(j, i, c, oh, ow int)) {
	for i := range n {
		for c := range out.C {
			for oh := range out.H {
				for ow := range out.W {
					f(at(out, i, c, oh, ow), i, c, oh, ow)
				}
			}
		}
	}
}

// unflat is the image, channel, row and column of flat index j of an NCHW tensor of shape s.
func unflat(s compiler.Shape, j int) (i, c, h, w int) {
	w, j = j%s.W, j/s.W
	h, j = j%s.H, j/s.H
	c, i = j%s.C, j/s.C
	return i, c, h, w
}

// samePlanes panics unless a pool keeps the number of channels.
func samePlanes(op string, in, out compiler.Shape) {
	if out.C != in.C {
		panic("reference: " + op + " changes the number of channels")
	}
}
