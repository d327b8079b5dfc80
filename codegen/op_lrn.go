package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

func init() {
	register(compiler.OpLRN, &emitter{forward: lrnForward, backward: lrnBackward})
}

// lrnConsts are the sizes and constants of an LRN kernel of pass p, its regions' among them, the
// constants as float32, as the runtime's LRN kernels take them.
func lrnConsts(s *compiler.Step, p compiler.Pass) []constant {
	l, shape := s.Main().LRN(), s.In()
	chunk := shape.H * shape.W // NCHW: an image's pixels
	if b := s.LRNBlocking(); b != nil {
		chunk = b.Chunk
	}
	return append(regions(s.Kernel(p)),
		def("channels", shape.C),
		def("pixels", shape.H*shape.W),
		def("chunk", chunk).note("pixels at a time, in the channel-blocked layout"),
		def("inSize, outSize", int(shape.Size()), int(shape.Size())),
		def("before, after", l.Size/2, (l.Size-1)/2).note("channels in the window around c"),
		def("k", float32(l.K)),
		def("scale", float32(l.Scale())).note("α'"),
		def("beta", float32(l.Beta)),
		def("twoScaleBeta", float32(2*l.Scale()*l.Beta)).note("2α'β"),
	)
}

// lrnForward emits local response normalisation across channels as the lower pass planned it:
// in NCHW, for each channel, the squares of its window's channels summed into a row of the
// scratch by runtime.LRNSquaresAdd (afresh for every window, not slid from the last one, so that no
// rounding error carries from a window of large values into one of small values), then the
// channel scaled by runtime.LRNScale; from or to the blocked layout, the same on chunks of
// pixels gathered into NCHW rows; between blocked layouts, the windows summed in the blocks.
func lrnForward(g *gen, f *jen.File, s *compiler.Step) {
	p := s.Main().LRN()
	conv := fmt.Sprintf("α' = α/n = %g/%d (PyTorch's and Caffe's convention)", p.Alpha, p.Size)
	if p.Paper {
		conv = fmt.Sprintf("α' = α = %g (the paper's convention)", p.Alpha)
	}
	how := fmt.Sprintf("b = a / (%g + %g·Σa²)^%g, the sum over channels c−%d…c+%d of the same pixel, zero outside;\n%s.",
		p.K, p.Scale(), p.Beta, p.Size/2, (p.Size-1)/2, conv)
	inS, outS := g.slices(s)
	consts := lrnConsts(s, compiler.PassForward)
	scale := func(src, dst, n string) jen.Code {
		return jen.For(x("c := 0; c < channels; c++")).Block(
			x("clear(sums)"),
			jen.For(x("j := max(0, c-before); j <= min(channels-1, c+after); j++")).Block(
				x("runtime.LRNSquaresAdd(sums, %s[j*%s:j*%s+len(sums)])", src, n, n),
			),
			x("runtime.LRNScale(%s[c*%s:c*%s+len(sums)], %s[c*%s:c*%s+len(sums)], sums, k, scale, beta)", dst, n, n, src, n, n),
		)
	}
	switch s.Forward {
	case compiler.LRNForwardBlocked:
		lrnWindowForward(g, f, s, how)
	case compiler.LRNForwardGathered:
		g.doc(f, s, false, how+lrnGathered(s))
		kernel(f, s, g.name[s], consts,
			x("in, out := %s, %s", inS, outS),
			x("a, b := %s, %s", scratch("worker", "a"), scratch("worker", "b")),
			jen.For(x("i := lo; i < hi; i++")).Block(
				x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
				jen.For(x("p0 := 0; p0 < pixels; p0 += chunk")).Block(
					x("sums := m.scratch[worker][sumsAt : sumsAt+min(chunk, pixels-p0)]"),
					chunkIn(s.InLayout, "a", "src"),
					scale("a", "b", "chunk"),
					chunkOut(s.Layout, "dst", "b"),
				),
			),
		)
	default:
		g.doc(f, s, false, how)
		kernel(f, s, g.name[s], consts,
			x("in, out := %s, %s", inS, outS),
			x("sums := %s", scratch("worker", "sums")),
			jen.For(x("i := lo; i < hi; i++")).Block(
				x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
				scale("src", "dst", "pixels"),
			),
		)
	}
}

// lrnGathered is what an LRN kernel's comment says of the chunks it gathers (a step that reads
// or writes the blocked layout, not both): the plan's chunks of pixels, a multiple of 16 so that
// the runtime's kernels run whole vectors, their channels gathered as NCHW rows in the worker's
// scratch (16×16 transposes), normalised as in NCHW, and scattered back.
func lrnGathered(s *compiler.Step) string {
	return fmt.Sprintf("\nIn %d pixels at a time: their channels gathered from %s as rows in the worker's scratch,\nnormalised, and scattered back as %s.",
		s.LRNBlocking().Chunk, s.InLayout, s.Layout)
}

// chunkIn is the code that gathers pixels p0…p0+len(sums)−1 of an image, src (channels×pixels
// in layout l), into rows, chunk values apart, one per channel.
func chunkIn(l compiler.Layout, rows, src string) jen.Code {
	if l == compiler.LayoutBlocked {
		return jen.For(x("cb := 0; cb < channels/%d; cb++", compiler.ChannelBlock)).Block(
			x("runtime.FromBlocks(%s[cb*%d*chunk:], chunk, %s[(cb*pixels+p0)*%d:], %d, len(sums))", rows, compiler.ChannelBlock, src, compiler.ChannelBlock, compiler.ChannelBlock),
		)
	}
	return jen.For(x("c := 0; c < channels; c++")).Block(x("copy(%s[c*chunk:c*chunk+len(sums)], %s[c*pixels+p0:])", rows, src))
}

// chunkOut is the code that scatters rows (chunk values apart, one per channel) into pixels
// p0…p0+len(sums)−1 of an image, dst (channels×pixels in layout l).
func chunkOut(l compiler.Layout, dst, rows string) jen.Code {
	if l == compiler.LayoutBlocked {
		return jen.For(x("cb := 0; cb < channels/%d; cb++", compiler.ChannelBlock)).Block(
			x("runtime.ToBlocks(%s[(cb*pixels+p0)*%d:], %s[cb*%d*chunk:], chunk, %d, len(sums))", dst, compiler.ChannelBlock, rows, compiler.ChannelBlock, compiler.ChannelBlock),
		)
	}
	return jen.For(x("c := 0; c < channels; c++")).Block(x("copy(%s[c*pixels+p0:c*pixels+p0+len(sums)], %s[c*chunk:])", dst, rows))
}

// lrnBackward emits LRN's exact backward pass per image, as the lower pass planned it. With
// b_i = a_i·s_i^−β and s_i = k + α'·Σ_{j∈W(i)} a_j²,
// ∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1).
func lrnBackward(g *gen, f *jen.File, s *compiler.Step) {
	how := ""
	switch s.InputGrad {
	case compiler.LRNBackwardBlocked:
		how = fmt.Sprintf("\nIn chunks of %d pixels: the windows' sums of squares and of the terms in the blocked layout.", s.LRNBlocking().Chunk)
	case compiler.LRNBackwardGathered:
		how = lrnGathered(s)
	}
	g.doc(f, s, true, "The exact gradient: with b_i = a_i·s_i^−β and s_i = k + α'·Σ_{j∈W(i)} a_j²,\n"+
		"∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1)."+how)
	inS, _, dyS, dxS := g.gradSlices(s)
	consts := lrnConsts(s, compiler.PassInputGrad)
	grad := func(n string) []jen.Code {
		return []jen.Code{
			jen.Comment("First gx_c = g_c·s_c^−β, and terms_c = g_c·a_c·s_c^(−β−1) = gx_c·a_c/s_c."),
			jen.For(x("c := 0; c < channels; c++")).Block(
				x("clear(sums)"),
				jen.For(x("j := max(0, c-before); j <= min(channels-1, c+after); j++")).Block(
					x("runtime.LRNSquaresAdd(sums, a[j*%s:j*%s+len(sums)])", n, n),
				),
				x("ac, gc := a[c*%s:c*%s+len(sums)], gy[c*%s:c*%s+len(sums)]", n, n, n, n),
				x("xc, tc := gx[c*%s:c*%s+len(sums)], terms[c*%s:c*%s+len(sums)]", n, n, n, n),
				x("runtime.LRNScale(xc, gc, sums, k, scale, beta)"),
				jen.For(x("q, v := range xc")).Block(x("tc[q] = v * ac[q] / (k + scale*sums[q])")),
			),
			jen.Comment("Then each channel j takes the terms of the windows it lies in: channels j−after…j+before."),
			jen.For(x("j := 0; j < channels; j++")).Block(
				x("aj, xj := a[j*%s:j*%s+len(sums)], gx[j*%s:j*%s+len(sums)]", n, n, n, n),
				jen.For(x("c := max(0, j-after); c <= min(channels-1, j+before); c++")).Block(
					x("runtime.LRNSubProduct(xj, aj, terms[c*%s:c*%s+len(sums)], twoScaleBeta)", n, n).Comment("xj −= twoScaleBeta·aj·terms_c"),
				),
			),
		}
	}
	switch s.InputGrad {
	case compiler.LRNBackwardBlocked:
		lrnWindowBackward(g, f, s, consts)
	case compiler.LRNBackwardGathered:
		kernel(f, s, g.backName(s), consts,
			x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
			x("a, gy, gx := %s, %s, %s", scratch("worker", "a"), scratch("worker", "gy"), scratch("worker", "gx")),
			x("terms := %s", scratch("worker", "terms")),
			jen.For(x("i := lo; i < hi; i++")).Block(
				x("src, g, d := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize], dx[i*inSize:(i+1)*inSize]"),
				jen.For(x("p0 := 0; p0 < pixels; p0 += chunk")).Block(append(append([]jen.Code{
					x("sums := m.scratch[worker][sumsAt : sumsAt+min(chunk, pixels-p0)]"),
					chunkIn(s.InLayout, "a", "src"),
					chunkIn(s.Layout, "gy", "g"),
				}, grad("chunk")...), chunkOut(s.InLayout, "d", "gx"))...),
			),
		)
	default:
		kernel(f, s, g.backName(s), consts,
			x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
			x("terms, sums := %s, %s", scratch("worker", "terms"), scratch("worker", "sums")),
			jen.For(x("i := lo; i < hi; i++")).Block(append([]jen.Code{
				x("a, gy, gx := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize], dx[i*inSize:(i+1)*inSize]"),
			}, grad("pixels")...)...),
		)
	}
}

// lrnWindowBackward emits the backward pass of an LRN step between blocked layouts
// (compiler.LRNBackwardBlocked), per chunk of an image's pixels: the windows' sums of squares
// (runtime.LRNWindowSquares), then per block gx = g·s^−β (runtime.LRNScale, into dX) and the terms
// gx·a/s; the terms summed over the windows each channel lies in (runtime.LRNWindowSums,
// the window mirrored); and dX −= 2α'β·a·Σterms (runtime.LRNSubProduct).
func lrnWindowBackward(g *gen, f *jen.File, s *compiler.Step, consts []constant) {
	shape := s.In()
	inS, _, dyS, dxS := g.gradSlices(s)
	lanes := compiler.ChannelBlock
	block := func(slice string) string { return fmt.Sprintf("%s[cb*n*%d:(cb+1)*n*%d]", slice, lanes, lanes) }
	at := func(slice string) string { return fmt.Sprintf("%s[at:at+n*%d]", slice, lanes) }
	kernel(f, s, g.backName(s), append(consts, def("blocks", shape.C/lanes)),
		x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
		x("sums, terms := %s, %s", scratch("worker", "sums"), scratch("worker", "terms")),
		x("tsums := %s", scratch("worker", "tsums")),
		x("row := %s", scratch("worker", "row")),
		x("clear(row)").Comment("zero beyond the channels"),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("src, g, d := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize], dx[i*inSize:(i+1)*inSize]"),
			jen.For(x("p0 := 0; p0 < pixels; p0 += chunk")).Block(
				x("n := min(chunk, pixels-p0)"),
				x("runtime.LRNWindowSquares(sums, src[p0*%d:], row, blocks, pixels, n, before, after)", lanes),
				jen.Comment("gx_c = g_c·s_c^−β into dX, and terms_c = gx_c·a_c/s_c."),
				jen.For(x("cb := 0; cb < blocks; cb++")).Block(
					x("at := (cb*pixels + p0) * %d", lanes),
					x("sc, ac, xc, tc := %s, %s, %s, %s", block("sums"), at("src"), at("d"), block("terms")),
					x("runtime.LRNScale(xc, %s, sc, k, scale, beta)", at("g")),
					jen.For(x("q, v := range xc")).Block(x("tc[q] = v * ac[q] / (k + scale*sc[q])")),
				),
				jen.Comment("Each channel j takes the terms of the windows it lies in, channels j−after…j+before."),
				x("runtime.LRNWindowSums(tsums, terms, row, blocks, n, n, after, before)"),
				jen.For(x("cb := 0; cb < blocks; cb++")).Block(
					x("at := (cb*pixels + p0) * %d", lanes),
					x("runtime.LRNSubProduct(%s, %s, %s, twoScaleBeta)", at("d"), at("src"), block("tsums")).Comment("dX −= 2α'β·a·Σterms"),
				),
			),
		),
	)
}

// lrnWindowForward emits the forward pass of an LRN step between blocked layouts
// (compiler.LRNForwardBlocked): per chunk of an image's pixels (the plan's loop Chunks, over the
// workers when the batch is wide), the windows' sums of squares in the blocked layout, then each
// block scaled by runtime.LRNScale, in place or not.
func lrnWindowForward(g *gen, f *jen.File, s *compiler.Step, how string) {
	name := g.name[s]
	shape := s.In()
	k := s.Kernel(compiler.PassForward)
	loop := k.Loop("Chunks")
	chunk := s.LRNBlocking().Chunk
	g.doc(f, s, false, how+fmt.Sprintf("\nIn chunks of %d pixels (%s%s, split over the workers when they have fewer images): the\n"+
		"windows summed in the blocked layout by runtime.LRNWindowSquares, then each block scaled.", chunk, name, loop.Name))
	kernel(f, s, name, []constant{def("chunks", loop.Items).note("per image: %s each", loop.Item)},
		jen.If(x("m.wide")).Block(x("runtime.Parallel(m.n*chunks, m.kernels.%s%s)", name, loop.Name), jen.Return()),
		x("m.%s%s(worker, lo*chunks, hi*chunks)", name, loop.Name),
	)
	inS, outS := g.slices(s)
	f.Comment(fmt.Sprintf("%s%s normalises chunks lo…hi−1: chunk u is pixels (u%%%d)·%d… of image u/%d.", name, loop.Name, loop.Items, chunk, loop.Items))
	method(f, name+loop.Name, loopParams, append(lrnConsts(s, compiler.PassForward),
		def("blocks, chunks", shape.C/compiler.ChannelBlock, loop.Items)),
		x("in, out := %s, %s", inS, outS),
		x("sums, row := %s, %s", scratch("worker", "sums"), scratch("worker", "row")),
		x("clear(row)").Comment("zero beyond the channels"),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("i, p0 := u/chunks, u%%chunks*chunk"),
			x("n := min(chunk, pixels-p0)"),
			x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
			x("runtime.LRNWindowSquares(sums, src[p0*%d:], row, blocks, pixels, n, before, after)", compiler.ChannelBlock),
			jen.For(x("cb := 0; cb < blocks; cb++")).Block(
				x("at := (cb*pixels + p0) * %d", compiler.ChannelBlock),
				x("runtime.LRNScale(dst[at:at+n*%d], src[at:at+n*%d], sums[cb*n*%d:(cb+1)*n*%d], k, scale, beta)",
					compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock),
			),
		),
	)
}
