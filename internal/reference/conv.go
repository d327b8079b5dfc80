package reference

import "github.com/netc-project/netc/compiler"

// The convolution's row.
func init() {
	register(compiler.OpConv, op{
		forward: func(c *call) []float64 { return Conv2D(c.x, c.n, c.l.In, c.w, c.b, c.l.Conv(), c.l.Out) },
		backward: func(c *call) (dx, dw, db []float64) {
			return Conv2DBackward(c.x, c.n, c.l.In, c.w, c.l.Conv(), c.l.Out, c.dy)
		},
	})
}

// Conv2D is PyTorch's torch.nn.functional.conv2d(x, w, b, stride, padding, groups=Groups) with
// zero padding: for image i, output channel o and output position (oh, ow),
//
//	y[i, o, oh, ow] = b[o] + Σ_{c, kh, kw} w[o, c, kh, kw] · x[i, g·inPerGroup + c, oh·SH − PH + kh, ow·SW − PW + kw]
//
// where g = o / (Out/Groups) is the group of output channel o, c runs over the group's
// inPerGroup = in.C/Groups input channels, and positions outside the input read zero. It is a
// cross-correlation, as in PyTorch: the kernel is not flipped. The weights w are
// [Out, in.C/Groups, KH, KW]; b is [Out], or nil for no bias. The output's height and width are
// out's, so the caller decides the rounding; a window that reaches past the padded input (only
// possible with ceil rounding, which PyTorch's conv does not have) reads zeros there too.
func Conv2D[T Float](x []T, n int, in compiler.Shape, w, b []T, c *compiler.Conv, out compiler.Shape) []T {
	checkConv(x, n, in, w, c, out)
	if b != nil {
		mustLen("conv bias", b, c.Out)
	}
	inPerGroup := in.C / c.Groups
	outPerGroup := c.Out / c.Groups
	y := make([]T, size(n, out))
	parallel(n*c.Out, func(k int) { // one image's output channel each
		i, o := k/c.Out, k%c.Out
		g := o / outPerGroup
		for oh := range out.H {
			for ow := range out.W {
				var sum float64
				if b != nil {
					sum = float64(b[o])
				}
				h0, w0 := oh*c.SH-c.PH, ow*c.SW-c.PW
				khLo, khHi := inside(h0, c.KH, in.H) // the rest of the window is zero padding
				kwLo, kwHi := inside(w0, c.KW, in.W)
				for ci := range inPerGroup {
					for kh := khLo; kh < khHi; kh++ {
						wRow := ((o*inPerGroup+ci)*c.KH + kh) * c.KW  // w[o, ci, kh, kw] at wRow + kw
						xRow := at(in, i, g*inPerGroup+ci, h0+kh, w0) // x[i, g·inPerGroup + ci, h0 + kh, w0 + kw] at xRow + kw
						for kw := kwLo; kw < kwHi; kw++ {
							sum += float64(w[wRow+kw]) * float64(x[xRow+kw])
						}
					}
				}
				y[at(out, i, o, oh, ow)] = T(sum)
			}
		}
	})
	return y
}

// Conv2DBackward is Conv2D's backward pass: given the gradient dy of a loss with respect to the
// output y = Conv2D(x, n, in, w, b, c, out), it returns the gradients with respect to the input,
// the weights and the bias,
//
//	dx[i, g·inPerGroup + c, h, w'] = Σ dy[i, o, oh, ow] · w[o, c, kh, kw]
//	dw[o, c, kh, kw]               = Σ dy[i, o, oh, ow] · x[i, g·inPerGroup + c, h, w']
//	db[o]                          = Σ dy[i, o, oh, ow]
//
// where the sums run over every (i, o, oh, ow, kh, kw) that Conv2D multiplies those two values in:
// h = oh·SH − PH + kh and w' = ow·SW − PW + kw inside the input, o in group g. The loops are
// Conv2D's, scattering where it gathers, split into the weights' (and bias's) gradients an output
// channel at a time and the input's an input channel at a time, so that the two run in parallel
// with each value summed in the serial loop's order. db is returned whether or not the layer has
// a bias.
func Conv2DBackward(x []float64, n int, in compiler.Shape, w []float64, c *compiler.Conv, out compiler.Shape, dy []float64) (dx, dw, db []float64) {
	checkConv(x, n, in, w, c, out)
	mustLen("conv output gradient", dy, size(n, out))
	inPerGroup := in.C / c.Groups
	outPerGroup := c.Out / c.Groups
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, c.Out)
	// The weights' and the bias's gradients, an output channel at a time.
	parallel(c.Out, func(o int) {
		g := o / outPerGroup
		for i := range n {
			for oh := range out.H {
				for ow := range out.W {
					d := dy[at(out, i, o, oh, ow)]
					db[o] += d
					h0, w0 := oh*c.SH-c.PH, ow*c.SW-c.PW
					khLo, khHi := inside(h0, c.KH, in.H) // zero padding: no input value, no gradient
					kwLo, kwHi := inside(w0, c.KW, in.W)
					for ci := range inPerGroup {
						for kh := khLo; kh < khHi; kh++ {
							wRow := ((o*inPerGroup+ci)*c.KH + kh) * c.KW
							xRow := at(in, i, g*inPerGroup+ci, h0+kh, w0)
							for kw := kwLo; kw < kwHi; kw++ {
								dw[wRow+kw] += d * x[xRow+kw]
							}
						}
					}
				}
			}
		}
	})
	// The input's gradient, an input channel of an image at a time.
	parallel(n*in.C, func(k int) {
		i, ic := k/in.C, k%in.C
		g, ci := ic/inPerGroup, ic%inPerGroup
		for o := g * outPerGroup; o < (g+1)*outPerGroup; o++ {
			for oh := range out.H {
				for ow := range out.W {
					d := dy[at(out, i, o, oh, ow)]
					h0, w0 := oh*c.SH-c.PH, ow*c.SW-c.PW
					khLo, khHi := inside(h0, c.KH, in.H)
					kwLo, kwHi := inside(w0, c.KW, in.W)
					for kh := khLo; kh < khHi; kh++ {
						wRow := ((o*inPerGroup+ci)*c.KH + kh) * c.KW
						xRow := at(in, i, ic, h0+kh, w0)
						for kw := kwLo; kw < kwHi; kw++ {
							dx[xRow+kw] += d * w[wRow+kw]
						}
					}
				}
			}
		}
	})
	return dx, dw, db
}

// checkConv panics unless the input, the weights and the shapes agree with the configuration.
func checkConv[T Float](x []T, n int, in compiler.Shape, w []T, c *compiler.Conv, out compiler.Shape) {
	mustLen("conv input", x, size(n, in))
	if out.C != c.Out || in.C%c.Groups != 0 || c.Out%c.Groups != 0 {
		panic("reference: conv shapes disagree with its configuration")
	}
	mustLen("conv weight", w, c.Out*in.C/c.Groups*c.KH*c.KW)
}
