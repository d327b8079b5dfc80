package codegen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/codegen/asm"
	"github.com/netc-project/netc/compiler"
)

// winoConv is a convolution of a conv step computed by Winograd (a blocking with Wino set): its
// forward pass, or its input gradient as the convolution of dY with the flipped weights.
type winoConv struct {
	g          *gen
	name, what string // the methods' prefix (conv3, conv3Grad), and what it computes
	step       string // the step's name, which the plan's loops' methods start with (conv3 + GradWinoIn)
	prefix     string // the plan's names of its loops start with this: "", or "Grad"
	where      string // the step and its spec line, for comments
	b          *compiler.ConvBlocking
	k, packK   *compiler.Kernel // its plan, and the plan of its weights' transform (Pack or Relay)
	groups     int
	relu       bool
	// The layouts of the image it reads and writes, as a direct convolution's.
	inBlocked, outBlocked bool
	weights               string // the Model's field of the transformed weights (conv3Packed, conv3Relaid)
	weight                string // the layer's weights' parameter name
	// filterBase is where, in the layer's weights w, the filter of output channel o and input
	// channel c of group gr starts (gIn and gOut the convolution's, not the layer's, channels per
	// group); flip says the filter is read flipped in space; bias is the bias of output channel
	// gr·gOut + o.
	filterBase, bias string
	flip             bool
	pack             string // the method that transforms the weights: the step's Pack, or its Relay for the input gradient
}

// winoForwardConv and winoGradConv are a conv step's forward pass and input gradient by
// Winograd.
func winoForwardConv(g *gen, s *compiler.Step) *winoConv {
	l, c := s.Main(), s.Main().Conv()
	bias := "0"
	if c.Learn.Bias {
		bias = fmt.Sprintf("m.%s[gr*gOut+o]", g.field(l.Name+".bias"))
	}
	return &winoConv{g: g, name: g.name[s], step: g.name[s], what: l.Name, where: fmt.Sprintf("%s (%s)", s.Name(), g.where(l)),
		b: s.ConvBlocking(), k: s.Kernel(compiler.PassForward), packK: s.Kernel(compiler.PassPack), groups: c.Groups,
		relu: s.ReLU, inBlocked: s.InLayout == compiler.LayoutBlocked, outBlocked: s.Layout == compiler.LayoutBlocked,
		weights: g.name[s] + "Packed", weight: l.Name + ".weight", filterBase: "((gr*gOut+o)*gIn+c)*kh*kw", bias: bias,
		pack: g.name[s] + "Pack"}
}

func winoGradConv(g *gen, s *compiler.Step) *winoConv {
	l, c := s.Main(), s.Main().Conv()
	return &winoConv{g: g, name: g.name[s] + "Grad", step: g.name[s], prefix: "Grad", what: l.Name + "'s input gradient",
		where: fmt.Sprintf("the input gradient of %s (%s)", l.Name, g.where(l)), b: s.ConvGradBlocking(),
		k: s.Kernel(compiler.PassInputGrad), packK: s.Kernel(compiler.PassRelay), groups: c.Groups,
		inBlocked: s.Layout == compiler.LayoutBlocked, outBlocked: s.InLayout == compiler.LayoutBlocked,
		weights: g.name[s] + "Relaid", weight: l.Name + ".weight", filterBase: "((gr*gIn+c)*gOut+o)*kh*kw", flip: true, bias: "0",
		pack: g.name[s] + "Relay"}
}

// winoConvs are a conv step's convolutions by Winograd: its forward pass, its input gradient,
// either or none.
func winoConvs(g *gen, s *compiler.Step) []*winoConv {
	var wcs []*winoConv
	if s.ConvBlocking().Wino != nil {
		wcs = append(wcs, winoForwardConv(g, s))
	}
	if gb := s.ConvGradBlocking(); gb != nil && gb.Wino != nil && s.Backward {
		wcs = append(wcs, winoGradConv(g, s))
	}
	return wcs
}

// loop is the plan's loop of the convolution's pass of the given name (WinoIn, WinoMul, WinoOut),
// and the name of the method that runs it.
func (wc *winoConv) loop(name string) (compiler.Loop, string) {
	l := wc.k.Loop(wc.prefix + name)
	return l, wc.step + l.Name
}

// winoGeometry is the three generated kernels of a convolution by Winograd (the lower pass's
// ConvWinograd): the input transform of a row of tiles of one block of channels, the product of
// one transform position's tiles with its weights (a 1×1 direct convolution over a row of all
// the image's tiles, its accumulators resident), and the output transform of a row of tiles of
// one output block.
type winoGeometry struct {
	f   *asm.Winograd
	in  asm.WinoIn
	mul asm.Conv
	out asm.WinoOut
}

// winogradOf is the algorithm the lower pass chose.
func winogradOf(w *compiler.ConvWinograd) *asm.Winograd {
	f, err := asm.NewWinograd(w.M, w.R)
	if err != nil {
		panic(err) // the lower pass chooses only algorithms that exist
	}
	return f
}

// geometry is the convolution's three kernels. Its transforms V and M are laid out
// [group][position][block][tile][16] (the plan's regions v and m): a product reads its input
// blocks one after another, and the transforms take the stride between the positions, which
// grows with the channels, as an argument, so that layers that differ in their channels share
// the kernels.
func (wc *winoConv) geometry() *winoGeometry {
	b := wc.b
	w := b.Wino
	f := winogradOf(w)
	wc.g.winogradG(f) // declared in kernels.go, for the weights' transforms
	name, tiles := wc.name, w.Tiles()
	const lanes = compiler.ChannelBlock
	block := tiles * lanes // a block of V or M at a position: [tile][16]
	return &winoGeometry{f: f,
		in: asm.WinoIn{Name: name + "WinoInKernel", F: f, Tiles: w.TilesW,
			InPixStride: b.PixStride(), InRowStride: b.RowStride(),
			Doc: "a row of tiles of a block of input channels", Users: []string{wc.where}},
		mul: asm.Conv{Name: name + "WinoMulKernel", InLanes: lanes,
			InCStride: 1, InPixStride: lanes, InRowStride: block, InBlockStride: block,
			KH: 1, KW: 1, SH: 1, SW: 1, OutW: tiles, OutBlocks: w.PerCall, OutBlockStride: block, Tiles: asmTiles(&w.MulTiles),
			Doc: fmt.Sprintf("the products of one of %s's %d transform positions: %d tiles by %d output channels",
				f, w.Alpha*w.Alpha, tiles, w.PerCall*lanes), Users: []string{wc.where}},
		out: asm.WinoOut{Name: name + "WinoOutKernel", F: f, Tiles: w.TilesW, OutW: b.OutW,
			OutPixStride: lanes, OutRowStride: b.OutW * lanes, ReLU: wc.relu,
			Doc: "a row of tiles of a block of output channels", Users: []string{wc.where}},
	}
}

// kernels are the generated kernels of a convolution by Winograd.
func (wc *winoConv) kernels() []asm.Kernel {
	w := wc.geometry()
	return []asm.Kernel{&w.in, &w.mul, &w.out}
}

// how describes the computation, for the step's comment.
func (wc *winoConv) how() string {
	b, geo := wc.b, wc.geometry()
	w := b.Wino
	return fmt.Sprintf("by Winograd's %s (Lavin and Gray): the input copied into a padded copy\n"+
		"(%s), its %dx%d tiles of %dx%d pixels transformed by %s into %d matrices of %d tiles × %d\n"+
		"channels (V), each multiplied by its transformed weights by %s, %d output blocks a call,\n"+
		"and the products transformed into the output by %s",
		geo.f, copyLayout(b), w.TilesH, w.TilesW, w.Alpha, w.Alpha, wc.g.asm(geo.in.Name), w.Alpha*w.Alpha, w.Tiles(), b.InBlocks*compiler.ChannelBlock,
		wc.g.asm(geo.mul.Name), w.PerCall, wc.g.asm(geo.out.Name))
}

// winoForward emits a conv's forward pass by Winograd: per image, the input copied into the
// padded, channel-blocked copy (as the direct convolution's), then three passes over scratch
// (the plan's loops WinoIn, WinoMul and WinoOut, split over the workers when the batch is wide),
// and the weights' transform (<name>Pack).
func winoForward(g *gen, f *jen.File, s *compiler.Step) {
	c := s.Main().Conv()
	wc := winoForwardConv(g, s)
	how := "Per image and group, " + wc.how()
	if c.Learn.Bias {
		how += ", the bias added"
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !wc.outBlocked {
		how += ";\nthen copied back to NCHW"
	}
	g.doc(f, s, false, how+". The passes over one image are split over the workers when they have fewer images.")
	imageLoop(g, f, s)
	wc.emit(f)
}

// strides are the constants of the transforms' layouts: a group's V and M, a transform position
// of each, and a block of either at a position.
func (wc *winoConv) strides() []constant {
	b, w := wc.b, wc.b.Wino
	block := w.Tiles() * compiler.ChannelBlock
	return []constant{
		def("vGroup, mGroup", int(w.VSize(b)), int(w.MSize(b))).note("one group's V and M"),
		def("vXi, mXi", b.InBlocks*block, b.OutBlocks*block).note("a transform position of each: [block][tile][16]"),
		def("tiles", w.Tiles()).note("a block at a position: [tile][16]"),
		def("tilesH, tilesW", w.TilesH, w.TilesW),
	}
}

// emit writes the convolution's <name>Image, its three passes, and the method that transforms
// the weights (wc.pack).
func (wc *winoConv) emit(f *jen.File) {
	b, name, geo := wc.b, wc.name, wc.geometry()
	w, groups := b.Wino, wc.groups
	a2, calls := w.Alpha*w.Alpha, w.Calls(b)
	const lanes = compiler.ChannelBlock
	inCopy, outCopy := int(b.InSize()), int(b.OutSize())
	callWeights := b.InBlocks * lanes * w.PerCall * lanes
	inLoop, inMethod := wc.loop("WinoIn")
	mulLoop, mulMethod := wc.loop("WinoMul")
	outLoop, outMethod := wc.loop("WinoOut")

	// conv3Image: the copy and the three passes.
	consts := append(append(copyConsts(b, groups), regions(wc.k)...),
		def("inItems", inLoop.Items).note("each %s", inLoop.Item),
		def("mulItems", mulLoop.Items).note("each %s", mulLoop.Item),
		def("outItems", outLoop.Items).note("each %s", outLoop.Item))
	code := imageCopy(b, wc.k, wc.inBlocked, wc.outBlocked)
	code = append(code,
		jen.If(x("m.wide")).Block(
			x("runtime.Parallel(inItems, m.kernels.%s)", inMethod),
			x("runtime.Parallel(mulItems, m.kernels.%s)", mulMethod),
			x("runtime.Parallel(outItems, m.kernels.%s)", outMethod),
		).Else().Block(
			x("m.%s(worker, 0, inItems)", inMethod),
			x("m.%s(worker, 0, mulItems)", mulMethod),
			x("m.%s(worker, 0, outItems)", outMethod),
		),
	)
	if !wc.outBlocked {
		code = append(code, backToNCHW()...)
	}
	in := compiler.Shape{C: groups * b.In, H: b.InH, W: b.InW}
	out := compiler.Shape{C: groups * b.Out, H: b.OutH, W: b.OutW}
	f.Comment(fmt.Sprintf("%sImage computes one image of %s by %s: src (%s, %s) into dst (%s, %s).", name, wc.what, geo.f,
		in, layout(wc.inBlocked), out, layout(wc.outBlocked)))
	method(f, name+"Image", []jen.Code{jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dst")).Index().Float32()}, consts, code...)

	passConsts := append(regions(wc.k), wc.strides()...)
	wide := jen.If(x("m.wide")).Block(x("worker = 0").Comment("the workers share worker 0's copies"))
	inK, mulK, outK := wc.g.asm(geo.in.Name), wc.g.asm(geo.mul.Name), wc.g.asm(geo.out.Name)

	f.Comment(fmt.Sprintf("%s transforms rows of tiles lo…hi−1 of the input copy into V: item u is row u%%%d of the", inMethod, w.TilesH))
	f.Comment(fmt.Sprintf("tiles of block u/%d%%%d of group u/%d.", w.TilesH, b.InBlocks, w.TilesH*b.InBlocks))
	method(f, inMethod, loopParams, append(passConsts,
		def("inBlocks, inCopy", b.InBlocks, inCopy),
		def("row, block", b.RowStride(), b.BlockStride()).note("strides of the input copy")),
		wide,
		x("xs, v := %s, %s", scratch("worker", "xs"), scratch("worker", "v")),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, cb, ty := u/(inBlocks*tilesH), u/tilesH%%inBlocks, u%%tilesH"),
			x("%s(v[gr*vGroup+(cb*tilesH+ty)*tilesW*%d:], xs[gr*inCopy+cb*block+ty*%d*row:], vXi)", inK, lanes, w.M),
		),
	)

	f.Comment(fmt.Sprintf("%s multiplies V by the transformed weights into M, items lo…hi−1: item u is call u%%%d", mulMethod, calls))
	f.Comment(fmt.Sprintf("(output blocks (u%%%d)·%d…) of transform position u/%d%%%d of group u/%d.", calls, w.PerCall, calls, a2, calls*a2))
	method(f, mulMethod, loopParams, append(append(passConsts, regions(wc.packK)...),
		def("positions, calls, inBlocks", a2, calls, b.InBlocks),
		def("callOut, callWeights", w.PerCall*w.Tiles()*lanes, callWeights).note("one call's output blocks in M, and its weights")),
		wide,
		x("v, mm, w := %s, %s, m.%s", scratch("worker", "v"), scratch("worker", "m"), wc.weights),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, xi, call := u/(positions*calls), u/calls%%positions, u%%calls"),
			x("at := uAt + ((gr*positions+xi)*calls+call)*callWeights"),
			x("%s(mm[gr*mGroup+xi*mXi+call*callOut:], v[gr*vGroup+xi*vXi:], w[at:at+callWeights], w[zerosAt:], inBlocks)", mulK),
		),
	)

	ys := "m.outs[worker]"
	if !wc.outBlocked {
		ys = scratch("worker", "ys")
	}
	f.Comment(fmt.Sprintf("%s transforms M into rows of tiles lo…hi−1 of the output, with the bias: item u is", outMethod))
	f.Comment(fmt.Sprintf("row u%%%d of the tiles of output block u/%d%%%d of group u/%d; the last row of tiles stores the", w.TilesH, w.TilesH, b.OutBlocks, w.TilesH*b.OutBlocks))
	f.Comment("rows inside the image only.")
	method(f, outMethod, loopParams, append(append(passConsts, regions(wc.packK)...),
		def("outBlocks, outCopy", b.OutBlocks, outCopy),
		def("outH, outW, tile", b.OutH, b.OutW, w.M).note("the output, and a tile's rows")),
		wide,
		x("ys, mm, w := %s, %s, m.%s", ys, scratch("worker", "m"), wc.weights),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, ob, ty := u/(outBlocks*tilesH), u/tilesH%%outBlocks, u%%tilesH"),
			x("%s(ys[gr*outCopy+(ob*outH+ty*tile)*outW*%d:], mm[gr*mGroup+(ob*tilesH+ty)*tilesW*%d:],\nw[biasesAt+(gr*outBlocks+ob)*%d:], min(tile, outH-ty*tile), mXi)",
				outK, lanes, lanes, lanes),
		),
	)
	wc.transformFilters(f, geo.f, mulK)
}

// transformFilters emits the method that transforms the filters for the products (wc.pack) and
// the loop it runs over the workers: U = G g Gᵀ per filter, in the product kernel's layout.
func (wc *winoConv) transformFilters(f *jen.File, alg *asm.Winograd, mulK string) {
	b, pack := wc.b, wc.pack
	w := b.Wino
	const lanes = compiler.ChannelBlock
	loop := wc.packK.Loop(strings.TrimPrefix(pack, wc.step) + "Rows")
	rows := wc.step + loop.Name
	f.Comment(fmt.Sprintf("%s transforms the filters of %s for %s (%s, split over the workers).", pack, wc.what, mulK, rows))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(pack).Params().Block(
		x("runtime.Parallel(%d, m.kernels.%s)", loop.Items, rows).Comment("each " + loop.Item),
	)
	matrix := wc.g.winogradG(alg)
	f.Comment(fmt.Sprintf("%s transforms the filters of blocks lo…hi−1 of %d output channels (u: block u%%%d of group u/%d),", rows, lanes, b.OutBlocks, b.OutBlocks))
	f.Comment(fmt.Sprintf("each %dx%d filter g into U = G g Gᵀ in float64 (runtime.WinogradSandwich, G %s of %s), the block's %d", b.KH, b.KW, matrix, alg, lanes))
	f.Comment("filters of an input channel side by side. U is laid out per group, transform position and")
	f.Comment(fmt.Sprintf("call as [input channel][%d output blocks][%d channels], zero for channels beyond the group's; then", w.PerCall, lanes))
	f.Comment("the biases, then zeros.")
	load := "gs[(y*kw+x)*lanes+o%lanes] = float64(w[at+y*kw+x])"
	if wc.flip {
		load = "gs[(y*kw+x)*lanes+o%lanes] = float64(w[at+(kh-1-y)*kw+kw-1-x])" + " // flipped in space"
	}
	calls := w.Calls(b)
	packConsts := append(regions(wc.packK),
		def("gIn, gOut", b.In, b.Out).note("the convolution's channels per group"),
		def("kh, kw, alpha, lanes", b.KH, b.KW, w.Alpha, lanes),
		def("outBlocks, perCall, callWeights", b.OutBlocks, w.PerCall, b.InBlocks*lanes*w.PerCall*lanes),
		def("group, position", int(w.WeightSize(b)), calls*b.InBlocks*lanes*w.PerCall*lanes).note("one group's transformed weights, and a position's"))
	method(f, rows, loopParams, packConsts,
		x("w, p := m.%s, m.%s", wc.g.field(wc.weight), wc.weights),
		jen.Comment("The block's filters of an input channel, G g Gᵀ's halves and U, side by side."),
		x("var gs [kh * kw * lanes]float64"),
		x("var ts [alpha * kw * lanes]float64"),
		x("var us [alpha * alpha * lanes]float64"),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, ob := u/outBlocks, u%%outBlocks"),
			x("n := min(lanes, gOut-ob*lanes)").Comment("the block's channels"),
			x("base := uAt + gr*group + ob/perCall*callWeights + ob%%perCall*lanes"),
			jen.For(x("c := 0; c < gIn; c++")).Block(
				jen.For(x("o := ob * lanes; o < ob*lanes+n; o++")).Block(
					x("at := %s", wc.filterBase),
					jen.For(x("y := range kh")).Block(jen.For(x("x := range kw")).Block(x("%s", load))),
				),
				x("runtime.WinogradSandwich(us[:], ts[:], gs[:], %s, alpha, kh)", matrix).Comment("U = G g Gᵀ"),
				x("q := p[base+c*perCall*lanes:]"),
				jen.For(x("xi := range alpha * alpha")).Block(jen.For(x("o := range n")).Block(x("q[xi*position+o] = float32(us[xi*lanes+o])"))),
			),
			jen.For(x("o := ob * lanes; o < ob*lanes+n; o++")).Block(x("p[biasesAt+gr*outBlocks*lanes+o] = %s", wc.bias)),
		),
	)
}

// winogradG and winogradGT declare, once per package, the matrix G of a Winograd algorithm (α×r)
// and its transpose as package-level slices in row-major order, as runtime.WinogradSandwich takes
// them, and return their names: winogradG2x3 and winogradGT2x3 for F(2×2, 3×3).
func (g *gen) winogradG(alg *asm.Winograd) string {
	name := fmt.Sprintf("winogradG%dx%d", alg.M, alg.R)
	g.matrices[name] = matrix{alg.G, "the matrix G of Winograd's " + alg.String()}
	return name
}
func (g *gen) winogradGT(alg *asm.Winograd) string {
	name := fmt.Sprintf("winogradGT%dx%d", alg.M, alg.R)
	g.matrices[name] = matrix{asm.Transpose(alg.G), "the transpose of the matrix G of Winograd's " + alg.String()}
	return name
}

// A matrix is a constant matrix of the generated package, and what it is.
type matrix struct {
	rows [][]float64
	what string
}

// matrixDecls declares the Winograd matrices the package's kernels use (winogradG, winogradGT),
// in the order of their names, a row a line.
func (g *gen) matrixDecls(f *jen.File) {
	for _, name := range sortedKeys(g.matrices) {
		m := g.matrices[name].rows
		var rows []jen.Code
		for _, row := range m {
			var vs []jen.Code
			for _, v := range row {
				vs = append(vs, jen.Op(strconv.FormatFloat(v, 'g', -1, 64)))
			}
			rows = append(rows, jen.Line().List(vs...).Op(","))
		}
		f.Comment(fmt.Sprintf("%s is %s, %d × %d, from Toom-Cook interpolation", name, g.matrices[name].what, len(m), len(m[0])))
		f.Comment("(codegen/asm.NewWinograd), row by row: the filters' transform is U = G g Gᵀ, the weight gradient's dW = Gᵀ dU G.")
		f.Var().Id(name).Op("=").Index().Float64().Custom(jen.Options{Open: "{", Close: "\n}", Separator: ""}, rows...)
	}
}

// winoUpdKernel is the geometry of the weight-gradient kernel of a conv whose forward pass runs
// by Winograd: UpdT channels of the input's transform V by UpdF blocks of dY's transform Z at one
// transform position, summed over the image's tiles.
func winoUpdKernel(g *gen, s *compiler.Step) asm.Upd {
	l, b := s.Main(), s.ConvBlocking()
	w := b.Wino
	g.winogradGT(winogradOf(w)) // declared in kernels.go, for the gradient's transform back
	tiles := w.Tiles()
	return asm.Upd{Name: g.name[s] + "UpdKernel", T: b.UpdT, F: b.UpdF, Rows: 1, OutW: tiles, Tiles: asmTiles(&b.UpdTiles),
		InRowStride: tiles * compiler.ChannelBlock, InPixStride: compiler.ChannelBlock, InTStride: 1,
		DyRowStride: tiles * compiler.ChannelBlock, DyBlockStride: tiles * compiler.ChannelBlock,
		Doc:   fmt.Sprintf("a weight gradient's sums over an image's tiles at one of %s's transform positions", w),
		Users: []string{fmt.Sprintf("the weight gradient of %s (%s)", l.Name, g.where(l))}}
}

// winoDyKernel is the transform of dY's tiles, A dY Aᵀ, for the weight gradient.
func winoDyKernel(g *gen, s *compiler.Step) asm.WinoIn {
	l, b := s.Main(), s.ConvBlocking()
	w := b.Wino
	return asm.WinoIn{Name: g.name[s] + "WinoDyKernel", F: winogradOf(w), Grad: true, Tiles: w.TilesW,
		InPixStride: compiler.ChannelBlock, InRowStride: w.TilesW * w.M * compiler.ChannelBlock,
		Doc:   "the output gradient's tiles for a weight gradient, a row of tiles of a block",
		Users: []string{fmt.Sprintf("the weight gradient of %s (%s)", l.Name, g.where(l))}}
}

// winoUpd emits a Winograd conv step's <name>Upd, which adds one image's weight gradient, in the
// transform's domain, to the worker's partial sums: the input copied as the forward pass copies
// it and its tiles transformed (V, by the forward pass's kernel), dY copied into a blocked copy
// that is zero where the tiles overhang the image and its tiles transformed (Z), and a kernel
// call per group, transform position, input block, group of UpdT channels and group of UpdF
// output blocks; all in the regions of the plan's weight-gradient kernel. It also emits
// <name>WinoDW, the plan's loop of Reduce, which brings the sums back: dW = Gᵀ dU G.
func winoUpd(g *gen, f *jen.File, s *compiler.Step) {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	w, name := b.Wino, g.name[s]
	fwd := winoForwardConv(g, s)
	geo := fwd.geometry()
	in, dyK, u := g.asm(geo.in.Name), g.asm(winoDyKernel(g, s).Name), g.asm(winoUpdKernel(g, s).Name)
	const lanes = compiler.ChannelBlock
	wg := s.Kernel(compiler.PassWeightGrad)
	rowsP, dyRow := w.TilesH*w.M, w.TilesW*w.M*lanes

	f.Comment(fmt.Sprintf("%sUpd adds the weight gradient of one image of %s, in %s's domain, to dw, the worker's partial", name, l.Name, w))
	f.Comment(fmt.Sprintf("sums in %s's layout: [group][position][input block][channel/%d][output block/%d] × [%d][%d][16], from", u, b.UpdT, b.UpdF, b.UpdT, b.UpdF))
	f.Comment(fmt.Sprintf("src (%s) and dy (%s).", s.In(), s.Out()))
	consts := append(append(append(copyConsts(b, c.Groups), regions(wg)...), fwd.strides()...),
		def("positions, zGroup, zXi", w.Alpha*w.Alpha, int(w.MSize(b)), b.OutBlocks*w.Tiles()*lanes).note("the transform positions, one group's Z and a position of it"),
		def("tile", w.M).note("a tile's outputs per side"),
		def("inBlocks, outBlocks, t, f", b.InBlocks, b.OutBlocks, b.UpdT, b.UpdF).note("the blocks, and the channels and output blocks per call"),
		def("outH, outW, rowsP, dyRow, dyCopy", b.OutH, b.OutW, rowsP, dyRow, int(w.DYSize(b))).note("dY's copy: rowsP rows of dyRow values per block"))
	code := []jen.Code{
		x("xs, v := %s, %s", scratch("worker", "xs"), scratch("worker", "v")),
		x("dys, z := %s, %s", scratch("worker", "dys"), scratch("worker", "z")),
		x("clear(xs)").Comment("the padding is zero"),
		copyIn(b, s.InLayout == compiler.LayoutBlocked),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("cb := 0; cb < inBlocks; cb++")).Block(
				jen.For(x("ty := 0; ty < tilesH; ty++")).Block(
					x("%s(v[gr*vGroup+(cb*tilesH+ty)*tilesW*%d:], xs[gr*inCopy+cb*block+ty*tile*row:], vXi)", in, lanes),
				),
			),
		),
		x("clear(dys)").Comment("zero where the tiles overhang the image"),
	}
	if s.Layout == compiler.LayoutBlocked {
		code = append(code, jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob < outBlocks; ob++")).Block(
				jen.For(x("y := 0; y < outH; y++")).Block(
					x("copy(dys[gr*dyCopy+(ob*rowsP+y)*dyRow:][:outW*%d], dy[((gr*outBlocks+ob)*outH+y)*outW*%d:][:outW*%d])", lanes, lanes, lanes),
				),
			),
		))
	} else {
		code = append(code, jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob < outBlocks; ob++")).Block(
				x("s, d := dy[(gr*gOut+ob*%d)*pixels:], dys[gr*dyCopy+ob*rowsP*dyRow:]", lanes),
				jen.For(x("y := 0; y < outH; y++")).Block(
					x("runtime.ToBlocks(d[y*dyRow:], s[y*outW:], pixels, min(%d, gOut-ob*%d), outW)", lanes, lanes),
				),
			),
		))
	}
	code = append(code,
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob < outBlocks; ob++")).Block(
				jen.For(x("ty := 0; ty < tilesH; ty++")).Block(
					x("%s(z[gr*zGroup+(ob*tilesH+ty)*tilesW*%d:], dys[gr*dyCopy+(ob*rowsP+ty*tile)*dyRow:], zXi)", dyK, lanes),
				),
			),
		),
		x("at := 0"),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("xi := 0; xi < positions; xi++")).Block(
				jen.For(x("cb := 0; cb < inBlocks; cb++")).Block(
					jen.For(x("c0 := 0; c0 < %d; c0 += t", lanes)).Block(
						x("in := v[gr*vGroup+xi*vXi+cb*tiles*%d+c0:]", lanes),
						jen.For(x("ob := 0; ob < outBlocks; ob += f")).Block(
							x("%s(dw[at:at+t*f*%d], in, z[gr*zGroup+xi*zXi+ob*tiles*%d:])", u, lanes, lanes),
							x("at += t * f * %d", lanes),
						),
					),
				),
			),
		),
	)
	method(f, name+"Upd", []jen.Code{jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dy"), jen.Id("dw")).Index().Float32()}, consts, code...)

	// conv3WinoDW: dW = Gᵀ dU G per filter, from worker 0's summed partials.
	a := w.Alpha
	red := s.Kernel(compiler.PassReduce)
	loop := red.Loop("WinoDW")
	gt := g.winogradGT(geo.f)
	f.Comment(fmt.Sprintf("%s%s sets the gradient of %s's filters of blocks lo…hi−1 of %d output channels (u: block", name, loop.Name, l.Name, lanes))
	f.Comment(fmt.Sprintf("u%%%d of group u/%d) from the summed partials dU in %s's domain: dW = Gᵀ dU G in float64", b.OutBlocks, b.OutBlocks, w))
	f.Comment(fmt.Sprintf("(runtime.WinogradSandwich, Gᵀ %s), the block's %d filters of an input channel side by side.", gt, lanes))
	method(f, name+loop.Name, loopParams, append(partialSums(s),
		def("gIn, gOut, kh, kw, alpha, lanes", b.In, b.Out, c.KH, c.KW, a, lanes),
		def("inBlocks, outBlocks, t, f", b.InBlocks, b.OutBlocks, b.UpdT, b.UpdF),
		def("groupSums", int(w.WeightSize(b))).note("one group's partial sums"),
		def("position", b.InBlocks*lanes*b.OutBlocks*lanes).note("between the partial sums of two transform positions")),
		x("grad, sums := m.params[%d].Grad, m.partials[0][dwAt:dwAt+dwSize]", g.index[l.Name+".weight"]),
		jen.Comment("The block's summed partials dU of an input channel, Gᵀ dU G's halves and dW, side by side."),
		x("var xs [alpha * alpha * lanes]float64"),
		x("var ts [kh * alpha * lanes]float64"),
		x("var ws [kh * kw * lanes]float64"),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, ob := u/outBlocks, u%%outBlocks"),
			x("n := min(lanes, gOut-ob*lanes)").Comment("the block's channels"),
			jen.For(x("ci := 0; ci < gIn; ci++")).Block(
				x("cb, c := ci/lanes, ci%%lanes"),
				jen.Comment("position 0's partial sums of the block's channels, side by side"),
				x("du := sums[gr*groupSums+(((cb*(lanes/t)+c/t)*(outBlocks/f)+ob/f)*t+c%%t)*f*lanes+ob%%f*lanes:]"),
				jen.For(x("xi := range alpha * alpha")).Block(jen.For(x("o := range lanes")).Block(x("xs[xi*lanes+o] = float64(du[xi*position+o])"))),
				x("runtime.WinogradSandwich(ws[:], ts[:], xs[:], %s, kh, alpha)", gt).Comment("dW = Gᵀ dU G"),
				jen.For(x("y := range kh * kw")).Block(jen.For(x("o := range n")).Block(
					x("grad[((gr*gOut+ob*lanes+o)*gIn+ci)*kh*kw+y] = float32(ws[y*lanes+o])"),
				)),
			),
		),
	)
}

// winoReduce emits the statements of Backward that set the parameter gradients of a conv whose
// weight gradient runs by Winograd: the workers' partial sums added up into worker 0's, brought
// back by the plan's loop WinoDW over the workers; the bias's summed.
func winoReduce(g *gen, s *compiler.Step) []jen.Code {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	red := s.Kernel(compiler.PassReduce)
	dw, loop := red.Region("dw"), red.Loop("WinoDW")
	code := []jen.Code{
		x("m.addPartials(%d, %d)", int(s.PartialsAt+dw.At), int(dw.Size)).Comment(l.Name + ".weight, in " + b.Wino.String() + "'s domain"),
		x("runtime.Parallel(%d, m.kernels.%s%s)", loop.Items, g.name[s], loop.Name),
	}
	if c.Learn.Bias {
		code = append(code, x("m.sumPartials(m.params[%d].Grad, %d)", g.index[l.Name+".bias"], int(s.PartialsAt+red.Region("db").At)))
	}
	return code
}
