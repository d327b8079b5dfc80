package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

func init() { register(compiler.OpConv, &emitter{forward: convForward, backward: convBackward}) }

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

// convForward emits a convolution as one GEMM per image and group, weights · patches, with the
// bias and a fused ReLU applied in the GEMM's epilogue. The patch matrix is never written out:
// runtime.Patches packs it straight from the image, as the package-level geometry the conv
// declares describes it (the backward pass shares the geometry). A 1×1 conv with stride 1 and
// no padding reads its input as the matrix.
func convForward(g *gen, f *jen.File, s *compiler.Step) {
	l, d := s.Main(), dimsOf(s)
	c, in, out := d.c, d.in, d.out
	name := g.name[s]
	geometry := name + "Geometry"

	// var conv1Geometry = runtime.Conv{C: 3, H: 227, W: 227, KH: 11, KW: 11, SH: 4, SW: 4, PH: 0, PW: 0, OutH: 55, OutW: 55}
	f.Comment(fmt.Sprintf("%s is the layout of one group's patches in %s: the columns of a %d×%d matrix, one per", geometry, l.Name, d.depth, d.cols))
	f.Comment("output pixel, each the input under that pixel's window, zero in the padding.")
	f.Var().Id(geometry).Op("=").Add(x("runtime.Conv{C: %d, H: %d, W: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, OutH: %d, OutW: %d}",
		d.gIn, in.H, in.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, out.H, out.W))

	dense := s.Forward == compiler.ConvDense
	how := fmt.Sprintf("Per image and group, one GEMM: weights (%d×%d) · patches (%d×%d)", d.rows, d.depth, d.depth, d.cols)
	if dense {
		how = fmt.Sprintf("Per image and group, one GEMM: weights (%d×%d) · input (%d×%d), the input being its own patch matrix", d.rows, d.depth, d.depth, d.cols)
	}
	if c.Learn.Bias {
		how += " + bias"
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !dense {
		how += fmt.Sprintf(";\nthe patches are packed for the GEMM straight from the image, as %s lays them out", geometry)
	}
	g.doc(f, s, false, how+".")
	bias := ""
	if c.Learn.Bias {
		bias = fmt.Sprintf("m.%s[g*rows : (g+1)*rows]", fieldName(l.Name+".bias"))
	}
	b := fmt.Sprintf("runtime.Patches(src[g*inGroup:(g+1)*inGroup], &%s)", geometry)
	if dense {
		b = "runtime.Dense(src[g*inGroup:(g+1)*inGroup], cols)"
	}
	inS, outS := g.slices(s)
	kernel(f, s, name,
		jen.Const().Defs(d.consts()...),
		x("in, out := %s, %s", inS, outS),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
			jen.For(x("g := 0; g < groups; g++")).Block(
				x("m.multiply(worker, %s)", product("rows", "cols", "depth",
					fmt.Sprintf("runtime.Dense(m.%s[g*rows*depth:(g+1)*rows*depth], depth)", fieldName(l.Name+".weight")),
					b, "dst[g*rows*cols:(g+1)*rows*cols]", "cols", false, epilogue(bias, "RowBias", s.ReLU))),
			),
		),
	)
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
