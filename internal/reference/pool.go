package reference

import (
	"math"

	"github.com/netc-project/netc/compiler"
)

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

// AdaptiveAvgPool is PyTorch's torch.nn.functional.adaptive_avg_pool2d(x, (out.H, out.W)): the
// output (oh, ow) is the mean of rows ⌊oh·H/outH⌋ … ⌈(oh+1)·H/outH⌉ − 1 and columns
// ⌊ow·W/outW⌋ … ⌈(ow+1)·W/outW⌉ − 1 of the input. Neighbouring windows may overlap.
func AdaptiveAvgPool[T Float](x []T, n int, in, out compiler.Shape) []T {
	mustLen("adaptive_avgpool input", x, size(n, in))
	samePlanes("adaptive_avgpool", in, out)
	y := make([]T, size(n, out))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					hstart, hend := adaptiveWindow(oh, in.H, out.H)
					wstart, wend := adaptiveWindow(ow, in.W, out.W)
					var sum float64
					for h := hstart; h < hend; h++ {
						for w := wstart; w < wend; w++ {
							sum += float64(x[at(in, i, c, h, w)])
						}
					}
					y[at(out, i, c, oh, ow)] = T(sum / float64((hend-hstart)*(wend-wstart)))
				}
			}
		}
	}
	return y
}

// AdaptiveAvgPoolBackward is AdaptiveAvgPool's backward pass: each output's gradient, divided by
// its window's size, goes to every input of the window; where windows overlap, an input gets the
// sum.
func AdaptiveAvgPoolBackward(n int, in, out compiler.Shape, dy []float64) []float64 {
	mustLen("adaptive_avgpool output gradient", dy, size(n, out))
	samePlanes("adaptive_avgpool", in, out)
	dx := make([]float64, size(n, in))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					hstart, hend := adaptiveWindow(oh, in.H, out.H)
					wstart, wend := adaptiveWindow(ow, in.W, out.W)
					d := dy[at(out, i, c, oh, ow)] / float64((hend-hstart)*(wend-wstart))
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

// adaptiveWindow is the window [start, end) of output o of an adaptive pool from in to out
// values: start = ⌊o·in/out⌋, end = ⌈(o+1)·in/out⌉.
func adaptiveWindow(o, in, out int) (start, end int) {
	return o * in / out, ((o+1)*in + out - 1) / out
}

// samePlanes panics unless a pool keeps the number of channels.
func samePlanes(op string, in, out compiler.Shape) {
	if out.C != in.C {
		panic("reference: " + op + " changes the number of channels")
	}
}
