package codegen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/codegen/asm"
	"github.com/netc-project/netc/compiler"
)

// winoGeometry is the three generated kernels of a conv's forward pass by Winograd (the lower
// pass's ConvWinograd): the input transform of a row of tiles of one block of channels, the
// product of one transform position's tiles with its weights (a 1×1 direct convolution over a
// row of all the image's tiles), and the output transform of a row of tiles of one output block.
type winoGeometry struct {
	f   *asm.Winograd
	in  asm.WinoIn
	mul asm.Conv
	out asm.WinoOut
}

func winoOf(g *gen, s *compiler.Step) *winoGeometry {
	l, b := s.Main(), s.ConvBlocking()
	w := b.Wino
	f, err := asm.NewWinograd(w.M, w.R)
	if err != nil {
		panic(err) // the lower pass chooses only algorithms that exist
	}
	name, tiles := g.name[s], w.Tiles()
	where := fmt.Sprintf("%s (%s)", s.Name(), g.where(l))
	return &winoGeometry{f: f,
		in: asm.WinoIn{Name: name + "WinoInKernel", F: f, Tiles: w.TilesW,
			InPixStride: inPix(b), InRowStride: inPix(b) * b.PadW, VXiStride: b.InBlocks * compiler.ChannelBlock * tiles,
			Doc: where + ", a row of tiles of a block of input channels"},
		mul: asm.Conv{Name: name + "WinoMulKernel", InBlocks: b.InBlocks, InLanes: compiler.ChannelBlock,
			InCStride: 1, InPixStride: compiler.ChannelBlock, InRowStride: tiles * compiler.ChannelBlock, InBlockStride: tiles * compiler.ChannelBlock,
			KH: 1, KW: 1, SH: 1, SW: 1, OutW: tiles, OutBlocks: w.PerCall, OutBlockStride: tiles * compiler.ChannelBlock, Tile: w.Tile, Resident: true,
			Doc: fmt.Sprintf("%s, the products of one of %s's %d transform positions: its %d tiles by %d output channels", where, f, w.Alpha*w.Alpha, tiles, w.PerCall*compiler.ChannelBlock)},
		out: asm.WinoOut{Name: name + "WinoOutKernel", F: f, Tiles: w.TilesW, OutW: b.OutW,
			OutPixStride: compiler.ChannelBlock, OutRowStride: b.OutW * compiler.ChannelBlock,
			MXiStride: b.OutBlocks * compiler.ChannelBlock * tiles, ReLU: s.ReLU,
			Doc: where + ", a row of tiles of a block of output channels"},
	}
}

// winoKernels are the generated kernels of a conv's Winograd forward pass.
func winoKernels(g *gen, s *compiler.Step) []asm.Kernel {
	w := winoOf(g, s)
	return []asm.Kernel{&w.in, &w.mul, &w.out}
}

// winoForward emits a conv's forward pass by Winograd: per image, the input copied into the
// padded, channel-blocked copy (as the direct convolution's), then three passes over scratch
// (<name>WinoIn, <name>WinoMul, <name>WinoOut, split over the workers when the model has fewer
// images than workers), and the weights' transform (<name>Pack).
func winoForward(g *gen, f *jen.File, s *compiler.Step) {
	l, c, b := s.Main(), s.Main().Conv(), s.ConvBlocking()
	w, name, geo := b.Wino, g.name[s], winoOf(g, s)
	in, out := s.InLayout == compiler.LayoutBlocked, s.Layout == compiler.LayoutBlocked
	a2, tiles, calls := w.Alpha*w.Alpha, w.Tiles(), b.OutBlocks/w.PerCall
	const lanes = compiler.ChannelBlock
	inCopy, outCopy := int(b.InSize()), int(b.OutSize())
	vSize, mSize := int(w.VSize(b)), int(w.MSize(b))
	vAt := c.Groups * (inCopy + outCopy)
	mAt := vAt + c.Groups*vSize
	callWeights := b.InBlocks * lanes * w.PerCall * lanes
	uSize := a2 * calls * callWeights
	biases := c.Groups * uSize
	zeros := biases + c.Groups*b.OutBlocks*lanes

	how := fmt.Sprintf("Per image and group, by Winograd's %s (Lavin and Gray): the input copied into a padded copy\n"+
		"(%s), its %dx%d tiles of %dx%d pixels transformed by %s into %d matrices of %d tiles × %d\n"+
		"channels (V), each multiplied by its transformed weights by %s, %d output blocks a call,\n"+
		"and the products transformed into the output by %s",
		geo.f, copyLayout(b), w.TilesH, w.TilesW, w.Alpha, w.Alpha, geo.in.Name, a2, tiles, b.InBlocks*lanes,
		geo.mul.Name, w.PerCall, geo.out.Name)
	if c.Learn.Bias {
		how += ", the bias added"
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !out {
		how += ";\nthen copied back to NCHW"
	}
	g.doc(f, s, false, how+". The passes over one image are split over the workers when they have fewer images.")
	imageLoop(g, f, s)

	// conv3WinoG: G, which transforms the filters.
	var rows []jen.Code
	for _, row := range geo.f.G {
		var vs []string
		for _, v := range row {
			vs = append(vs, strconv.FormatFloat(v, 'g', -1, 64))
		}
		rows = append(rows, x("{%s}", strings.Join(vs, ", ")))
	}
	f.Comment(fmt.Sprintf("%sWinoG is G of %s, which transforms each of %s's %dx%d filters g into G g Gᵀ (%sPack).", name, geo.f, l.Name, c.KH, c.KW, name))
	f.Var().Id(name + "WinoG").Op("=").Index(jen.Lit(w.Alpha)).Index(jen.Lit(w.R)).Float64().Values(rows...)

	// conv3Image: the copy and the three passes.
	items := []jen.Code{
		x("inItems").Op("=").Lit(c.Groups * b.InBlocks * w.TilesH).Comment("input blocks × rows of tiles"),
		x("mulItems").Op("=").Lit(c.Groups * a2 * calls).Comment("transform positions × calls"),
		x("outItems").Op("=").Lit(c.Groups * b.OutBlocks * w.TilesH).Comment("output blocks × rows of tiles"),
	}
	body := []jen.Code{jen.Const().Defs(append(copyConsts(b, c.Groups), items...)...), x("buf := m.scratch[worker]")}
	if out {
		body = append(body, x("xs := buf[:groups*inCopy]"), x("m.outs[worker] = dst").Comment("the output transform writes the blocked output in place"))
	} else {
		body = append(body, x("xs, ys := buf[:groups*inCopy], buf[groups*inCopy:groups*(inCopy+outCopy)]"))
	}
	body = append(body,
		x("clear(xs)").Comment("the padding is zero"),
		copyIn(b, in),
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
	if !out {
		body = append(body, backToNCHW()...)
	}
	f.Comment(fmt.Sprintf("%sImage computes one image of %s by %s: src (%s, %s) into dst (%s, %s).", name, l.Name, geo.f,
		s.In(), s.InLayout, s.Out(), s.Layout))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Image").Params(jen.Id("worker").Int(), jen.List(jen.Id("src"), jen.Id("dst")).Index().Float32()).Block(body...)

	scratch := []jen.Code{
		x("vAt, vSize").Op("=").List(jen.Lit(vAt), jen.Lit(vSize)).Comment(fmt.Sprintf("one group's V in the scratch: [%d positions][%d input blocks][%d tiles][%d]", a2, b.InBlocks, tiles, lanes)),
		x("mAt, mSize").Op("=").List(jen.Lit(mAt), jen.Lit(mSize)).Comment(fmt.Sprintf("and its M: [%d positions][%d output blocks][%d tiles][%d]", a2, b.OutBlocks, tiles, lanes)),
		x("tilesH, tilesW").Op("=").List(jen.Lit(w.TilesH), jen.Lit(w.TilesW)),
	}
	wide := jen.If(x("m.wide")).Block(x("worker = 0").Comment("the workers share worker 0's copies"))

	f.Comment(fmt.Sprintf("%sWinoIn transforms rows of tiles lo…hi−1 of the input copy into V: item u is row u%%%d of the", name, w.TilesH))
	f.Comment(fmt.Sprintf("tiles of block u/%d%%%d of group u/%d.", w.TilesH, b.InBlocks, w.TilesH*b.InBlocks))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"WinoIn").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(append(scratch,
			x("inBlocks, inCopy").Op("=").List(jen.Lit(b.InBlocks), jen.Lit(inCopy)),
			x("row, block").Op("=").List(jen.Lit(inPix(b)*b.PadW), jen.Lit(inBlock(b))).Comment("strides of the input copy"),
		)...),
		wide,
		x("buf := m.scratch[worker]"),
		x("xs, v := buf[:%d], buf[vAt:]", c.Groups*inCopy),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, cb, ty := u/(inBlocks*tilesH), u/tilesH%%inBlocks, u%%tilesH"),
			x("%s(v[gr*vSize+(cb*tilesH+ty)*tilesW*%d:], xs[gr*inCopy+cb*block+ty*%d*row:])", geo.in.Name, lanes, w.M),
		),
	)

	f.Comment(fmt.Sprintf("%sWinoMul multiplies V by the transformed weights into M, items lo…hi−1: item u is call u%%%d", name, calls))
	f.Comment(fmt.Sprintf("(output blocks (u%%%d)·%d…) of transform position u/%d%%%d of group u/%d.", calls, w.PerCall, calls, a2, calls*a2))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"WinoMul").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(append(scratch,
			x("positions, calls").Op("=").List(jen.Lit(a2), jen.Lit(calls)),
			x("vXi, mXi").Op("=").List(jen.Lit(geo.in.VXiStride), jen.Lit(geo.out.MXiStride)).Comment("between transform positions"),
			x("callOut, callWeights").Op("=").List(jen.Lit(w.PerCall*tiles*lanes), jen.Lit(callWeights)),
			x("zeros").Op("=").Lit(zeros).Comment("where the packed weights hold zeros, the products' bias"),
		)...),
		wide,
		x("buf, w := m.scratch[worker], m.%sPacked", name),
		x("v, mm := buf[vAt:mAt], buf[mAt:]"),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, xi, call := u/(positions*calls), u/calls%%positions, u%%calls"),
			x("at := (gr*positions+xi)*calls + call"),
			x("%s(mm[gr*mSize+xi*mXi+call*callOut:], v[gr*vSize+xi*vXi:], w[at*callWeights:(at+1)*callWeights], w[zeros:])", geo.mul.Name),
		),
	)

	ys := "m.outs[worker]"
	if !out {
		ys = fmt.Sprintf("buf[%d:%d]", c.Groups*inCopy, c.Groups*(inCopy+outCopy))
	}
	f.Comment(fmt.Sprintf("%sWinoOut transforms M into rows of tiles lo…hi−1 of the output, with the bias: item u is", name))
	f.Comment(fmt.Sprintf("row u%%%d of the tiles of output block u/%d%%%d of group u/%d; the last row of tiles stores the", w.TilesH, w.TilesH, b.OutBlocks, w.TilesH*b.OutBlocks))
	f.Comment("rows inside the image only.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"WinoOut").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(append(scratch,
			x("outBlocks, outCopy").Op("=").List(jen.Lit(b.OutBlocks), jen.Lit(outCopy)),
			x("outH, outW, tile").Op("=").List(jen.Lit(b.OutH), jen.Lit(b.OutW), jen.Lit(w.M)).Comment("the output, and a tile's rows"),
			x("biases").Op("=").Lit(biases).Comment("where the biases start in the packed weights"),
		)...),
		wide,
		x("buf, w := m.scratch[worker], m.%sPacked", name),
		x("ys, mm := %s, buf[mAt:]", ys),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gr, ob, ty := u/(outBlocks*tilesH), u/tilesH%%outBlocks, u%%tilesH"),
			x("%s(ys[gr*outCopy+(ob*outH+ty*tile)*outW*%d:], mm[gr*mSize+(ob*tilesH+ty)*tilesW*%d:], w[biases+(gr*outBlocks+ob)*%d:], min(tile, outH-ty*tile))",
				geo.out.Name, lanes, lanes, lanes),
		),
	)

	// conv3Pack: U = G g Gᵀ per filter, in the product kernel's layout.
	bias := "0"
	if c.Learn.Bias {
		bias = fmt.Sprintf("m.%s[o]", fieldName(l.Name+".bias"))
	}
	f.Comment(fmt.Sprintf("%sPack transforms %s's filters for %s: U = G g Gᵀ in float64, per group, transform", name, l.Name, geo.mul.Name))
	f.Comment(fmt.Sprintf("position and call [input channel][%d output blocks][%d channels], zero for channels beyond", w.PerCall, lanes))
	f.Comment("the group's; then the biases, then zeros.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Pack").Params().Block(
		jen.Const().Defs(
			x("gIn, gOut, kh, kw, alpha").Op("=").List(jen.Lit(b.In), jen.Lit(b.Out), jen.Lit(c.KH), jen.Lit(c.KW), jen.Lit(w.Alpha)),
			x("outBlocks, perCall, calls, callWeights").Op("=").List(jen.Lit(b.OutBlocks), jen.Lit(w.PerCall), jen.Lit(calls), jen.Lit(callWeights)),
			x("uSize, biases").Op("=").List(jen.Lit(uSize), jen.Lit(biases)).Comment("one group's transformed weights, and where the biases start"),
		),
		x("w, p, G := m.%s, m.%sPacked, &%sWinoG", fieldName(l.Name+".weight"), name, name),
		x("clear(p)"),
		jen.For(x("o := 0; o < %d; o++", c.Out)).Block(
			x("gr, ob, ch := o/gOut, o%%gOut/%d, o%%gOut%%%d", lanes, lanes),
			x("at := gr*uSize + ob/perCall*callWeights + ob%%perCall*%d + ch", lanes),
			jen.For(x("c := 0; c < gIn; c++")).Block(
				x("g := w[(o*gIn+c)*kh*kw:][:kh*kw]"),
				x("var t [alpha][kw]float64").Comment("G g"),
				jen.For(x("i := range alpha")).Block(
					jen.For(x("q := range kw")).Block(
						jen.For(x("k := range kh")).Block(x("t[i][q] += G[i][k] * float64(g[k*kw+q])")),
					),
				),
				jen.For(x("i := range alpha")).Block(
					jen.For(x("j := range alpha")).Block(
						x("var u float64"),
						jen.For(x("q := range kw")).Block(x("u += t[i][q] * G[j][q]")),
						x("p[at+(i*alpha+j)*calls*callWeights+c*perCall*%d] = float32(u)", lanes),
					),
				),
			),
			x("p[biases+(gr*outBlocks+ob)*%d+ch] = %s", lanes, bias),
		),
	)
}
