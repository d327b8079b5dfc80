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
	where      string // the step and its spec line, for comments
	b          *compiler.ConvBlocking
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
	b := s.ConvBlocking()
	bias := "0"
	if c.Learn.Bias {
		bias = fmt.Sprintf("m.%s[gr*gOut+o]", fieldName(l.Name+".bias"))
	}
	return &winoConv{g: g, name: g.name[s], what: l.Name, where: fmt.Sprintf("%s (%s)", s.Name(), g.where(l)), b: b, groups: c.Groups,
		relu: s.ReLU, inBlocked: s.InLayout == compiler.LayoutBlocked, outBlocked: s.Layout == compiler.LayoutBlocked,
		weights: g.name[s] + "Packed", weight: l.Name + ".weight", filterBase: "((gr*gOut+o)*gIn+c)*kh*kw", bias: bias,
		pack: g.name[s] + "Pack"}
}

func winoGradConv(g *gen, s *compiler.Step) *winoConv {
	l, c := s.Main(), s.Main().Conv()
	return &winoConv{g: g, name: g.name[s] + "Grad", what: l.Name + "'s input gradient",
		where: fmt.Sprintf("the input gradient of %s (%s)", l.Name, g.where(l)), b: s.ConvGradBlocking(), groups: c.Groups,
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
// [group][block][position][tile][16], so that the strides within a block depend on the
// algorithm and the tiles alone, and layers that differ in their channels share the kernels.
func (wc *winoConv) geometry() *winoGeometry {
	b := wc.b
	w := b.Wino
	f := winogradOf(w)
	name, tiles := wc.name, w.Tiles()
	const lanes = compiler.ChannelBlock
	position, block := tiles*lanes, w.Alpha*w.Alpha*tiles*lanes // strides of V and M
	return &winoGeometry{f: f,
		in: asm.WinoIn{Name: name + "WinoInKernel", F: f, Tiles: w.TilesW,
			InPixStride: inPix(b), InRowStride: inPix(b) * b.PadW, VXiStride: position,
			Doc: "a row of tiles of a block of input channels", Users: []string{wc.where}},
		mul: asm.Conv{Name: name + "WinoMulKernel", InLanes: lanes,
			InCStride: 1, InPixStride: lanes, InRowStride: position, InBlockStride: block,
			KH: 1, KW: 1, SH: 1, SW: 1, OutW: tiles, OutBlocks: w.PerCall, OutBlockStride: block, Tile: w.Tile,
			Doc: fmt.Sprintf("the products of one of %s's %d transform positions: %d tiles by %d output channels",
				f, w.Alpha*w.Alpha, tiles, w.PerCall*lanes), Users: []string{wc.where}},
		out: asm.WinoOut{Name: name + "WinoOutKernel", F: f, Tiles: w.TilesW, OutW: b.OutW,
			OutPixStride: lanes, OutRowStride: b.OutW * lanes, MXiStride: position, ReLU: wc.relu,
			Doc: "a row of tiles of a block of output channels", Users: []string{wc.where}},
	}
}

// kernels are the generated kernels of a convolution by Winograd.
func (wc *winoConv) kernels() []asm.Kernel {
	w := wc.geometry()
	return []asm.Kernel{&w.in, &w.mul, &w.out}
}

// bound are the names of its methods the model binds, for runtime.Parallel.
func (wc *winoConv) bound() []string {
	return []string{wc.name + "WinoIn", wc.name + "WinoMul", wc.name + "WinoOut", wc.pack + "Rows"}
}

// linear is Σ c[k]·x[k] in Go, its zero terms left out.
func linear(c []float64, x []string) string {
	var s strings.Builder
	for k, v := range c {
		switch {
		case v == 0:
			continue
		case s.Len() == 0 && v == 1:
			s.WriteString(x[k])
		case s.Len() == 0 && v == -1:
			s.WriteString("-" + x[k])
		case s.Len() == 0:
			fmt.Fprintf(&s, "%s*%s", strconv.FormatFloat(v, 'g', -1, 64), x[k])
		case v == 1:
			s.WriteString(" + " + x[k])
		case v == -1:
			s.WriteString(" - " + x[k])
		case v < 0:
			fmt.Fprintf(&s, " - %s*%s", strconv.FormatFloat(-v, 'g', -1, 64), x[k])
		default:
			fmt.Fprintf(&s, " + %s*%s", strconv.FormatFloat(v, 'g', -1, 64), x[k])
		}
	}
	if s.Len() == 0 {
		return "0"
	}
	return s.String()
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
// (<name>WinoIn, <name>WinoMul, <name>WinoOut, split over the workers when the model has fewer
// images than workers), and the weights' transform (<name>Pack).
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

// emit writes the convolution's <name>Image, its three passes, and the method that transforms
// the weights (wc.pack).
func (wc *winoConv) emit(f *jen.File) {
	b, name, geo, pack := wc.b, wc.name, wc.geometry(), wc.pack
	w, groups := b.Wino, wc.groups
	a2, tiles, calls := w.Alpha*w.Alpha, w.Tiles(), b.OutBlocks/w.PerCall
	const lanes = compiler.ChannelBlock
	inCopy, outCopy := int(b.InSize()), int(b.OutSize())
	vSize, mSize := int(w.VSize(b)), int(w.MSize(b))
	vAt := groups * (inCopy + outCopy)
	mAt := vAt + groups*vSize
	callWeights := b.InBlocks * lanes * w.PerCall * lanes
	uSize := int(w.WeightSize(b))
	biases := groups * uSize
	zeros := biases + groups*b.OutBlocks*lanes

	// conv3Image: the copy and the three passes.
	items := []jen.Code{
		x("inItems").Op("=").Lit(groups * b.InBlocks * w.TilesH).Comment("input blocks × rows of tiles"),
		x("mulItems").Op("=").Lit(groups * a2 * calls).Comment("transform positions × calls"),
		x("outItems").Op("=").Lit(groups * b.OutBlocks * w.TilesH).Comment("output blocks × rows of tiles"),
	}
	body := append([]jen.Code{jen.Const().Defs(append(copyConsts(b, groups), items...)...)}, imageCopy(b, wc.inBlocked, wc.outBlocked)...)
	body = append(body,
		jen.If(x("m.wide")).Block(
			x("runtime.Parallel(inItems, m.kernels.%sWinoIn)", name),
			x("runtime.Parallel(mulItems, m.kernels.%sWinoMul)", name),
			x("runtime.Parallel(outItems, m.kernels.%sWinoOut)", name),
		).Else().Block(
			x("m.%sWinoIn(worker, 0, inItems)", name),
			x("m.%sWinoMul(worker, 0, mulItems)", name),
			x("m.%sWinoOut(worker, 0, outItems)", name),
		),
	)
	if !wc.outBlocked {
		body = append(body, backToNCHW()...)
	}
	in := compiler.Shape{C: groups * b.In, H: b.InH, W: b.InW}
	out := compiler.Shape{C: groups * b.Out, H: b.OutH, W: b.OutW}
	f.Comment(fmt.Sprintf("%sImage computes one image of %s by %s: src (%s, %s) into dst (%s, %s).", name, wc.what, geo.f,
		in, layout(wc.inBlocked), out, layout(wc.outBlocked)))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Image").Params(jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dst")).Index().Float32()).Block(body...)

	vRegion := x("vAt, vSize").Op("=").List(jen.Lit(vAt), jen.Lit(vSize)).Comment(
		fmt.Sprintf("one group's V in the scratch: [%d input blocks][%d positions][%d tiles][%d]", b.InBlocks, a2, tiles, lanes))
	mRegion := x("mAt, mSize").Op("=").List(jen.Lit(mAt), jen.Lit(mSize)).Comment(
		fmt.Sprintf("one group's M in the scratch: [%d output blocks][%d positions][%d tiles][%d]", b.OutBlocks, a2, tiles, lanes))
	tileRows := x("tilesH, tilesW").Op("=").List(jen.Lit(w.TilesH), jen.Lit(w.TilesW))
	inK, mulK, outK := wc.g.asm(geo.in.Name), wc.g.asm(geo.mul.Name), wc.g.asm(geo.out.Name)
	wide := jen.If(x("m.wide")).Block(x("worker = 0").Comment("the workers share worker 0's copies"))

	f.Comment(fmt.Sprintf("%sWinoIn transforms rows of tiles lo…hi−1 of the input copy into V: item u is row u%%%d of the", name, w.TilesH))
	f.Comment(fmt.Sprintf("tiles of block u/%d%%%d of group u/%d.", w.TilesH, b.InBlocks, w.TilesH*b.InBlocks))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"WinoIn").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(vRegion, tileRows,
			x("vBlock").Op("=").Lit(a2*tiles*lanes).Comment("a block of V: its positions"),
			x("inBlocks, inCopy").Op("=").List(jen.Lit(b.InBlocks), jen.Lit(inCopy)),
			x("row, block").Op("=").List(jen.Lit(inPix(b)*b.PadW), jen.Lit(inBlock(b))).Comment("strides of the input copy"),
		),
		wide,
		x("buf := m.scratch[worker]"),
		x("xs, v := buf[:%d], buf[vAt:]", groups*inCopy),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, cb, ty := u/(inBlocks*tilesH), u/tilesH%%inBlocks, u%%tilesH"),
			x("%s(v[gr*vSize+cb*vBlock+ty*tilesW*%d:], xs[gr*inCopy+cb*block+ty*%d*row:])", inK, lanes, w.M),
		),
	)

	f.Comment(fmt.Sprintf("%sWinoMul multiplies V by the transformed weights into M, items lo…hi−1: item u is call u%%%d", name, calls))
	f.Comment(fmt.Sprintf("(output blocks (u%%%d)·%d…) of transform position u/%d%%%d of group u/%d.", calls, w.PerCall, calls, a2, calls*a2))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"WinoMul").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(vRegion, mRegion,
			x("positions, calls, inBlocks").Op("=").List(jen.Lit(a2), jen.Lit(calls), jen.Lit(b.InBlocks)),
			x("position").Op("=").Lit(tiles*lanes).Comment("between the transform positions of a block of V or M"),
			x("callOut, callWeights").Op("=").List(jen.Lit(w.PerCall*a2*tiles*lanes), jen.Lit(callWeights)),
			x("zeros").Op("=").Lit(zeros).Comment("where the transformed weights hold zeros, the products' bias"),
		),
		wide,
		x("buf, w := m.scratch[worker], m.%s", wc.weights),
		x("v, mm := buf[vAt:mAt], buf[mAt:]"),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, xi, call := u/(positions*calls), u/calls%%positions, u%%calls"),
			x("at := (gr*positions+xi)*calls + call"),
			x("%s(mm[gr*mSize+call*callOut+xi*position:], v[gr*vSize+xi*position:], w[at*callWeights:(at+1)*callWeights], w[zeros:], inBlocks)", mulK),
		),
	)

	ys := "m.outs[worker]"
	if !wc.outBlocked {
		ys = fmt.Sprintf("buf[%d:%d]", groups*inCopy, groups*(inCopy+outCopy))
	}
	f.Comment(fmt.Sprintf("%sWinoOut transforms M into rows of tiles lo…hi−1 of the output, with the bias: item u is", name))
	f.Comment(fmt.Sprintf("row u%%%d of the tiles of output block u/%d%%%d of group u/%d; the last row of tiles stores the", w.TilesH, w.TilesH, b.OutBlocks, w.TilesH*b.OutBlocks))
	f.Comment("rows inside the image only.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"WinoOut").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(mRegion, tileRows,
			x("mBlock").Op("=").Lit(a2*tiles*lanes).Comment("a block of M: its positions"),
			x("outBlocks, outCopy").Op("=").List(jen.Lit(b.OutBlocks), jen.Lit(outCopy)),
			x("outH, outW, tile").Op("=").List(jen.Lit(b.OutH), jen.Lit(b.OutW), jen.Lit(w.M)).Comment("the output, and a tile's rows"),
			x("biases").Op("=").Lit(biases).Comment("where the biases start in the transformed weights"),
		),
		wide,
		x("buf, w := m.scratch[worker], m.%s", wc.weights),
		x("ys, mm := %s, buf[mAt:]", ys),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, ob, ty := u/(outBlocks*tilesH), u/tilesH%%outBlocks, u%%tilesH"),
			x("%s(ys[gr*outCopy+(ob*outH+ty*tile)*outW*%d:], mm[gr*mSize+ob*mBlock+ty*tilesW*%d:], w[biases+(gr*outBlocks+ob)*%d:], min(tile, outH-ty*tile))",
				outK, lanes, lanes, lanes),
		),
	)

	// conv3Pack: U = G g Gᵀ per filter, in the product kernel's layout, split over the workers.
	packItems := groups * b.Out
	f.Comment(fmt.Sprintf("%s transforms the filters of %s for %s (%sRows, split over the workers).", pack, wc.what, mulK, pack))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(pack).Params().Block(
		x("runtime.Parallel(%d, m.kernels.%sRows)", packItems, pack).Comment("groups × output channels"),
	)
	var gm []string
	for _, row := range geo.f.G {
		var vs []string
		for _, v := range row {
			vs = append(vs, fmt.Sprintf("%6s", strconv.FormatFloat(v, 'g', 4, 64)))
		}
		gm = append(gm, "[ "+strings.Join(vs, " ")+" ]")
	}
	f.Comment(fmt.Sprintf("%sRows transforms the filters of output channels lo…hi−1 (u: channel u%%%d of group u/%d), each", pack, b.Out, b.Out))
	f.Comment(fmt.Sprintf("%dx%d filter g into U = G g Gᵀ in float64, with G of %s:", b.KH, b.KW, geo.f))
	f.Comment("")
	for _, row := range gm {
		f.Comment("\t" + row)
	}
	f.Comment("")
	f.Comment(fmt.Sprintf("U is laid out per group, transform position and call as [input channel][%d output blocks][%d", w.PerCall, lanes))
	f.Comment("channels], zero for channels beyond the group's; then the biases, then zeros.")
	r, a := w.R, w.Alpha
	var load []string
	var gs []string
	for ky := range r {
		for kx := range r {
			off := ky*r + kx
			if wc.flip {
				off = (r-1-ky)*r + r - 1 - kx
			}
			gs = append(gs, fmt.Sprintf("g%d%d", ky, kx))
			load = append(load, fmt.Sprintf("float64(g[%d])", off))
		}
	}
	filter := []jen.Code{
		x("g := w[%s:][:kh*kw]", wc.filterBase),
		x("%s := %s", strings.Join(gs, ", "), strings.Join(load, ", ")),
	}
	filter = append(filter, sandwich(geo.f.G, "G g", func(i, j int) string { return fmt.Sprintf("g%d%d", i, j) },
		func(i, j int, sum string) jen.Code { return x("q[%d] = float32(%s)", (i*a+j)*calls*callWeights, sum) })...)
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(pack+"Rows").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(
			x("gIn, gOut").Op("=").List(jen.Lit(b.In), jen.Lit(b.Out)).Comment("the convolution's channels per group"),
			x("kh, kw").Op("=").List(jen.Lit(b.KH), jen.Lit(b.KW)),
			x("outBlocks, perCall, callWeights").Op("=").List(jen.Lit(b.OutBlocks), jen.Lit(w.PerCall), jen.Lit(callWeights)),
			x("uSize, biases").Op("=").List(jen.Lit(uSize), jen.Lit(biases)).Comment("one group's transformed weights, and where the biases start"),
		),
		x("w, p := m.%s, m.%s", fieldName(wc.weight), wc.weights),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, o := u/gOut, u%%gOut"),
			x("ob, ch := o/%d, o%%%d", lanes, lanes),
			x("at := gr*uSize + ob/perCall*callWeights + ob%%perCall*%d + ch", lanes),
			jen.For(x("c := 0; c < gIn; c++")).Block(append([]jen.Code{x("q := p[at+c*perCall*%d:]", lanes)}, filter...)...),
			x("p[biases+(gr*outBlocks+ob)*%d+ch] = %s", lanes, wc.bias),
		),
	)
}

// winoTiles are the sizes of a Winograd convolution's tiles and transforms, per group, that its
// weight gradient names.
func winoTiles(b *compiler.ConvBlocking) []jen.Code {
	w := b.Wino
	tiles := w.Tiles()
	return []jen.Code{
		x("tilesH, tilesW, tiles, tile").Op("=").List(jen.Lit(w.TilesH), jen.Lit(w.TilesW), jen.Lit(tiles), jen.Lit(w.M)).Comment("tile: a tile's outputs per side"),
		x("positions, vSize, zSize").Op("=").List(jen.Lit(w.Alpha*w.Alpha), jen.Lit(int(w.VSize(b))), jen.Lit(int(w.MSize(b)))).Comment("the transforms of the input (V) and of dY (Z)"),
		x("position").Op("=").Lit(tiles * compiler.ChannelBlock).Comment("between the transform positions of a block of V or Z"),
	}
}

// winoUpdKernel is the geometry of the weight-gradient kernel of a conv whose forward pass runs
// by Winograd: UpdT channels of the input's transform V by UpdF blocks of dY's transform Z at one
// transform position, summed over the image's tiles.
func winoUpdKernel(g *gen, s *compiler.Step) asm.Upd {
	l, b := s.Main(), s.ConvBlocking()
	w := b.Wino
	tiles := w.Tiles()
	return asm.Upd{Name: g.name[s] + "UpdKernel", T: b.UpdT, F: b.UpdF, Rows: 1, OutW: tiles,
		InRowStride: tiles * compiler.ChannelBlock, InPixStride: compiler.ChannelBlock, InTStride: 1,
		DyRowStride: tiles * compiler.ChannelBlock, DyBlockStride: w.Alpha * w.Alpha * tiles * compiler.ChannelBlock,
		Doc:   fmt.Sprintf("a weight gradient's sums over an image's tiles at one of %s's transform positions", w),
		Users: []string{fmt.Sprintf("the weight gradient of %s (%s)", l.Name, g.where(l))}}
}

// winoDyKernel is the transform of dY's tiles, A dY Aᵀ, for the weight gradient.
func winoDyKernel(g *gen, s *compiler.Step) asm.WinoIn {
	l, b := s.Main(), s.ConvBlocking()
	w := b.Wino
	return asm.WinoIn{Name: g.name[s] + "WinoDyKernel", F: winogradOf(w), Grad: true, Tiles: w.TilesW,
		InPixStride: compiler.ChannelBlock, InRowStride: w.TilesW * w.M * compiler.ChannelBlock,
		VXiStride: w.Tiles() * compiler.ChannelBlock,
		Doc:       "the output gradient's tiles for a weight gradient, a row of tiles of a block",
		Users:     []string{fmt.Sprintf("the weight gradient of %s (%s)", l.Name, g.where(l))}}
}

// winoUpd emits a Winograd conv step's <name>Upd, which adds one image's weight gradient, in the
// transform's domain, to the worker's partial sums: the input copied as the forward pass copies
// it and its tiles transformed (V, by the forward pass's kernel), dY copied into a blocked copy
// that is zero where the tiles overhang the image and its tiles transformed (Z), and a kernel
// call per group, transform position, input block, group of UpdT channels and group of UpdF
// output blocks. It also emits <name>WinoDW, which brings the sums back: dW = Gᵀ dU G.
func winoUpd(g *gen, f *jen.File, s *compiler.Step) {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	w, name := b.Wino, g.name[s]
	fwd := winoForwardConv(g, s).geometry()
	in, dyK, u := g.asm(fwd.in.Name), g.asm(winoDyKernel(g, s).Name), g.asm(winoUpdKernel(g, s).Name)
	const lanes = compiler.ChannelBlock
	inCopy := int(b.InSize())
	vAt := c.Groups * inCopy
	dyAt := vAt + c.Groups*int(w.VSize(b))
	zAt := dyAt + c.Groups*int(w.DYSize(b))
	rowsP, dyRow := w.TilesH*w.M, w.TilesW*w.M*lanes

	f.Comment(fmt.Sprintf("%sUpd adds the weight gradient of one image of %s, in %s's domain, to dw, the worker's partial", name, l.Name, w))
	f.Comment(fmt.Sprintf("sums in %s's layout: [group][position][input block][channel/%d][output block/%d] × [%d][%d][16], from", u, b.UpdT, b.UpdF, b.UpdT, b.UpdF))
	f.Comment(fmt.Sprintf("src (%s) and dy (%s).", s.In(), s.Out()))
	body := []jen.Code{
		jen.Const().Defs(append(append(copyConsts(b, c.Groups), winoTiles(b)...),
			x("inBlocks, outBlocks, t, f").Op("=").List(jen.Lit(b.InBlocks), jen.Lit(b.OutBlocks), jen.Lit(b.UpdT), jen.Lit(b.UpdF)).Comment("the blocks, and the channels and output blocks per call"),
			x("vAt, dyAt, zAt").Op("=").List(jen.Lit(vAt), jen.Lit(dyAt), jen.Lit(zAt)).Comment("where V, dY's copy and Z start in the scratch"),
			x("outH, outW, rowsP, dyRow, dyCopy").Op("=").List(jen.Lit(b.OutH), jen.Lit(b.OutW), jen.Lit(rowsP), jen.Lit(dyRow), jen.Lit(int(w.DYSize(b)))).Comment("dY's copy: rowsP rows of dyRow values per block"),
		)...),
		x("buf := m.scratch[worker]"),
		x("xs, v, dys, z := buf[:vAt], buf[vAt:dyAt], buf[dyAt:zAt], buf[zAt:]"),
		x("clear(xs)").Comment("the padding is zero"),
		copyIn(b, s.InLayout == compiler.LayoutBlocked),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("cb := 0; cb < inBlocks; cb++")).Block(
				jen.For(x("ty := 0; ty < tilesH; ty++")).Block(
					x("%s(v[gr*vSize+cb*positions*position+ty*tilesW*%d:], xs[gr*inCopy+cb*block+ty*tile*row:])", in, lanes),
				),
			),
		),
		x("clear(dys)").Comment("zero where the tiles overhang the image"),
	}
	if s.Layout == compiler.LayoutBlocked {
		body = append(body, jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob < outBlocks; ob++")).Block(
				jen.For(x("y := 0; y < outH; y++")).Block(
					x("copy(dys[gr*dyCopy+(ob*rowsP+y)*dyRow:][:outW*%d], dy[((gr*outBlocks+ob)*outH+y)*outW*%d:][:outW*%d])", lanes, lanes, lanes),
				),
			),
		))
	} else {
		body = append(body, jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob < outBlocks; ob++")).Block(
				x("s, d := dy[(gr*gOut+ob*%d)*pixels:], dys[gr*dyCopy+ob*rowsP*dyRow:]", lanes),
				jen.For(x("y := 0; y < outH; y++")).Block(
					x("runtime.ToBlocks(d[y*dyRow:], s[y*outW:], pixels, min(%d, gOut-ob*%d), outW)", lanes, lanes),
				),
			),
		))
	}
	body = append(body,
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("ob := 0; ob < outBlocks; ob++")).Block(
				jen.For(x("ty := 0; ty < tilesH; ty++")).Block(
					x("%s(z[gr*zSize+ob*positions*position+ty*tilesW*%d:], dys[gr*dyCopy+(ob*rowsP+ty*tile)*dyRow:])", dyK, lanes),
				),
			),
		),
		x("at := 0"),
		jen.For(x("gr := 0; gr < groups; gr++")).Block(
			jen.For(x("xi := 0; xi < positions; xi++")).Block(
				jen.For(x("cb := 0; cb < inBlocks; cb++")).Block(
					jen.For(x("c0 := 0; c0 < %d; c0 += t", lanes)).Block(
						x("in := v[gr*vSize+(cb*positions+xi)*position+c0:]"),
						jen.For(x("ob := 0; ob < outBlocks; ob += f")).Block(
							x("%s(dw[at:at+t*f*%d], in, z[gr*zSize+(ob*positions+xi)*position:])", u, lanes),
							x("at += t * f * %d", lanes),
						),
					),
				),
			),
		),
	)
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Upd").Params(jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dy"), jen.Id("dw")).Index().Float32()).Block(body...)

	// conv3WinoDW: dW = Gᵀ dU G per filter, from worker 0's summed partials.
	a := w.Alpha
	perFilter := sandwich(asm.Transpose(fwd.f.G), "Gᵀ dU", func(i, j int) string { return fmt.Sprintf("d%d%d", i, j) },
		func(p, q int, sum string) jen.Code { return x("dw[%d] = float32(%s)", p*w.R+q, sum) })
	var loads, ds []string
	for i := range a {
		for j := range a {
			ds = append(ds, fmt.Sprintf("d%d%d", i, j))
			loads = append(loads, fmt.Sprintf("float64(du[%d])", (i*a+j)*b.InBlocks*lanes*b.OutBlocks*lanes))
		}
	}
	f.Comment(fmt.Sprintf("%sWinoDW sets the gradient of %s's filters of output channels lo…hi−1 (u: channel u%%%d of", name, l.Name, b.Out))
	f.Comment(fmt.Sprintf("group u/%d) from the summed partials dU in %s's domain: dW = Gᵀ dU G, in float64.", b.Out, w))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"WinoDW").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(
			x("gIn, gOut, kh, kw").Op("=").List(jen.Lit(b.In), jen.Lit(b.Out), jen.Lit(c.KH), jen.Lit(c.KW)),
			x("inBlocks, outBlocks, t, f").Op("=").List(jen.Lit(b.InBlocks), jen.Lit(b.OutBlocks), jen.Lit(b.UpdT), jen.Lit(b.UpdF)),
			x("groupSums").Op("=").Lit(int(w.WeightSize(b))).Comment("one group's partial sums"),
		),
		x("grad, sums := m.params[%d].Grad, m.partials[0][%d:]", g.index[l.Name+".weight"], int(s.PartialsAt)),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, o := u/gOut, u%%gOut"),
			x("ob, ol := o/%d, o%%%d", lanes, lanes),
			jen.For(x("ci := 0; ci < gIn; ci++")).Block(append([]jen.Code{
				x("cb, c := ci/%d, ci%%%d", lanes, lanes),
				jen.Comment("position 0's partial sum; position ξ's are ξ·inBlocks·16·outBlocks·16 further"),
				x("du := sums[gr*groupSums+(((cb*(%d/t)+c/t)*(outBlocks/f)+ob/f)*t+c%%t)*f*%d+ob%%f*%d+ol:]", lanes, lanes, lanes),
				x("%s := %s", strings.Join(ds, ", "), strings.Join(loads, ", ")),
				x("dw := grad[((gr*gOut+o)*gIn+ci)*kh*kw:][:kh*kw]"),
			}, perFilter...)...),
		),
	)
}

// sandwich is the unrolled code of L X Lᵀ in float64, for an n×n matrix X whose entries are
// named by x and a k×n matrix L of constants: the rows of T = L X (product, for the comments) as
// variables t<i><j>, then each entry of T Lᵀ given to store, every sum without its zero terms.
func sandwich(l [][]float64, product string, x func(i, j int) string, store func(i, j int, sum string) jen.Code) []jen.Code {
	var code []jen.Code
	n := len(l[0])
	for i := range l {
		var ts, es []string
		for j := range n {
			var col []string
			for k := range n {
				col = append(col, x(k, j))
			}
			ts = append(ts, fmt.Sprintf("t%d%d", i, j))
			es = append(es, linear(l[i], col))
		}
		code = append(code, jen.Id(strings.Join(ts, ", ")).Op(":=").Id(strings.Join(es, ", ")).Comment(fmt.Sprintf("row %d of %s", i, product)))
	}
	for i := range l {
		for j := range l {
			var row []string
			for k := range n {
				row = append(row, fmt.Sprintf("t%d%d", i, k))
			}
			code = append(code, store(i, j, linear(l[j], row)))
		}
	}
	return code
}

// winoReduce emits the statements of Backward that set the parameter gradients of a conv whose
// weight gradient runs by Winograd: the workers' partial sums added up into worker 0's, brought
// back by <name>WinoDW over the workers; the bias's summed.
func winoReduce(g *gen, s *compiler.Step) []jen.Code {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	off, size := int(s.PartialsAt), c.Groups*int(b.GradSize())
	code := []jen.Code{
		x("m.addPartials(%d, %d)", off, size).Comment(l.Name + ".weight, in " + b.Wino.String() + "'s domain"),
		x("runtime.Parallel(%d, m.kernels.%sWinoDW)", c.Out, g.name[s]),
	}
	if c.Learn.Bias {
		code = append(code, x("m.sumPartials(m.params[%d].Grad, %d)", g.index[l.Name+".bias"], off+size))
	}
	return code
}
