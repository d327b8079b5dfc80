package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// Max and average pooling are one runtime call per channel plane each way, on the geometry of
// the layer's windows, which the forward kernel declares: runtime.MaxPool (PyTorch's maximum,
// padding ignored, NaN propagating; its backward pass sends each output's gradient to the first
// maximum of its window) and runtime.AvgPool (the window's sum over its size counting padding,
// PyTorch's count_include_pad).
func init() {
	register(compiler.OpMaxPool, &emitter{
		forward:  poolKernel("MaxPool", false, "Each output is the maximum of its %dx%d window (stride %dx%d, padding %dx%d ignored)."),
		backward: poolKernel("MaxPoolBackward", true, "Each output's gradient goes to the position of its %dx%d window's maximum (stride %dx%d,\npadding %dx%d), found again in the input."),
	})
	register(compiler.OpAvgPool, &emitter{
		forward: poolKernel("AvgPool", false, "Each output is the sum of its %dx%d window (stride %dx%d) divided by the window's size,\n"+
			"counting padding (%dx%d) but not what lies beyond it, as PyTorch's AvgPool2d."),
		backward: poolKernel("AvgPoolBackward", true, "Each output's gradient is spread over its %dx%d window (stride %dx%d),\n"+
			"divided by the window's size counting padding (%dx%d)."),
	})
}

// poolKernel returns the emitter of a pooling kernel that calls runtime.<call> per plane: the
// forward pass (y, x) or the backward pass (dx, x, dy for max pooling; dx, dy for average).
func poolKernel(call string, backward bool, how string) func(g *gen, f *jen.File, s *compiler.Step) {
	return func(g *gen, f *jen.File, s *compiler.Step) {
		l, p := s.Main(), s.Main().Pool()
		in, out := s.In(), s.Out()
		window := g.name[s] + "Window"
		g.doc(f, s, backward, fmt.Sprintf(how, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW))
		inS, outS, dyS, dxS := g.gradSlices(s)
		slices := x("in, out := %s, %s", inS, outS)
		plane := "\nout[u*outPlane:(u+1)*outPlane],\nin[u*inPlane:(u+1)*inPlane],"
		switch {
		case backward && l.Op == compiler.OpMaxPool:
			slices = x("in, dy, dx := %s, %s, %s", inS, dyS, dxS)
			plane = "\ndx[u*inPlane:(u+1)*inPlane],\nin[u*inPlane:(u+1)*inPlane],\ndy[u*outPlane:(u+1)*outPlane],"
		case backward:
			slices = x("dy, dx := %s, %s", dyS, dxS)
			plane = "\ndx[u*inPlane:(u+1)*inPlane],\ndy[u*outPlane:(u+1)*outPlane],"
		}
		kernel(f, s, kernelName(g, s, backward),
			jen.Const().Defs(append(sizes(in, out),
				x("inPlane, outPlane").Op("=").List(jen.Lit(in.H*in.W), jen.Lit(out.H*out.W)).Comment("a channel plane of each"),
			)...),
			slices,
			jen.For(x("u := lo; u < hi; u++")).Block(x("runtime.%s(%s\n&%s,\n)", call, plane, window)),
		)
		if !backward {
			f.Comment(fmt.Sprintf("%s is the geometry of %s's windows over one channel plane.", window, l.Name))
			f.Var().Id(window).Op("=").Add(x("runtime.Pool{H: %d, W: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, OutH: %d, OutW: %d}",
				in.H, in.W, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW, out.H, out.W))
		}
	}
}
