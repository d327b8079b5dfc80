package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

func init() {
	register(compiler.OpLRN, &emitter{forward: lrnForward, backward: lrnBackward,
		bound: func(g *gen, s *compiler.Step) []string {
			if lrnWindowed(s) {
				return []string{g.name[s] + "Chunks"}
			}
			return nil
		}})
}

// lrnWindowed says the lower pass chose compiler.LRNForwardBlocked: the forward pass sums the
// windows in the blocked layout (runtime.LRNWindowSquares), a chunk of pixels at a time, the
// chunks split over the workers when the model has fewer images than workers.
func lrnWindowed(s *compiler.Step) bool { return s.Forward == compiler.LRNForwardBlocked }

// lrnConsts declares the sizes and constants of an LRN kernel, the constants as float32, as the
// runtime's LRN kernels take them.
func lrnConsts(s *compiler.Step) []jen.Code {
	p, shape := s.Main().LRN(), s.In()
	return []jen.Code{
		x("channels").Op("=").Lit(shape.C),
		x("pixels").Op("=").Lit(shape.H * shape.W),
		x("chunk").Op("=").Lit(compiler.LRNChunkOf(shape)).Comment("pixels at a time, in the channel-blocked layout"),
		x("inSize, outSize").Op("=").List(jen.Lit(int(shape.Size())), jen.Lit(int(shape.Size()))),
		x("before, after").Op("=").List(jen.Lit(p.Size/2), jen.Lit((p.Size-1)/2)).Comment("channels in the window around c"),
		x("k").Op("=").Lit(float32(p.K)),
		x("scale").Op("=").Lit(float32(p.Scale())).Comment("α'"),
		x("beta").Op("=").Lit(float32(p.Beta)),
	}
}

// lrnForward emits local response normalisation across channels: for each channel, the squares
// of its window's channels summed into a row of scratch space by runtime.LRNSquaresAdd (afresh for
// every window, not slid from the last one, so that no rounding error carries from a window of
// large values into one of small values), then the channel scaled by runtime.LRNScale.
func lrnForward(g *gen, f *jen.File, s *compiler.Step) {
	p := s.Main().LRN()
	conv := fmt.Sprintf("α' = α/n = %g/%d (PyTorch's and Caffe's convention)", p.Alpha, p.Size)
	if p.Paper {
		conv = fmt.Sprintf("α' = α = %g (the paper's convention)", p.Alpha)
	}
	how := fmt.Sprintf("b = a / (%g + %g·Σa²)^%g, the sum over channels c−%d…c+%d of the same pixel, zero outside;\n%s.",
		p.K, p.Scale(), p.Beta, p.Size/2, (p.Size-1)/2, conv)
	inS, outS := g.slices(s)
	if lrnWindowed(s) {
		lrnWindowForward(g, f, s, how)
		return
	}
	g.doc(f, s, false, how+lrnChunks(s))
	scale := func(src, dst, n string) jen.Code {
		return jen.For(x("c := 0; c < channels; c++")).Block(
			x("clear(sums)"),
			jen.For(x("j := max(0, c-before); j <= min(channels-1, c+after); j++")).Block(
				x("runtime.LRNSquaresAdd(sums, %s[j*%s:j*%s+len(sums)])", src, n, n),
			),
			x("runtime.LRNScale(%s[c*%s:c*%s+len(sums)], %s[c*%s:c*%s+len(sums)], sums, k, scale, beta)", dst, n, n, src, n, n),
		)
	}
	if !lrnBlocked(s) {
		kernel(f, s, g.name[s],
			jen.Const().Defs(lrnConsts(s)...),
			x("in, out := %s, %s", inS, outS),
			x("sums := m.scratch[worker][:pixels]"),
			jen.For(x("i := lo; i < hi; i++")).Block(
				x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
				scale("src", "dst", "pixels"),
			),
		)
		return
	}
	kernel(f, s, g.name[s],
		jen.Const().Defs(lrnConsts(s)...),
		x("in, out := %s, %s", inS, outS),
		x("buf := m.scratch[worker]"),
		x("a, b := buf[:channels*chunk], buf[channels*chunk:2*channels*chunk]"),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
			jen.For(x("p0 := 0; p0 < pixels; p0 += chunk")).Block(
				x("sums := buf[2*channels*chunk : 2*channels*chunk+min(chunk, pixels-p0)]"),
				chunkIn(s.InLayout, "a", "src"),
				scale("a", "b", "chunk"),
				chunkOut(s.Layout, "dst", "b"),
			),
		),
	)
}

// lrnBlocked says an LRN step reads or writes the channel-blocked layout. It then works on
// chunks of an image's pixels (compiler.LRNChunk, a multiple of 16 so that the runtime's kernels
// run whole vectors): the chunk's channels gathered as NCHW rows in the worker's scratch (16×16
// transposes), normalised as in NCHW, and scattered back.
func lrnBlocked(s *compiler.Step) bool {
	return s.InLayout == compiler.LayoutBlocked || s.Layout == compiler.LayoutBlocked
}

// lrnChunks is what an LRN kernel's comment says of the layout it works in.
func lrnChunks(s *compiler.Step) string {
	if !lrnBlocked(s) {
		return ""
	}
	return fmt.Sprintf("\nIn %d pixels at a time: their channels gathered from %s as rows in the worker's scratch,\nnormalised, and scattered back as %s.",
		compiler.LRNChunkOf(s.In()), s.InLayout, s.Layout)
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

// lrnBackward emits LRN's exact backward pass per image. With b_i = a_i·s_i^−β and
// s_i = k + α'·Σ_{j∈W(i)} a_j², ∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1).
func lrnBackward(g *gen, f *jen.File, s *compiler.Step) {
	p := s.Main().LRN()
	how := lrnChunks(s)
	if s.InputGrad == compiler.LRNBackwardBlocked {
		how = fmt.Sprintf("\nIn chunks of %d pixels: the windows' sums of squares and of the terms in the blocked layout.", compiler.LRNChunkOf(s.In()))
	}
	g.doc(f, s, true, "The exact gradient: with b_i = a_i·s_i^−β and s_i = k + α'·Σ_{j∈W(i)} a_j²,\n"+
		"∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1)."+how)
	inS, _, dyS, dxS := g.gradSlices(s)
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
	consts := jen.Const().Defs(append(lrnConsts(s),
		x("twoScaleBeta").Op("=").Lit(float32(2*p.Scale()*p.Beta)).Comment("2α'β"),
	)...)
	if s.InputGrad == compiler.LRNBackwardBlocked {
		lrnWindowBackward(g, f, s, consts)
		return
	}
	if !lrnBlocked(s) {
		kernel(f, s, g.backName(s),
			consts,
			x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
			x("terms, sums := m.scratch[worker][:channels*pixels], m.scratch[worker][channels*pixels:(channels+1)*pixels]"),
			jen.For(x("i := lo; i < hi; i++")).Block(append([]jen.Code{
				x("a, gy, gx := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize], dx[i*inSize:(i+1)*inSize]"),
			}, grad("pixels")...)...),
		)
		return
	}
	kernel(f, s, g.backName(s),
		consts,
		x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
		x("buf := m.scratch[worker]"),
		x("a, gy, gx := buf[:channels*chunk], buf[channels*chunk:2*channels*chunk], buf[2*channels*chunk:3*channels*chunk]"),
		x("terms := buf[3*channels*chunk : 4*channels*chunk]"),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("src, g, d := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize], dx[i*inSize:(i+1)*inSize]"),
			jen.For(x("p0 := 0; p0 < pixels; p0 += chunk")).Block(append(append([]jen.Code{
				x("sums := buf[4*channels*chunk : 4*channels*chunk+min(chunk, pixels-p0)]"),
				chunkIn(s.InLayout, "a", "src"),
				chunkIn(s.Layout, "gy", "g"),
			}, grad("chunk")...), chunkOut(s.InLayout, "d", "gx"))...),
		),
	)
}

// lrnWindowBackward emits the backward pass of an LRN step between blocked layouts
// (compiler.LRNBackwardBlocked), per chunk of an image's pixels: the windows' sums of squares
// (runtime.LRNWindowSquares), then per block gx = g·s^−β (runtime.LRNScale, into dX) and the terms
// gx·a/s; the terms summed over the windows each channel lies in (runtime.LRNWindowSums,
// the window mirrored); and dX −= 2α'β·a·Σterms (runtime.LRNSubProduct).
func lrnWindowBackward(g *gen, f *jen.File, s *compiler.Step, consts jen.Code) {
	shape := s.In()
	inS, _, dyS, dxS := g.gradSlices(s)
	lanes := compiler.ChannelBlock
	block := func(slice string) string { return fmt.Sprintf("%s[cb*n*%d:(cb+1)*n*%d]", slice, lanes, lanes) }
	at := func(slice string) string { return fmt.Sprintf("%s[at:at+n*%d]", slice, lanes) }
	kernel(f, s, g.backName(s),
		consts,
		jen.Const().Id("blocks").Op("=").Lit(shape.C/lanes),
		x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
		x("buf := m.scratch[worker]"),
		x("sums, terms, tsums := buf[:channels*chunk], buf[channels*chunk:2*channels*chunk], buf[2*channels*chunk:3*channels*chunk]"),
		x("row := buf[3*channels*chunk : 3*channels*chunk+channels+32]"),
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

// lrnWindowForward emits the forward pass of an LRN step between blocked layouts (lrnWindowed):
// per chunk of an image's pixels, the windows' sums of squares in the blocked layout, then each
// block scaled by runtime.LRNScale, in place or not.
func lrnWindowForward(g *gen, f *jen.File, s *compiler.Step, how string) {
	name := g.name[s]
	shape := s.In()
	chunk := compiler.LRNChunkOf(shape)
	chunks := (shape.H*shape.W + chunk - 1) / chunk
	g.doc(f, s, false, how+fmt.Sprintf("\nIn chunks of %d pixels (%sChunks, split over the workers when they have fewer images): the\n"+
		"windows summed in the blocked layout by runtime.LRNWindowSquares, then each block scaled.", chunk, name))
	kernel(f, s, name,
		jen.If(x("m.wide")).Block(x("runtime.Parallel(m.n*%d, m.kernels.%sChunks)", chunks, name), jen.Return()),
		x("m.%sChunks(worker, lo*%d, hi*%d)", name, chunks, chunks),
	)
	inS, outS := g.slices(s)
	f.Comment(fmt.Sprintf("%sChunks normalises chunks lo…hi−1: chunk u is pixels (u%%%d)·%d… of image u/%d.", name, chunks, chunk, chunks))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Chunks").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(append(lrnConsts(s),
			x("blocks, chunks").Op("=").List(jen.Lit(shape.C/compiler.ChannelBlock), jen.Lit(chunks)),
		)...),
		x("in, out := %s, %s", inS, outS),
		x("buf := m.scratch[worker]"),
		x("sums, row := buf[:channels*chunk], buf[channels*chunk:channels*(chunk+1)+32]"),
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
