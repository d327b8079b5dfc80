package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/codegen/asm"
	"github.com/netc-project/netc/compiler"
)

func init() {
	register(compiler.OpConv, &emitter{forward: convForward, backward: convBackward,
		kernels: func(g *gen, s *compiler.Step) []asm.Conv { return []asm.Conv{convKernel(g, s)} },
		bound:   func(g *gen, s *compiler.Step) []string { return []string{g.name[s] + "Rows"} },
		pack:    func(g *gen, s *compiler.Step) string { return g.name[s] + "Pack" },
	})
}

// convDims are a convolution's sizes as its kernels name them: per group, the GEMM's rows (output
// channels), columns (output pixels) and depth (values per patch), and the input's channels.
type convDims struct {
	c                      *compiler.Conv
	in, out                compiler.Shape
	gIn, rows, cols, depth int
}

func dimsOf(s *compiler.Step) convDims {
	c, in, out := s.Main().Conv(), s.In(), s.Out()
	gIn := in.C / c.Groups
	return convDims{c: c, in: in, out: out, gIn: gIn, rows: c.Out / c.Groups, cols: out.H * out.W, depth: gIn * c.KH * c.KW}
}

// consts declares the sizes every conv kernel names.
func (d convDims) consts() []jen.Code {
	return append(sizes(d.in, d.out),
		x("groups").Op("=").Lit(d.c.Groups),
		x("rows").Op("=").Lit(d.rows).Comment("output channels per group: the GEMM's M"),
		x("cols").Op("=").Lit(d.cols).Comment(fmt.Sprintf("output pixels %dx%d: its N", d.out.H, d.out.W)),
		x("depth").Op("=").Lit(d.depth).Comment(fmt.Sprintf("values per patch, %dx%dx%d: its K", d.gIn, d.c.KH, d.c.KW)),
		x("inGroup").Op("=").Lit(int(d.in.Size())/d.c.Groups).Comment("input values per group"),
	)
}

// convForward emits a convolution's forward pass as its lower pass planned it (ConvDirect):
// per image, the input copied into a padded, channel-blocked scratch copy, each output row of
// each group of output blocks computed by the layer's generated kernel (its assembly in
// asm_amd64.s) with the bias and a fused ReLU, then the output copied back to NCHW; the
// weights packed for the kernel before a Forward when they may have changed. The
// package-level geometry of the patches, which the backward pass's products read, is declared
// here too.
func convForward(g *gen, f *jen.File, s *compiler.Step) {
	l, d := s.Main(), dimsOf(s)
	c, in, out := d.c, d.in, d.out
	b := s.ConvBlocking()
	name := g.name[s]
	geometry := name + "Geometry"

	// var conv1Geometry = runtime.Conv{C: 3, H: 227, W: 227, KH: 11, KW: 11, SH: 4, SW: 4, PH: 0, PW: 0, OutH: 55, OutW: 55}
	f.Comment(fmt.Sprintf("%s is the layout of one group's patches in %s: the columns of a %d×%d matrix, one per", geometry, l.Name, d.depth, d.cols))
	f.Comment("output pixel, each the input under that pixel's window, zero in the padding; the backward pass reads it.")
	f.Var().Id(geometry).Op("=").Add(x("runtime.Conv{C: %d, H: %d, W: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, OutH: %d, OutW: %d}",
		d.gIn, in.H, in.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, out.H, out.W))

	k := convKernel(g, s)
	calls := b.OutBlocks / b.PerCall
	items := c.Groups * calls * out.H
	inCopy, outCopy := int(b.InSize()), int(b.OutSize())
	layout := fmt.Sprintf("%d blocks of %d channels of %dx%d pixels", b.InBlocks, b.InLanes, b.PadH, b.PadW)
	if b.InLanes < compiler.ChannelBlock {
		layout = fmt.Sprintf("%d planes of %dx%d pixels", b.InLanes, b.PadH, b.PadW)
	}
	how := fmt.Sprintf("Per image and group: the input copied into a padded copy (%s), %d output blocks of %d\n"+
		"channels computed by %s, %d blocks and a row at a time", layout, b.OutBlocks, compiler.ChannelBlock, k.Name, b.PerCall)
	if c.Learn.Bias {
		how += ", the bias added"
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	g.doc(f, s, false, how+";\nthen copied back to NCHW. The rows of one image are split over the workers when they have fewer images.")
	inS, outS := g.slices(s)
	kernel(f, s, name,
		jen.Const().Defs(sizes(in, out)...),
		x("in, out := %s, %s", inS, outS),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("m.%sImage(worker, in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize])", name),
		),
	)

	// conv2Image: the copies in and out around the rows.
	f.Comment(fmt.Sprintf("%sImage computes one image of %s: src (%s) into dst (%s).", name, l.Name, in, out))
	var copyIn jen.Code
	if b.InLanes < compiler.ChannelBlock {
		// Planes: each input row is a row of the copy.
		copyIn = jen.For(x("c := 0; c < groups*gIn; c++")).Block(
			x("at := c/gIn*inCopy + c%%gIn*plane + ph*row + pw"),
			jen.For(x("y := 0; y < inH; y++")).Block(
				x("copy(xs[at+y*row:at+y*row+inW], src[(c*inH+y)*inW:(c*inH+y+1)*inW])"),
			),
		)
	} else {
		// Blocks: each row of 16 planes becomes a row of vectors of 16 channels (the channels
		// beyond the group's zero).
		copyIn = jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("cb := 0; cb*%d < gIn; cb++", compiler.ChannelBlock)).Block(
				x("n := min(%d, gIn-cb*%d)", compiler.ChannelBlock, compiler.ChannelBlock),
				x("s, d := src[(gr*gIn+cb*%d)*inH*inW:], xs[gr*inCopy+cb*block+ph*row+pw*pixel:]", compiler.ChannelBlock),
				jen.For(x("y := 0; y < inH; y++")).Block(
					x("runtime.ToBlocks(d[y*row:], s[y*inW:], inH*inW, n, inW)"),
				),
			),
		)
	}
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Image").Params(jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dst")).Index().Float32()).Block(
		jen.Const().Defs(
			x("groups, gIn, gOut").Op("=").List(jen.Lit(c.Groups), jen.Lit(d.gIn), jen.Lit(d.rows)).Comment("channels per group"),
			x("inH, inW, pixels").Op("=").List(jen.Lit(in.H), jen.Lit(in.W), jen.Lit(out.H*out.W)),
			x("ph, pw").Op("=").List(jen.Lit(c.PH), jen.Lit(c.PW)).Comment("the padding"),
			x("pixel, row, block, plane").Op("=").List(jen.Lit(inPix(b)), jen.Lit(inPix(b)*b.PadW), jen.Lit(inBlock(b)), jen.Lit(inPlane(b))).Comment("strides of the copy"),
			x("inCopy, outCopy").Op("=").List(jen.Lit(inCopy), jen.Lit(outCopy)).Comment("one group's copies"),
			x("items").Op("=").Lit(items).Comment(fmt.Sprintf("kernel calls: %d groups × %d calls × %d rows", c.Groups, calls, out.H)),
		),
		x("buf := m.scratch[worker]"),
		x("xs, ys := buf[:groups*inCopy], buf[groups*inCopy:groups*(inCopy+outCopy)]"),
		x("clear(xs)").Comment("the padding is zero"),
		copyIn,
		jen.If(x("m.wide")).Block(
			x("runtime.Parallel(items, m.kernels.%sRows)", name),
		).Else().Block(
			x("m.%sRows(worker, 0, items)", name),
		),
		jen.Comment("Back to NCHW: each block's vectors of 16 channels become 16 planes."),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob*%d < gOut; ob++", compiler.ChannelBlock)).Block(
				x("runtime.FromBlocks(dst[(gr*gOut+ob*%d)*pixels:], pixels, ys[gr*outCopy+ob*pixels*%d:], min(%d, gOut-ob*%d), pixels)",
					compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock),
			),
		),
	)

	// conv2Rows: the kernel calls.
	f.Comment(fmt.Sprintf("%sRows runs %s for calls lo…hi−1 of one image: call u is output row u%%%d of blocks", name, k.Name, out.H))
	f.Comment(fmt.Sprintf("(u/%d%%%d)·%d… of group u/%d. When the model has fewer images than workers, the workers share", out.H, calls, b.PerCall, calls*out.H))
	f.Comment("worker 0's copies.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Rows").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(
			x("groups, calls, outH, outW").Op("=").List(jen.Lit(c.Groups), jen.Lit(calls), jen.Lit(out.H), jen.Lit(out.W)),
			x("sh, row").Op("=").List(jen.Lit(c.SH), jen.Lit(inPix(b)*b.PadW)).Comment("the stride, and a row of the input copy"),
			x("inCopy, outCopy").Op("=").List(jen.Lit(inCopy), jen.Lit(outCopy)),
			x("callBlocks, callWeights").Op("=").List(jen.Lit(b.PerCall*compiler.ChannelBlock*out.H*out.W), jen.Lit(int(b.WeightSize())/calls)).Comment("one call's output blocks and weights"),
			x("biases").Op("=").Lit(c.Groups*int(b.WeightSize())).Comment("where the biases start in the packed weights"),
		),
		x("buf := m.scratch[worker]"),
		jen.If(x("m.wide")).Block(x("buf = m.scratch[0]")),
		x("xs, ys, w := buf[:groups*inCopy], buf[groups*inCopy:groups*(inCopy+outCopy)], m.%sPacked", name),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, call, oy := u/(calls*outH), u/outH%%calls, u%%outH"),
			x("at := gr*calls + call").Comment("the call's place among the group's"),
			x("%s(ys[gr*outCopy+call*callBlocks+oy*outW*%d:], xs[gr*inCopy+oy*sh*row:], w[at*callWeights:(at+1)*callWeights], w[biases+at*%d:])",
				k.Name, compiler.ChannelBlock, b.PerCall*compiler.ChannelBlock),
		),
	)

	// conv2Pack: the weights laid out for the kernel.
	bias := "0"
	if c.Learn.Bias {
		bias = fmt.Sprintf("m.%s[o]", fieldName(l.Name+".bias"))
	}
	f.Comment(fmt.Sprintf("%sPack lays out %s's weights and bias for %s: per group and call, [input block][ky][kx][lane]", name, l.Name, k.Name))
	f.Comment(fmt.Sprintf("[%d output blocks][%d channels], zero for channels beyond the group's; then the biases.", b.PerCall, compiler.ChannelBlock))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Pack").Params().Block(
		jen.Const().Defs(
			x("gIn, gOut, kh, kw").Op("=").List(jen.Lit(d.gIn), jen.Lit(d.rows), jen.Lit(c.KH), jen.Lit(c.KW)),
			x("lanes, perCall, calls").Op("=").List(jen.Lit(b.InLanes), jen.Lit(b.PerCall), jen.Lit(calls)),
			x("callWeights, biases").Op("=").List(jen.Lit(int(b.WeightSize())/calls), jen.Lit(c.Groups*int(b.WeightSize()))),
		),
		x("w, p := m.%s, m.%sPacked", fieldName(l.Name+".weight"), name),
		x("clear(p)"),
		jen.For(x("o := 0; o < %d; o++", c.Out)).Block(
			x("gr, blk, ch := o/gOut, o%%gOut/%d, o%%gOut%%%d", compiler.ChannelBlock, compiler.ChannelBlock),
			x("at := (gr*calls+blk/perCall)*callWeights + blk%%perCall*%d + ch", compiler.ChannelBlock),
			jen.For(x("c := 0; c < gIn; c++")).Block(
				jen.For(x("ky := 0; ky < kh; ky++")).Block(
					jen.For(x("kx := 0; kx < kw; kx++")).Block(
						x("p[at+(((c/lanes*kh+ky)*kw+kx)*lanes+c%%lanes)*perCall*%d] = w[((o*gIn+c)*kh+ky)*kw+kx]", compiler.ChannelBlock),
					),
				),
			),
			x("p[biases+(gr*calls+blk/perCall)*perCall*%d+blk%%perCall*%d+ch] = %s", compiler.ChannelBlock, compiler.ChannelBlock, bias),
		),
	)
}

// inPix, inBlock and inPlane are the strides of a conv's input copy, in float32 values: between
// pixels, between blocks of channels, and between the channels of a block.
func inPix(b *compiler.ConvBlocking) int {
	if b.InLanes < compiler.ChannelBlock {
		return 1
	}
	return compiler.ChannelBlock
}
func inBlock(b *compiler.ConvBlocking) int { return b.InLanes * b.PadH * b.PadW }
func inPlane(b *compiler.ConvBlocking) int {
	if b.InLanes < compiler.ChannelBlock {
		return b.PadH * b.PadW
	}
	return 1
}

// convKernel is the geometry of a conv step's generated kernel.
func convKernel(g *gen, s *compiler.Step) asm.Conv {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	return asm.Conv{Name: g.name[s] + "Kernel",
		InBlocks: b.InBlocks, InLanes: b.InLanes,
		InCStride: inPlane(b), InPixStride: inPix(b), InRowStride: inPix(b) * b.PadW, InBlockStride: inBlock(b),
		KH: c.KH, KW: c.KW, SH: c.SH, SW: c.SW,
		OutW: b.OutW, OutBlocks: b.PerCall, OutBlockStride: compiler.ChannelBlock * b.OutH * b.OutW,
		ReLU: s.ReLU, Tile: b.Tile,
		Doc: fmt.Sprintf("%s (%s), one output row", s.Name(), g.where(l))}
}

// convBackward emits a convolution's backward pass per image and group: the ReLU mask and bias
// gradient in one pass, the weight gradient dW += dY · patchesᵀ into the worker's partial sums,
// and the input gradient as the lower pass chose it: a transposed convolution of dY with the
// flipped weights, or col2im(Wᵀ · dY).
func convBackward(g *gen, f *jen.File, s *compiler.Step) {
	l, d := s.Main(), dimsOf(s)
	c, in := d.c, d.in
	name := g.name[s]
	how := fmt.Sprintf("Per image and group: dW += dY·patchesᵀ (%d×%d · %d×%d, the patches packed straight from the image)\n"+
		"into the worker's partial sums", d.rows, d.cols, d.cols, d.depth)
	switch s.InputGrad {
	case compiler.ConvTransposed:
		how += fmt.Sprintf(",\nand dX as the convolution of dY with the flipped weights (%d×%d · %d×%d, packed from dY)",
			d.gIn, d.rows*c.KH*c.KW, d.rows*c.KH*c.KW, in.H*in.W)
	case compiler.ConvCol2im:
		how += fmt.Sprintf(",\nand dX = col2im(Wᵀ·dY) (%d×%d · %d×%d)", d.depth, d.rows, d.rows, d.cols)
	}
	g.doc(f, s, true, how+".")
	weight := l.Name + ".weight"
	consts := append(d.consts(),
		x("dw").Op("=").Lit(int(s.PartialsAt)).Comment("the weights' gradient in the partial sums"),
	)
	if c.Learn.Bias {
		consts = append(consts, x("db").Op("=").Lit(int(s.PartialsAt)+int(g.params[g.index[weight]].Size())).Comment("the bias's"))
	}
	if s.InputGrad == compiler.ConvTransposed {
		consts = append(consts,
			x("window").Op("=").Lit(c.KH*c.KW).Comment(fmt.Sprintf("kernel pixels, %dx%d", c.KH, c.KW)),
			x("gIn").Op("=").Lit(d.gIn).Comment("input channels per group: the transposed GEMM's M"),
			x("inPixels").Op("=").Lit(in.H*in.W).Comment(fmt.Sprintf("input pixels %dx%d: its N", in.H, in.W)),
		)
	}
	inS, outS, dyS, dxS := g.gradSlices(s)
	body := []jen.Code{jen.Const().Defs(consts...), x("in, dy := %s, %s", inS, dyS)}
	if s.ReLU {
		body = append(body, x("out := %s", outS))
	}
	switch s.InputGrad {
	case compiler.ConvTransposed:
		body = append(body, x("dx := %s", dxS))
	case compiler.ConvCol2im:
		body = append(body, x("dx, dpatches := %s, m.scratch[worker][:depth*cols]", dxS))
	}
	body = append(body, x("sums := m.partials[worker]"))
	loop := []jen.Code{x("src, g := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize]")}
	if s.ReLU {
		loop = append(loop, x("y := out[i*outSize : (i+1)*outSize]"))
	}
	if s.ReLU || c.Learn.Bias {
		loop = append(loop,
			jen.Comment("The ReLU's mask and the bias gradient, channel by channel."),
			jen.For(x("o := 0; o < groups*rows; o++")).Block(
				maskAndSum(s.ReLU, c.Learn.Bias, "g[o*cols:(o+1)*cols]", "y[o*cols:(o+1)*cols]", "sums[db+o]"),
			),
		)
	}
	switch s.InputGrad {
	case compiler.ConvTransposed:
		loop = append(loop, x("d := dx[i*inSize : (i+1)*inSize]"))
	case compiler.ConvCol2im:
		loop = append(loop, x("d := dx[i*inSize : (i+1)*inSize]"), x("clear(d)"))
	}
	dy := "runtime.Dense(g[gr*rows*cols:(gr+1)*rows*cols], cols)"
	groupBody := []jen.Code{
		jen.Comment("dW += dY · patchesᵀ"),
		x("m.multiply(worker, %s)", product("rows", "depth", "cols", dy,
			fmt.Sprintf("runtime.Patches(src[gr*inGroup:(gr+1)*inGroup], &%sGeometry).T()", name),
			"sums[dw+gr*rows*depth : dw+(gr+1)*rows*depth]", "depth", true, "")),
	}
	switch s.InputGrad {
	case compiler.ConvTransposed:
		groupBody = append(groupBody,
			jen.Comment("dX = flipped weights · dY's patches"),
			x("m.multiply(worker, %s)", product("gIn", "inPixels", "rows*window",
				fmt.Sprintf("runtime.Dense(m.%sRelaid[gr*depth*rows:(gr+1)*depth*rows], rows*window)", name),
				fmt.Sprintf("runtime.Patches(g[gr*rows*cols:(gr+1)*rows*cols], &%sTransposed)", name),
				"d[gr*inGroup:(gr+1)*inGroup]", "inPixels", false, "")),
		)
	case compiler.ConvCol2im:
		groupBody = append(groupBody,
			jen.Comment("dX = col2im(Wᵀ · dY)"),
			x("m.multiply(worker, %s)", product("depth", "cols", "rows",
				fmt.Sprintf("runtime.Dense(m.%s[gr*rows*depth:(gr+1)*rows*depth], depth).T()", fieldName(weight)),
				dy, "dpatches", "cols", false, "")),
			x("runtime.Col2im(d[gr*inGroup:(gr+1)*inGroup], dpatches, &%sGeometry)", name),
		)
	}
	loop = append(loop, jen.For(x("gr := 0; gr < groups; gr++")).Block(groupBody...))
	body = append(body, jen.For(x("i := lo; i < hi; i++")).Block(loop...))
	kernel(f, s, g.backName(s), body...)
	if s.InputGrad == compiler.ConvTransposed {
		convRelay(g, f, s)
	}
}

// convRelay emits, for a conv whose input gradient is a transposed convolution, the geometry of
// that convolution and the method that lays out its weights for it: flipped in space, input and
// output channels swapped, per group.
func convRelay(g *gen, f *jen.File, s *compiler.Step) {
	l, d := s.Main(), dimsOf(s)
	c, in, out := d.c, d.in, d.out
	name := g.name[s]
	gOut := d.rows
	f.Comment(fmt.Sprintf("%sTransposed is the geometry of %s's input gradient as a convolution of its output gradient:", name, l.Name))
	f.Comment(fmt.Sprintf("%d channels of %dx%d, the %dx%d kernel with padding %dx%d (kernel − 1 − padding), giving %dx%d.",
		gOut, out.H, out.W, c.KH, c.KW, c.KH-1-c.PH, c.KW-1-c.PW, in.H, in.W))
	f.Var().Id(name + "Transposed").Op("=").Add(x("runtime.Conv{C: %d, H: %d, W: %d, KH: %d, KW: %d, SH: 1, SW: 1, PH: %d, PW: %d, OutH: %d, OutW: %d}",
		gOut, out.H, out.W, c.KH, c.KW, c.KH-1-c.PH, c.KW-1-c.PW, in.H, in.W))
	f.Comment(fmt.Sprintf("%sRelay lays out %s's weights for its input gradient, flipped with their channels swapped:", name, l.Name))
	f.Comment("W'[g][c][o][ky][kx] = W[g][o][c][kh−1−ky][kw−1−kx].")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Relay").Params().Block(
		jen.Const().Defs(
			x("groups, gIn, gOut").Op("=").List(jen.Lit(c.Groups), jen.Lit(d.gIn), jen.Lit(gOut)),
			x("kh, kw").Op("=").List(jen.Lit(c.KH), jen.Lit(c.KW)),
		),
		x("w, f := m.%s, m.%sRelaid", fieldName(l.Name+".weight"), name),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("o := 0; o < gOut; o++")).Block(
				jen.For(x("c := 0; c < gIn; c++")).Block(
					jen.For(x("ky := 0; ky < kh; ky++")).Block(
						jen.For(x("kx := 0; kx < kw; kx++")).Block(
							x("f[(((gr*gIn+c)*gOut+o)*kh+ky)*kw+kx] = w[(((gr*gOut+o)*gIn+c)*kh+kh-1-ky)*kw+kw-1-kx]"),
						),
					),
				),
			),
		),
	)
}

// maskAndSum emits the pass over a conv's output gradient that applies the fused ReLU's mask (the
// output's sign) and sums the bias gradient, in one read of the gradient (runtime.ReLUBackward).
func maskAndSum(relu, bias bool, grad, out, sum string) jen.Code {
	switch {
	case relu && bias:
		return x("%s += runtime.ReLUBackward(%s, %s)", sum, grad, out)
	case relu:
		return x("runtime.ReLUBackward(%s, %s)", grad, out)
	case bias:
		return x("%s += runtime.Sum(%s)", sum, grad)
	}
	return jen.Null()
}
