package reference

import "github.com/netc-project/netc/compiler"

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
func Conv2D(x []float32, n int, in compiler.Shape, w, b []float32, c *compiler.Conv, out compiler.Shape) []float32 {
	inPerGroup := in.C / c.Groups
	outPerGroup := c.Out / c.Groups
	mustLen("conv input", x, size(n, in))
	mustLen("conv weight", w, c.Out*inPerGroup*c.KH*c.KW)
	if b != nil {
		mustLen("conv bias", b, c.Out)
	}
	if out.C != c.Out || in.C%c.Groups != 0 || c.Out%c.Groups != 0 {
		panic("reference: conv shapes disagree with its configuration")
	}
	y := make([]float32, size(n, out))
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
					y[at(out, i, o, oh, ow)] = float32(sum)
				}
			}
		}
	}
	return y
}
