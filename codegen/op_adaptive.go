package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// An adaptive average pool that is not the identity (a view, with no kernel) is one runtime call
// per channel plane each way: output (oy, ox) averages input rows ⌊oy·H/outH⌋ … ⌈(oy+1)·H/outH⌉−1
// and the columns likewise, and its gradient is spread back over the same window.
func init() {
	register(compiler.OpAdaptiveAvgPool, &emitter{
		forward:  adaptiveKernel(false),
		backward: adaptiveKernel(true),
	})
}

func adaptiveKernel(backward bool) func(g *gen, f *jen.File, s *compiler.Step) {
	return func(g *gen, f *jen.File, s *compiler.Step) {
		in, out := s.In(), s.Out()
		window := g.name[s] + "Window"
		how := "Output (oy, ox) is the mean of input rows ⌊oy·inH/outH⌋ … ⌈(oy+1)·inH/outH⌉−1 and the columns likewise."
		inS, outS, dyS, dxS := g.gradSlices(s)
		slices, call := x("in, out := %s, %s", inS, outS), "AdaptiveAvgPool(out[u*outPlane:(u+1)*outPlane], in[u*inPlane:(u+1)*inPlane]"
		if backward {
			how = "Each output's gradient is spread over its window, divided by the window's size."
			slices, call = x("dy, dx := %s, %s", dyS, dxS), "AdaptiveAvgPoolBackward(dx[u*inPlane:(u+1)*inPlane], dy[u*outPlane:(u+1)*outPlane]"
		}
		g.doc(f, s, backward, how)
		kernel(f, s, kernelName(g, s, backward),
			append(sizes(in, out), def("inPlane, outPlane", in.H*in.W, out.H*out.W).note("a channel plane of each")),
			slices,
			jen.For(x("u := lo; u < hi; u++")).Block(x("runtime.%s, &%s)", call, window)),
		)
		if !backward {
			f.Comment(fmt.Sprintf("%s is the geometry of %s over one channel plane.", window, s.Main().Name))
			f.Var().Id(window).Op("=").Add(x("runtime.AdaptivePool{H: %d, W: %d, OutH: %d, OutW: %d}", in.H, in.W, out.H, out.W))
		}
	}
}
