package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/codegen/asm"
	"github.com/netc-project/netc/compiler"
)

func init() {
	register(compiler.OpConv, &emitter{forward: convForward, backward: convBackward,
		kernels: func(g *gen, s *compiler.Step) []asm.Kernel {
			var ks []asm.Kernel
			for _, wc := range winoConvs(g, s) {
				ks = append(ks, wc.kernels()...)
			}
			for _, d := range directsOf(g, s) {
				ks = append(ks, &d.kernel)
			}
			if s.Backward {
				u := updKernel(g, s)
				ks = append(ks, &u)
				if s.ConvBlocking().Wino != nil {
					dy := winoDyKernel(g, s)
					ks = append(ks, &dy)
				}
			}
			return ks
		},
		reduce: convReduce,
		pack:   func(g *gen, s *compiler.Step) string { return g.name[s] + "Pack" },
	})
}

// convDirects are a conv step's direct convolutions (directsOf), each with the name it calls
// its kernel by (the package's kernels are shared by then).
func convDirects(g *gen, s *compiler.Step) []direct {
	ds := directsOf(g, s)
	for i := range ds {
		ds[i].call = g.asm(ds[i].kernel.Name)
	}
	return ds
}

// directsOf are a conv step's direct convolutions: its forward pass unless it runs by Winograd,
// and its input gradient when the lower pass made it one (ConvTransposed).
func directsOf(g *gen, s *compiler.Step) []direct {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	name := g.name[s]
	in, out := s.InLayout == compiler.LayoutBlocked, s.Layout == compiler.LayoutBlocked
	var ds []direct
	if b.Wino == nil {
		k := s.Kernel(compiler.PassForward)
		ds = append(ds, direct{name: name, what: l.Name, step: name, b: b, k: k, rows: k.Loop("Rows"), groups: c.Groups,
			weights: name + "Packed", packK: s.Kernel(compiler.PassPack), inBlocked: in, outBlocked: out,
			kernel: directKernel(name+"Kernel", b, s.ReLU, "one output row", fmt.Sprintf("%s (%s)", s.Name(), g.where(l)))})
	}
	if gb := s.ConvGradBlocking(); gb != nil && gb.Wino == nil && s.Backward {
		k := s.Kernel(compiler.PassInputGrad)
		ds = append(ds, direct{name: name + "Grad", what: l.Name + "'s input gradient", step: name, b: gb, k: k, rows: k.Loop("GradRows"),
			groups: c.Groups, weights: name + "Relaid", packK: s.Kernel(compiler.PassRelay), inBlocked: out, outBlocked: in,
			kernel: directKernel(name+"GradKernel", gb, false, "one row of an input gradient from the output gradient",
				fmt.Sprintf("the input gradient of %s (%s)", l.Name, g.where(l)))})
	}
	return ds
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

// consts are the sizes every conv kernel names.
func (d convDims) consts() []constant {
	return append(sizes(d.in, d.out),
		def("groups", d.c.Groups),
		def("rows", d.rows).note("output channels per group: the GEMM's M"),
		def("cols", d.cols).note("output pixels %dx%d: its N", d.out.H, d.out.W),
		def("depth", d.depth).note("values per patch, %dx%dx%d: its K", d.gIn, d.c.KH, d.c.KW),
		def("inGroup", int(d.in.Size())/d.c.Groups).note("input values per group"),
	)
}

// convForward emits a convolution's forward pass as its lower pass planned it: per image, the
// input copied into a padded, channel-blocked scratch copy (or read in place), each output row
// of each group of output blocks computed by the layer's generated kernel (its assembly in
// asm_amd64.s) with the bias and a fused ReLU, and for an NCHW output the blocks copied back; the
// weights packed for the kernel before a Forward when they may have changed. For a conv whose
// input gradient goes through col2im, the package-level geometry of its patches is declared
// here too.
func convForward(g *gen, f *jen.File, s *compiler.Step) {
	l, d := s.Main(), dimsOf(s)
	c, in, out := d.c, d.in, d.out
	b := s.ConvBlocking()
	name := g.name[s]
	geometry := name + "Geometry"

	if s.InputGrad == compiler.ConvCol2im {
		// var conv1Geometry = runtime.Conv{C: 3, H: 227, W: 227, KH: 11, KW: 11, SH: 4, SW: 4, PH: 0, PW: 0, OutH: 55, OutW: 55}
		f.Comment(fmt.Sprintf("%s is the layout of one group's patches in %s: the columns of a %d×%d matrix, one per", geometry, l.Name, d.depth, d.cols))
		f.Comment("output pixel, each the input under that pixel's window, zero in the padding; col2im in the backward")
		f.Comment("pass writes the input gradient through it.")
		f.Var().Id(geometry).Op("=").Add(x("runtime.Conv{C: %d, H: %d, W: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, OutH: %d, OutW: %d}",
			d.gIn, in.H, in.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, out.H, out.W))
	}

	if b.Wino != nil {
		winoForward(g, f, s)
		return
	}
	fwd := convDirects(g, s)[0]
	input := fmt.Sprintf("the input copied into a padded copy (%s)", copyLayout(b))
	if b.InPlace {
		input = "the image read in place (planes without padding)"
	}
	how := fmt.Sprintf("Per image and group: %s, %d output blocks of %d\n"+
		"channels computed by %s, %d blocks and a row at a time", input, b.OutBlocks, compiler.ChannelBlock, fwd.call, b.PerCall)
	if c.Learn.Bias {
		how += ", the bias added"
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !fwd.outBlocked {
		how += ";\nthen copied back to NCHW"
	}
	g.doc(f, s, false, how+". The rows of one image are split over the workers when they have fewer images.")
	imageLoop(g, f, s)
	directConv(f, fwd)

	// conv2Pack: the weights laid out for the kernel.
	bias := "0"
	if c.Learn.Bias {
		bias = fmt.Sprintf("m.%s[o]", g.field(l.Name+".bias"))
	}
	pack := s.Kernel(compiler.PassPack)
	f.Comment(fmt.Sprintf("%sPack lays out %s's weights and bias for %s: per group and call, [input block][ky][kx][lane]", name, l.Name, fwd.call))
	f.Comment(fmt.Sprintf("[%d output blocks][%d channels], zero for channels beyond the group's; then the biases.", b.PerCall, compiler.ChannelBlock))
	method(f, name+"Pack", nil, append(regions(pack),
		def("gIn, gOut, kh, kw", d.gIn, d.rows, c.KH, c.KW),
		def("lanes, perCall, calls", b.InLanes, b.PerCall, b.Calls()),
		def("callWeights", int(b.WeightSize())/b.Calls())),
		x("w, p := m.%s, m.%sPacked", g.field(l.Name+".weight"), name),
		x("clear(p)"),
		jen.For(x("o := 0; o < %d; o++", c.Out)).Block(
			x("gr, blk, ch := o/gOut, o%%gOut/%d, o%%gOut%%%d", compiler.ChannelBlock, compiler.ChannelBlock),
			x("at := weightsAt + (gr*calls+blk/perCall)*callWeights + blk%%perCall*%d + ch", compiler.ChannelBlock),
			jen.For(x("c := 0; c < gIn; c++")).Block(
				jen.For(x("ky := 0; ky < kh; ky++")).Block(
					jen.For(x("kx := 0; kx < kw; kx++")).Block(
						x("p[at+(((c/lanes*kh+ky)*kw+kx)*lanes+c%%lanes)*perCall*%d] = w[((o*gIn+c)*kh+ky)*kw+kx]", compiler.ChannelBlock),
					),
				),
			),
			x("p[biasesAt+(gr*calls+blk/perCall)*perCall*%d+blk%%perCall*%d+ch] = %s", compiler.ChannelBlock, compiler.ChannelBlock, bias),
		),
	)
}

// imageLoop emits a conv step's forward kernel: <name>Image on each of its images.
func imageLoop(g *gen, f *jen.File, s *compiler.Step) {
	inS, outS := g.slices(s)
	kernel(f, s, g.name[s], sizes(s.In(), s.Out()),
		x("in, out := %s, %s", inS, outS),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("m.%sImage(worker, in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize])", g.name[s]),
		),
	)
}

// copyLayout describes a direct convolution's input copy.
func copyLayout(b *compiler.ConvBlocking) string {
	if b.InLanes < compiler.ChannelBlock {
		return fmt.Sprintf("%d planes of %dx%d pixels", b.InLanes, b.PadH, b.PadW)
	}
	return fmt.Sprintf("%d blocks of %d channels of %dx%d pixels", b.InBlocks, b.InLanes, b.PadH, b.PadW)
}

// directKernel is the geometry of the generated kernel of a direct convolution: what one call
// computes (doc), for user.
func directKernel(name string, b *compiler.ConvBlocking, relu bool, doc, user string) asm.Conv {
	return asm.Conv{Name: name, InLanes: b.InLanes,
		InCStride: b.PlaneStride(), InPixStride: b.PixStride(), InRowStride: b.RowStride(), InBlockStride: b.BlockStride(),
		KH: b.KH, KW: b.KW, SH: b.SH, SW: b.SW,
		OutW: b.OutW, OutBlocks: b.PerCall, OutBlockStride: compiler.ChannelBlock * b.OutH * b.OutW,
		ReLU: relu, Tiles: asmTiles(&b.Tiles), Doc: doc, Users: []string{user}}
}

// direct is one direct convolution of a conv step, its forward pass or its input gradient:
// <name>Image runs it on one image, the loop of its plan (<name>Rows) its kernel calls.
type direct struct {
	name, what string // the methods' prefix (conv2, conv2Grad), and what it computes
	step       string // the step's name, which its loops' methods start with (conv2 + GradRows)
	b          *compiler.ConvBlocking
	k          *compiler.Kernel // its plan: the regions of its copies
	rows       compiler.Loop    // the loop of its kernel calls
	groups     int
	kernel     asm.Conv
	call       string           // the kernel's name at its calls: another's of the same geometry, or its own
	weights    string           // the Model's field of the weights laid out for the kernel, biases after them
	packK      *compiler.Kernel // the plan of the kernel that lays them out (Pack, Relay): their regions
	// The layouts of the image it reads and writes: channel-blocked (the kernel's own, the copy
	// in a row copy and the kernel writing the output in place) or NCHW (16×16 transposes).
	inBlocked, outBlocked bool
}

// copyConsts are the sizes that copyIn and the copies of a direct convolution's output (or of
// dY, for its weight gradient) name.
func copyConsts(b *compiler.ConvBlocking, groups int) []constant {
	return []constant{
		def("groups, gIn, gOut", groups, b.In, b.Out).note("channels per group"),
		def("inH, inW, pixels", b.InH, b.InW, b.OutH*b.OutW),
		def("ph, pw", b.PH, b.PW).note("the padding"),
		def("pixel, row, block, plane", b.PixStride(), b.RowStride(), b.BlockStride(), b.PlaneStride()).note("strides of the input copy"),
		def("inCopy, outCopy", int(b.InSize()), int(b.OutSize())).note("one group's copies"),
	}
}

// copyIn is the code that copies an image, src, into the padded copy xs of a direct
// convolution's input: from the channel-blocked layout, each row of a block a row of the copy;
// from NCHW, each input row a row of the copy when the input is planes, else each row of 16
// planes a row of vectors of 16 channels (the channels beyond the group's zero).
func copyIn(b *compiler.ConvBlocking, blocked bool) jen.Code {
	if blocked {
		return jen.For(x("cb := 0; cb < groups*gIn/%d; cb++", compiler.ChannelBlock)).Block(
			x("at, from := cb/(gIn/%d)*inCopy+cb%%(gIn/%d)*block+ph*row+pw*pixel, cb*inH*inW*%d",
				compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock),
			jen.For(x("y := 0; y < inH; y++")).Block(
				x("copy(xs[at+y*row:at+y*row+inW*%d], src[from+y*inW*%d:from+(y+1)*inW*%d])", compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock),
			),
		)
	}
	if b.InLanes < compiler.ChannelBlock {
		return jen.For(x("c := 0; c < groups*gIn; c++")).Block(
			x("at := c/gIn*inCopy + c%%gIn*plane + ph*row + pw"),
			jen.For(x("y := 0; y < inH; y++")).Block(
				x("copy(xs[at+y*row:at+y*row+inW], src[(c*inH+y)*inW:(c*inH+y+1)*inW])"),
			),
		)
	}
	return jen.For(x("gr := 0; gr < groups; gr++")).Block(
		jen.For(x("cb := 0; cb*%d < gIn; cb++", compiler.ChannelBlock)).Block(
			x("n := min(%d, gIn-cb*%d)", compiler.ChannelBlock, compiler.ChannelBlock),
			x("s, d := src[(gr*gIn+cb*%d)*inH*inW:], xs[gr*inCopy+cb*block+ph*row+pw*pixel:]", compiler.ChannelBlock),
			jen.For(x("y := 0; y < inH; y++")).Block(
				x("runtime.ToBlocks(d[y*row:], s[y*inW:], inH*inW, n, inW)"),
			),
		),
	)
}

// directConv emits a direct convolution's <name>Image, which copies an image into a padded,
// channel-blocked scratch copy, runs the kernel calls (the plan's loop, <name>Rows, split over
// the workers when the batch is wide) and, for an NCHW output, copies the blocked result back (a
// blocked output the kernel writes in place), and <name>Rows.
func directConv(f *jen.File, d direct) {
	b, name, rows := d.b, d.name, d.rows
	in := compiler.Shape{C: d.groups * b.In, H: b.InH, W: b.InW}
	out := compiler.Shape{C: d.groups * b.Out, H: b.OutH, W: b.OutW}
	consts := append(append(copyConsts(b, d.groups), regions(d.k)...),
		def("rows", rows.Items).note("kernel calls, each %s", rows.Item))
	f.Comment(fmt.Sprintf("%sImage computes one image of %s: src (%s, %s) into dst (%s, %s).", name, d.what, in, layout(d.inBlocked), out, layout(d.outBlocked)))
	code := imageCopy(b, d.k, d.inBlocked, d.outBlocked)
	code = append(code,
		jen.If(x("m.wide")).Block(
			x("runtime.Parallel(rows, m.kernels.%s)", d.step+rows.Name),
		).Else().Block(
			x("m.%s(worker, 0, rows)", d.step+rows.Name),
		),
	)
	if !d.outBlocked {
		code = append(code, backToNCHW()...)
	}
	method(f, name+"Image", []jen.Code{jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dst")).Index().Float32()}, consts, code...)

	xs, ys := "m.ins[worker]", "m.outs[worker]"
	if d.k.HasRegion("xs") {
		xs = scratch("worker", "xs")
	}
	if d.k.HasRegion("ys") {
		ys = scratch("worker", "ys")
	}
	f.Comment(fmt.Sprintf("%s runs %s for calls lo…hi−1 of one image: call u is output row u%%%d of blocks", d.step+rows.Name, d.call, b.OutH))
	f.Comment(fmt.Sprintf("(u/%d%%%d)·%d… of group u/%d. When the model has fewer images than workers, the workers share", b.OutH, b.Calls(), b.PerCall, b.Calls()*b.OutH))
	f.Comment("worker 0's copies.")
	method(f, d.step+rows.Name, loopParams, append(append(regions(d.k), regions(d.packK)...),
		def("calls, outH, outW", b.Calls(), b.OutH, b.OutW),
		def("sh, row", b.SH, b.RowStride()).note("the stride, and a row of the input copy"),
		def("inCopy, outCopy", int(b.InSize()), int(b.OutSize())),
		def("callBlocks, callWeights", b.PerCall*compiler.ChannelBlock*b.OutH*b.OutW, int(b.WeightSize())/b.Calls()).note("one call's output blocks and weights"),
		def("inBlocks", b.InBlocks)),
		jen.If(x("m.wide")).Block(x("worker = 0")),
		x("xs, ys, w := %s, %s, m.%s", xs, ys, d.weights),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, call, oy := u/(calls*outH), u/outH%%calls, u%%outH"),
			x("at := gr*calls + call").Comment("the call's place among the group's"),
			x("ws, bs := w[weightsAt+at*callWeights:][:callWeights], w[biasesAt+at*%d:]", b.PerCall*compiler.ChannelBlock).Comment("its weights and biases"),
			x("%s(ys[gr*outCopy+call*callBlocks+oy*outW*%d:], xs[gr*inCopy+oy*sh*row:], ws, bs, inBlocks)", d.call, compiler.ChannelBlock),
		),
	)
}

// layout is the layout of a convolution's image, blocked or not.
func layout(blocked bool) compiler.Layout {
	if blocked {
		return compiler.LayoutBlocked
	}
	return compiler.LayoutNCHW
}

// imageCopy is the start of a convolution's <name>Image, as its plan k says (its input in layout
// blocked or not): for an NCHW output,
// the blocked output ys in the worker's scratch (a blocked output the kernels write in place,
// through m.outs); and the image src copied with zero padding into the input copy xs of the
// scratch — or, when the kernels read it in place (ConvBlocking.InPlace), handed to them through
// m.ins.
func imageCopy(b *compiler.ConvBlocking, k *compiler.Kernel, inBlocked, outBlocked bool) []jen.Code {
	var code []jen.Code
	if !k.HasRegion("xs") {
		code = append(code, x("m.ins[worker] = src").Comment("the kernels read the image in place: its copy would be the same"))
	}
	if outBlocked {
		code = append(code, x("m.outs[worker] = dst").Comment("the kernels write the blocked output in place"))
	} else {
		code = append(code, x("ys := %s", scratch("worker", "ys")))
	}
	if !k.HasRegion("xs") {
		return code
	}
	return append(code, x("xs := %s", scratch("worker", "xs")), x("clear(xs)").Comment("the padding is zero"), copyIn(b, inBlocked))
}

// backToNCHW is the code that copies a convolution's blocked output, ys, to dst in NCHW.
func backToNCHW() []jen.Code {
	return []jen.Code{
		jen.Comment("Back to NCHW: each block's vectors of 16 channels become 16 planes."),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob*%d < gOut; ob++", compiler.ChannelBlock)).Block(
				x("runtime.FromBlocks(dst[(gr*gOut+ob*%d)*pixels:], pixels, ys[gr*outCopy+ob*pixels*%d:], min(%d, gOut-ob*%d), pixels)",
					compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock),
			),
		),
	}
}

// convBackward emits a convolution's backward pass per image: the ReLU mask and bias gradient in
// one pass, the weight gradient by the layer's generated weight-gradient kernel into the worker's
// partial sums (convUpd; convReduce lays them out as PyTorch's at the end of Backward), and the
// input gradient as the lower pass chose it: a direct convolution of dY with the flipped
// weights, or col2im(Wᵀ · dY) per group.
func convBackward(g *gen, f *jen.File, s *compiler.Step) {
	l, d := s.Main(), dimsOf(s)
	c := d.c
	name := g.name[s]
	b := s.ConvBlocking()
	positions := "input channels"
	if b.UpdKX {
		positions = "kernel columns"
	}
	copied := "the input and dY copied into\nthe blocked layout"
	if b.InPlace {
		copied = "the input read in place, dY\nin the blocked layout"
	}
	upd := g.asm(updKernel(g, s).Name)
	how := fmt.Sprintf("Per image: dW summed over the output pixels by %s (%sUpd: %s; %d %s × %d output blocks per call)\n"+
		"into the worker's partial sums", upd, name, copied, b.UpdT, positions, b.UpdF)
	if w := b.Wino; w != nil {
		how = fmt.Sprintf("Per image: dW by Winograd's %s, the products of the input's and dY's transformed tiles summed over\n"+
			"the tiles by %s (%sUpd; %d channels × %d output blocks per call) into the worker's partial sums,\n"+
			"brought back as Gᵀ dU G by %sWinoDW", w, upd, name, b.UpdT, b.UpdF, name)
	}
	switch s.InputGrad {
	case compiler.ConvTransposed, compiler.ConvTransposedWinograd:
		gb := s.ConvGradBlocking()
		if gb.Wino != nil {
			how += fmt.Sprintf(",\nand dX as the convolution of dY, padded by %dx%d, with the flipped weights (%sGradImage) %s",
				gb.PH, gb.PW, name, winoGradConv(g, s).how())
			break
		}
		how += fmt.Sprintf(",\nand dX as the convolution of dY, padded by %dx%d, with the flipped weights by %s\n"+
			"(%sGradImage: dY copied into %s, %d output blocks)", gb.PH, gb.PW, g.asm(name+"GradKernel"), name, copyLayout(gb), gb.OutBlocks)
	case compiler.ConvCol2im:
		how += fmt.Sprintf(",\nand dX = col2im(Wᵀ·dY) (%d×%d · %d×%d)", d.depth, d.rows, d.rows, d.cols)
	}
	g.doc(f, s, true, how+".")
	weight := l.Name + ".weight"
	consts := append(d.consts(), partialSums(s)...)
	if ig := s.Kernel(compiler.PassInputGrad); ig != nil {
		consts = append(consts, regions(ig)...)
	}
	inS, outS, dyS, dxS := g.gradSlices(s)
	body := []jen.Code{x("in, dy := %s, %s", inS, dyS)}
	if s.ReLU {
		body = append(body, x("out := %s", outS))
	}
	switch s.InputGrad {
	case compiler.ConvTransposed, compiler.ConvTransposedWinograd:
		body = append(body, x("dx := %s", dxS))
	case compiler.ConvCol2im:
		body = append(body, x("dx, dpatches := %s, %s", dxS, scratch("worker", "patches")))
	}
	body = append(body, x("sums := m.partials[worker]"))
	loop := []jen.Code{x("src, g := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize]")}
	if s.ReLU {
		loop = append(loop, x("y := out[i*outSize : (i+1)*outSize]"))
	}
	switch {
	case s.Layout == compiler.LayoutBlocked && (s.ReLU || c.Learn.Bias):
		y, db := "nil", "nobias[:]"
		if s.ReLU {
			y = fmt.Sprintf("y[ob*%d*cols:(ob+1)*%d*cols]", compiler.ChannelBlock, compiler.ChannelBlock)
		}
		if c.Learn.Bias {
			db = fmt.Sprintf("sums[dbAt+ob*%d:dbAt+(ob+1)*%d]", compiler.ChannelBlock, compiler.ChannelBlock)
		} else {
			body = append(body, x("var nobias [%d]float32", compiler.ChannelBlock).Comment("sums nobody reads"))
		}
		loop = append(loop,
			jen.Comment("The ReLU's mask and the bias gradient, a block of channels at a time."),
			jen.For(x("ob := 0; ob < groups*rows/%d; ob++", compiler.ChannelBlock)).Block(
				x("runtime.ReLUBackwardBlocked(g[ob*%d*cols:(ob+1)*%d*cols], %s, %s)", compiler.ChannelBlock, compiler.ChannelBlock, y, db),
			),
		)
	case s.ReLU || c.Learn.Bias:
		loop = append(loop,
			jen.Comment("The ReLU's mask and the bias gradient, channel by channel."),
			jen.For(x("o := 0; o < groups*rows; o++")).Block(
				maskAndSum(s.ReLU, c.Learn.Bias, "g[o*cols:(o+1)*cols]", "y[o*cols:(o+1)*cols]", "sums[dbAt+o]"),
			),
		)
	}
	switch s.InputGrad {
	case compiler.ConvTransposed, compiler.ConvTransposedWinograd:
		loop = append(loop, x("d := dx[i*inSize : (i+1)*inSize]"))
	case compiler.ConvCol2im:
		loop = append(loop, x("d := dx[i*inSize : (i+1)*inSize]"), x("clear(d)"))
	}
	loop = append(loop, jen.Comment("dW, summed over the image's pixels."), x("m.%sUpd(worker, src, g, sums[dwAt:dwAt+dwSize])", name))
	if s.InputGrad == compiler.ConvCol2im {
		dy := "runtime.Dense(g[gr*rows*cols:(gr+1)*rows*cols], cols)"
		loop = append(loop, jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.Comment("dX = col2im(Wᵀ · dY)"),
			x("m.multiply(worker, %s)", product("depth", "cols", "rows",
				fmt.Sprintf("runtime.Dense(m.%s[gr*rows*depth:(gr+1)*rows*depth], depth).T()", g.field(weight)),
				dy, "dpatches", "cols", false, "")),
			x("runtime.Col2im(d[gr*inGroup:(gr+1)*inGroup], dpatches, &%sGeometry)", name),
		))
	}
	if s.ConvGradBlocking() != nil {
		loop = append(loop, jen.Comment("dX: the convolution of dY with the flipped weights."), x("m.%sGradImage(worker, g, d)", name))
	}
	body = append(body, jen.For(x("i := lo; i < hi; i++")).Block(loop...))
	kernel(f, s, g.backName(s), consts, body...)
	if b.Wino != nil {
		winoUpd(g, f, s)
	} else {
		convUpd(g, f, s)
	}
	switch {
	case s.ConvGradBlocking() == nil:
	case s.ConvGradBlocking().Wino != nil:
		winoGradConv(g, s).emit(f)
	default:
		ds := convDirects(g, s)
		directConv(f, ds[len(ds)-1])
		convRelay(g, f, s)
	}
}

// updKernel is the geometry of a conv step's weight-gradient kernel: UpdT input positions of
// the forward kernel's input copy (channels, or with UpdKX kernel columns) by UpdF blocks of
// dY's blocked copy (unpadded).
func updKernel(g *gen, s *compiler.Step) asm.Upd {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	if b.Wino != nil {
		return winoUpdKernel(g, s)
	}
	positions := b.PlaneStride() // channels
	if b.UpdKX {
		positions = b.PixStride() // kernel columns
	}
	return asm.Upd{Name: g.name[s] + "UpdKernel", T: b.UpdT, F: b.UpdF, Rows: b.OutH, OutW: b.OutW, Tiles: asmTiles(&b.UpdTiles),
		InRowStride: c.SH * b.RowStride(), InPixStride: c.SW * b.PixStride(), InTStride: positions,
		DyRowStride: b.OutW * compiler.ChannelBlock, DyBlockStride: b.OutH * b.OutW * compiler.ChannelBlock,
		Doc: "a weight gradient's sums over an image", Users: []string{fmt.Sprintf("the weight gradient of %s (%s)", l.Name, g.where(l))}}
}

// convUpd emits a conv step's <name>Upd, which adds one image's weight gradient to the worker's
// partial sums in the kernel's blocked layout: the input copied as the forward pass copies it,
// dY into blocks, and a kernel call per group, input block, group of UpdT channels (or channel),
// kernel offset (or row and group of UpdT columns) and group of UpdF output blocks.
func convUpd(g *gen, f *jen.File, s *compiler.Step) {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	name, u := g.name[s], updKernel(g, s)
	call := g.asm(u.Name)
	layout, cStep, kxStep := fmt.Sprintf("[channel/%d][ky][kx]", b.UpdT), "c0 += t", "kx++"
	if b.UpdKX {
		layout, cStep, kxStep = fmt.Sprintf("[channel][ky][kx/%d]", b.UpdT), "c0++", "kx += t"
	}
	f.Comment(fmt.Sprintf("%sUpd adds the weight gradient of one image of %s to dw, the worker's partial sums in %s's", name, l.Name, call))
	f.Comment(fmt.Sprintf("layout: [group][input block]%s[output block/%d] × [%d][%d][16], from src (%s)", layout, b.UpdF, b.UpdT, b.UpdF, s.In()))
	f.Comment(fmt.Sprintf("and dy (%s).", s.Out()))
	wg := s.Kernel(compiler.PassWeightGrad)
	consts := append(append(copyConsts(b, c.Groups), regions(wg)...),
		def("inBlocks, lanes, outBlocks", b.InBlocks, b.InLanes, b.OutBlocks),
		def("kh, kw, t, f", c.KH, c.KW, b.UpdT, b.UpdF).note("the kernel, and the positions and blocks per call"))
	var upd []jen.Code
	xs := "src" // the image itself, as the forward pass reads it
	if wg.HasRegion("xs") {
		xs = scratch("worker", "xs")
	}
	if s.Layout == compiler.LayoutBlocked {
		upd = append(upd, x("xs, ys := %s, dy", xs).Comment("dY is blocked already"))
	} else {
		upd = append(upd, x("xs, ys := %s, %s", xs, scratch("worker", "ys")))
	}
	if wg.HasRegion("xs") {
		upd = append(upd, x("clear(xs)").Comment("the padding is zero"), copyIn(b, s.InLayout == compiler.LayoutBlocked))
	}
	if s.Layout != compiler.LayoutBlocked {
		upd = append(upd,
			jen.Comment("dY: each block's 16 planes become vectors of 16 channels (the channels beyond the group's zero)."),
			jen.For(x("gr := 0; gr < groups; gr++")).Block(
				jen.For(x("ob := 0; ob < outBlocks; ob++")).Block(
					x("runtime.ToBlocks(ys[gr*outCopy+ob*pixels*%d:], dy[(gr*gOut+ob*%d)*pixels:], pixels, min(%d, gOut-ob*%d), pixels)",
						compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock),
				),
			),
		)
	}
	upd = append(upd,
		x("at := 0"),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("cb := 0; cb < inBlocks; cb++")).Block(
				jen.For(x("c0 := 0; c0 < lanes; %s", cStep)).Block(
					jen.For(x("ky := 0; ky < kh; ky++")).Block(
						jen.For(x("kx := 0; kx < kw; %s", kxStep)).Block(
							x("in := xs[gr*inCopy+cb*block+ky*row+kx*pixel+c0*plane:]"),
							jen.For(x("ob := 0; ob < outBlocks; ob += f")).Block(
								x("%s(dw[at:at+t*f*%d], in, ys[gr*outCopy+ob*pixels*%d:])", call, compiler.ChannelBlock, compiler.ChannelBlock),
								x("at += t * f * %d", compiler.ChannelBlock),
							),
						),
					),
				),
			),
		),
	)
	method(f, name+"Upd", []jen.Code{jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dy"), jen.Id("dw")).Index().Float32()}, consts, upd...)
}

// convReduce emits the statements of Backward that set a conv step's parameter gradients from the
// workers' partial sums: the blocked weight gradients added up into worker 0's, then laid out
// as PyTorch's [out][in/groups][kh][kw]; the bias's summed.
func convReduce(g *gen, s *compiler.Step) []jen.Code {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	if b.Wino != nil {
		return winoReduce(g, s)
	}
	red := s.Kernel(compiler.PassReduce)
	dw := red.Region("dw")
	off, blocked := int(s.PartialsAt+dw.At), int(dw.Size)
	w := g.index[l.Name+".weight"]
	callAt, position := x("call := ((((gr*inBlocks+cb)*(lanes/t)+c/t)*kh+ky)*kw+kx)*(outBlocks/f) + ob/f"), "c%t"
	if b.UpdKX {
		callAt, position = x("call := ((((gr*inBlocks+cb)*lanes+c)*kh+ky)*(kw/t)+kx/t)*(outBlocks/f) + ob/f"), "kx%t"
	}
	code := []jen.Code{
		x("m.addPartials(%d, %d)", off, blocked).Comment(l.Name + ".weight, blocked"),
		jen.Block(body([]constant{
			def("groups, gIn, gOut, kh, kw", c.Groups, b.In, b.Out, c.KH, c.KW),
			def("inBlocks, lanes, outBlocks, t, f", b.InBlocks, b.InLanes, b.OutBlocks, b.UpdT, b.UpdF)},
			x("grad, sums := m.params[%d].Grad, m.partials[0][%d:%d]", w, off, off+blocked),
			jen.For(x("gr := 0; gr < groups; gr++")).Block(
				jen.For(x("o := 0; o < gOut; o++")).Block(
					x("ob, ol := o/%d, o%%%d", compiler.ChannelBlock, compiler.ChannelBlock),
					jen.For(x("ci := 0; ci < gIn; ci++")).Block(
						x("cb, c := ci/lanes, ci%%lanes"),
						jen.For(x("ky := 0; ky < kh; ky++")).Block(
							jen.For(x("kx := 0; kx < kw; kx++")).Block(
								callAt,
								x("grad[(((gr*gOut+o)*gIn+ci)*kh+ky)*kw+kx] = sums[((call*t+%s)*f+ob%%f)*%d+ol]", position, compiler.ChannelBlock),
							),
						),
					),
				),
			),
		)...),
	}
	if c.Learn.Bias {
		code = append(code, x("m.sumPartials(m.params[%d].Grad, %d)", g.index[l.Name+".bias"], int(s.PartialsAt+red.Region("db").At)))
	}
	return code
}

// convRelay emits, for a conv whose input gradient is a direct convolution, the method that
// lays out its weights for that convolution's kernel: flipped in space, input and output
// channels swapped, per group, in the kernel's layout (as <step>Pack for the forward kernel), the
// biases zero.
func convRelay(g *gen, f *jen.File, s *compiler.Step) {
	l, d := s.Main(), dimsOf(s)
	c, gb := d.c, s.ConvGradBlocking()
	name := g.name[s]
	calls := gb.Calls()
	f.Comment(fmt.Sprintf("%sRelay lays out %s's weights for %s, flipped with their channels swapped,", name, l.Name, g.asm(name+"GradKernel")))
	f.Comment(fmt.Sprintf("W'[g][c][o][ky][kx] = W[g][o][c][kh−1−ky][kw−1−kx]: per group and call, [block of o][ky][kx][lane]"))
	f.Comment(fmt.Sprintf("[%d blocks of c][%d channels], zero for channels beyond the group's; then zero biases.", gb.PerCall, compiler.ChannelBlock))
	method(f, name+"Relay", nil, append(regions(s.Kernel(compiler.PassRelay)),
		def("groups, gIn, gOut", c.Groups, d.gIn, d.rows),
		def("kh, kw", c.KH, c.KW),
		def("lanes, perCall, calls", gb.InLanes, gb.PerCall, calls),
		def("callWeights", int(gb.WeightSize())/calls)),
		x("w, p := m.%s, m.%sRelaid", g.field(l.Name+".weight"), name),
		x("clear(p)"),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("c := 0; c < gIn; c++")).Block(
				x("at := weightsAt + (gr*calls+c/%d/perCall)*callWeights + c/%d%%perCall*%d + c%%%d", compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock, compiler.ChannelBlock),
				jen.For(x("o := 0; o < gOut; o++")).Block(
					jen.For(x("ky := 0; ky < kh; ky++")).Block(
						jen.For(x("kx := 0; kx < kw; kx++")).Block(
							x("p[at+(((o/lanes*kh+ky)*kw+kx)*lanes+o%%lanes)*perCall*%d] = w[(((gr*gOut+o)*gIn+c)*kh+kh-1-ky)*kw+kw-1-kx]", compiler.ChannelBlock),
						),
					),
				),
			),
		),
	)
}

// partialSums are the constants of a conv step's parameter gradients in the worker's partial
// sums: where the weights' start (dwAt, dwSize) and the bias's (dbAt), from the plan.
func partialSums(s *compiler.Step) []constant {
	var cs []constant
	for _, r := range s.Kernel(compiler.PassReduce).Regions {
		r.At += s.PartialsAt
		cs = append(cs, region(r))
	}
	return cs
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
