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
	for i := range n {
		for o := range c.Out {
			g := o / outPerGroup
			for oh := range out.H {
				for ow := range out.W {
					var sum float64
					if b != nil {
						sum = float64(b[o])
					}
					for ci := range inPerGroup {
						for kh := range c.KH {
							for kw := range c.KW {
								h := oh*c.SH - c.PH + kh
								ww := ow*c.SW - c.PW + kw
								if h < 0 || h >= in.H || ww < 0 || ww >= in.W {
									continue // zero padding
								}
								wv := w[((o*inPerGroup+ci)*c.KH+kh)*c.KW+kw]
								sum += float64(wv) * float64(x[at(in, i, g*inPerGroup+ci, h, ww)])
							}
						}
					}
					y[at(out, i, o, oh, ow)] = T(sum)
				}
			}
		}
	}
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
// Conv2D's, scattering where it gathers. db is returned whether or not the layer has a bias.
func Conv2DBackward(x []float64, n int, in compiler.Shape, w []float64, c *compiler.Conv, out compiler.Shape, dy []float64) (dx, dw, db []float64) {
	checkConv(x, n, in, w, c, out)
	mustLen("conv output gradient", dy, size(n, out))
	inPerGroup := in.C / c.Groups
	outPerGroup := c.Out / c.Groups
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, c.Out)
	for i := range n {
		for o := range c.Out {
			g := o / outPerGroup
			for oh := range out.H {
				for ow := range out.W {
					d := dy[at(out, i, o, oh, ow)]
					db[o] += d
					for ci := range inPerGroup {
						for kh := range c.KH {
							for kw := range c.KW {
								h := oh*c.SH - c.PH + kh
								ww := ow*c.SW - c.PW + kw
								if h < 0 || h >= in.H || ww < 0 || ww >= in.W {
									continue // zero padding: no input value, no gradient
								}
								wi := ((o*inPerGroup+ci)*c.KH+kh)*c.KW + kw
								xi := at(in, i, g*inPerGroup+ci, h, ww)
								dw[wi] += d * x[xi]
								dx[xi] += d * w[wi]
							}
						}
					}
				}
			}
		}
	}
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
