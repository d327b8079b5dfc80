package reference

import "github.com/netc-project/netc/compiler"

// The adaptive average pool's row.
func init() {
	register(compiler.OpAdaptiveAvgPool, op{
		forward: func(c *call) []float64 { return AdaptiveAvgPool(c.x, c.n, c.l.In, c.l.Out) },
		backward: func(c *call) (dx, dw, db []float64) {
			return AdaptiveAvgPoolBackward(c.n, c.l.In, c.l.Out, c.dy), nil, nil
		},
	})
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
