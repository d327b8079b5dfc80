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
		if strategy := map[bool]compiler.Strategy{false: s.Forward, true: s.InputGrad}[backward]; strategy == compiler.PoolBlocked {
			blockedPool(g, f, s, backward, window)
			return
		}
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
			append(sizes(in, out), def("inPlane, outPlane", in.H*in.W, out.H*out.W).note("a channel plane of each")),
			slices,
			jen.For(x("u := lo; u < hi; u++")).Block(x("runtime.%s(%s\n&%s,\n)", call, plane, window)),
		)
		if !backward {
			poolWindow(f, s, window)
		}
	}
}

// poolWindow declares the geometry of a pooling step's windows over one channel plane.
func poolWindow(f *jen.File, s *compiler.Step, window string) {
	p, in, out := s.Main().Pool(), s.In(), s.Out()
	f.Comment(fmt.Sprintf("%s is the geometry of %s's windows over one channel plane.", window, s.Main().Name))
	f.Var().Id(window).Op("=").Add(x("runtime.Pool{H: %d, W: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, OutH: %d, OutW: %d}",
		in.H, in.W, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW, out.H, out.W))
}

// blockedPool emits max pooling over a channel-blocked input, a block of 16 channels per call
// (runtime.MaxPoolBlocked: a vector max per window position), forward or backward; its output
// is blocked too, or NCHW through the worker's scratch (each block's pooled vectors become 16
// planes, and their gradient the other way).
func blockedPool(g *gen, f *jen.File, s *compiler.Step, backward bool, window string) {
	p, in, out := s.Main().Pool(), s.In(), s.Out()
	const block = compiler.ChannelBlock
	k := s.Kernel(map[bool]compiler.Pass{false: compiler.PassForward, true: compiler.PassInputGrad}[backward])
	toNCHW := s.Layout != compiler.LayoutBlocked
	how := fmt.Sprintf("In blocks of %d channels (%s): each output vector is the lanes' maximum over its %dx%d window\n"+
		"(stride %dx%d, padding %dx%d ignored)", block, compiler.LayoutBlocked, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW)
	if backward {
		how = fmt.Sprintf("In blocks of %d channels (%s): each output vector's gradient goes, lane by lane, to its %dx%d\n"+
			"window's maximum (stride %dx%d, padding %dx%d), found again in the input", block, compiler.LayoutBlocked, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW)
	}
	if toNCHW {
		how += "; the output is NCHW, through the worker's scratch"
	}
	g.doc(f, s, backward, how+".")
	inS, outS, dyS, dxS := g.gradSlices(s)
	consts := append(append(sizes(in, out), regions(k)...),
		def("inBlock, outBlock", block*in.H*in.W, block*out.H*out.W).note("a block of each"), def("outPlane", out.H*out.W))
	var body []jen.Code
	switch {
	case !backward && toNCHW:
		body = []jen.Code{x("in, out, ys := %s, %s, %s", inS, outS, scratch("worker", "ys")), jen.For(x("u := lo; u < hi; u++")).Block(
			x("runtime.MaxPoolBlocked(ys, in[u*inBlock:(u+1)*inBlock], &%s)", window),
			x("runtime.FromBlocks(out[u*outBlock:], outPlane, ys, %d, outPlane)", block),
		)}
	case !backward:
		body = []jen.Code{x("in, out := %s, %s", inS, outS), jen.For(x("u := lo; u < hi; u++")).Block(
			x("runtime.MaxPoolBlocked(out[u*outBlock:(u+1)*outBlock], in[u*inBlock:(u+1)*inBlock], &%s)", window),
		)}
	case toNCHW:
		body = []jen.Code{x("in, dy, dx, g := %s, %s, %s, %s", inS, dyS, dxS, scratch("worker", "g")), jen.For(x("u := lo; u < hi; u++")).Block(
			x("runtime.ToBlocks(g, dy[u*outBlock:], outPlane, %d, outPlane)", block),
			x("runtime.MaxPoolBlockedBackward(dx[u*inBlock:(u+1)*inBlock], in[u*inBlock:(u+1)*inBlock], g, &%s)", window),
		)}
	default:
		body = []jen.Code{x("in, dy, dx := %s, %s, %s", inS, dyS, dxS), jen.For(x("u := lo; u < hi; u++")).Block(
			x("runtime.MaxPoolBlockedBackward(dx[u*inBlock:(u+1)*inBlock], in[u*inBlock:(u+1)*inBlock], dy[u*outBlock:(u+1)*outBlock], &%s)", window),
		)}
	}
	kernel(f, s, kernelName(g, s, backward), consts, body...)
	if !backward {
		poolWindow(f, s, window)
	}
}
