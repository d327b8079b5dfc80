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
func MaxPool(x []float32, n int, in compiler.Shape, p *compiler.Pool, out compiler.Shape) []float32 {
	mustLen("maxpool input", x, size(n, in))
	if out.C != in.C {
		panic("reference: maxpool changes the number of channels")
	}
	y := make([]float32, size(n, out))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					m := math.Inf(-1)
					for kh := range p.KH {
						for kw := range p.KW {
							h := oh*p.SH - p.PH + kh
							w := ow*p.SW - p.PW + kw
							if h < 0 || h >= in.H || w < 0 || w >= in.W {
								continue // −∞ padding
							}
							v := float64(x[at(in, i, c, h, w)])
							if v > m || math.IsNaN(v) {
								m = v
							}
						}
					}
					y[at(out, i, c, oh, ow)] = float32(m)
				}
			}
		}
	}
	return y
}

// AvgPool is PyTorch's torch.nn.functional.avg_pool2d(x, (KH, KW), (SH, SW), (PH, PW),
// count_include_pad=True), with out's height and width (ceil_mode=True is a larger out). For an
// output (oh, ow), as PyTorch's kernel computes it:
//
//	hstart = oh·SH − PH, hend = min(hstart + KH, H + PH)   (and likewise for w)
//	divisor = (hend − hstart)·(wend − wstart)               (padding counts, beyond it does not)
//	hstart = max(hstart, 0), hend = min(hend, H)           (and likewise for w)
//	y = Σ x[h, w] over hstart ≤ h < hend, wstart ≤ w < wend, divided by divisor
func AvgPool(x []float32, n int, in compiler.Shape, p *compiler.Pool, out compiler.Shape) []float32 {
	mustLen("avgpool input", x, size(n, in))
	if out.C != in.C {
		panic("reference: avgpool changes the number of channels")
	}
	y := make([]float32, size(n, out))
	for i := range n {
		for c := range in.C {
			for oh := range out.H {
				for ow := range out.W {
					hstart := oh*p.SH - p.PH
					wstart := ow*p.SW - p.PW
					hend := min(hstart+p.KH, in.H+p.PH)
					wend := min(wstart+p.KW, in.W+p.PW)
					divisor := (hend - hstart) * (wend - wstart)
					hstart, wstart = max(hstart, 0), max(wstart, 0)
					hend, wend = min(hend, in.H), min(wend, in.W)
					var sum float64
					for h := hstart; h < hend; h++ {
						for w := wstart; w < wend; w++ {
							sum += float64(x[at(in, i, c, h, w)])
						}
					}
					y[at(out, i, c, oh, ow)] = float32(sum / float64(divisor))
				}
			}
		}
	}
	return y
}

// AdaptiveAvgPool is PyTorch's torch.nn.functional.adaptive_avg_pool2d(x, (out.H, out.W)): the
// output (oh, ow) is the mean of rows ⌊oh·H/outH⌋ … ⌈(oh+1)·H/outH⌉ − 1 and columns
// ⌊ow·W/outW⌋ … ⌈(ow+1)·W/outW⌉ − 1 of the input. Neighbouring windows may overlap.
func AdaptiveAvgPool(x []float32, n int, in, out compiler.Shape) []float32 {
	mustLen("adaptive_avgpool input", x, size(n, in))
	if out.C != in.C {
		panic("reference: adaptive_avgpool changes the number of channels")
	}
	y := make([]float32, size(n, out))
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
					y[at(out, i, c, oh, ow)] = float32(sum / float64((hend-hstart)*(wend-wstart)))
				}
			}
		}
	}
	return y
}

// adaptiveWindow is the window [start, end) of output o of an adaptive pool from in to out
// values: start = ⌊o·in/out⌋, end = ⌈(o+1)·in/out⌉.
func adaptiveWindow(o, in, out int) (start, end int) {
	return o * in / out, ((o+1)*in + out - 1) / out
}
