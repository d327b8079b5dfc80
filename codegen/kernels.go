package codegen

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// x is a Go expression or statement written out, for the arithmetic of kernel bodies, where
// spelling each operator out as a builder call would hide what is computed. References to the
// runtime and math packages become qualified names, so that the file imports them.
func x(format string, args ...any) *jen.Statement {
	src := fmt.Sprintf(format, args...)
	st := &jen.Statement{}
	last := 0
	for _, m := range qualified.FindAllStringSubmatchIndex(src, -1) {
		if m[0] > last {
			st.Id(src[last:m[0]])
		}
		st.Qual(packages[src[m[2]:m[3]]], src[m[4]:m[5]])
		last = m[1]
	}
	if last < len(src) {
		st.Id(src[last:])
	}
	return st
}

var (
	qualified = regexp.MustCompile(`\b(runtime|math|fmt)\.([A-Za-z_][A-Za-z0-9_]*)`)
	packages  = map[string]string{"runtime": rt, "math": "math", "fmt": "fmt"}
)

// kernels emits one function per step that does work.
func (g *gen) kernels(f *jen.File) {
	for _, s := range g.n.Steps {
		if s.View {
			continue
		}
		switch s.Main().Op {
		case compiler.OpConv:
			g.conv(f, s)
		case compiler.OpFC:
			g.fc(f, s)
		case compiler.OpLRN:
			g.lrn(f, s)
		case compiler.OpMaxPool, compiler.OpAvgPool:
			g.pool(f, s)
		case compiler.OpAdaptiveAvgPool:
			g.adaptivePool(f, s)
		case compiler.OpReLU:
			g.relu(f, s)
		case compiler.OpDropout:
			g.dropout(f, s)
		default:
			panic(fmt.Sprintf("codegen: no kernel for %s", s.Main().Op))
		}
	}
}

// doc writes a kernel's comment: which layers of the spec it computes, and how.
func (g *gen) doc(f *jen.File, s *compiler.Step, how string) {
	l := s.Main()
	f.Comment(fmt.Sprintf("%s computes %s (%s): %s → %s per image.", g.name[s], l.Name, g.where(l), s.In(), s.Out()))
	for _, fused := range s.Layers[1:] {
		f.Comment(fmt.Sprintf("It includes %s (%s) in the same pass.", fused.Name, g.where(fused)))
	}
	for _, line := range strings.Split(how, "\n") {
		f.Comment(line)
	}
}

// slices returns the expressions of the step's input and output buffers for the batch.
func (g *gen) slices(s *compiler.Step) (in, out string) {
	in = "m.x"
	if s.InBuf >= 0 {
		in = fmt.Sprintf("m.buf[%d][:m.n*inSize]", s.InBuf)
	}
	return in, fmt.Sprintf("m.buf[%d][:m.n*outSize]", s.OutBuf)
}

// perImage is the signature of per-image kernels: worker w computes images lo…hi−1.
func perImage(f *jen.File, name string, body ...jen.Code) {
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name).Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(body...)
}

// sizes declares the input and output sizes of one image.
func sizes(in, out compiler.Shape) []jen.Code {
	return []jen.Code{
		x("inSize").Op("=").Lit(int(in.Size())).Comment(in.String()),
		x("outSize").Op("=").Lit(int(out.Size())).Comment(out.String()),
	}
}

// epilogue is the GEMM epilogue of a conv or fc step: its bias and fused ReLU.
func epilogue(bias, field string, relu bool) string {
	var parts []string
	if bias != "" {
		parts = append(parts, fmt.Sprintf("%s: %s", field, bias))
	}
	if relu {
		parts = append(parts, "ReLU: true")
	}
	return "runtime.Epilogue{" + strings.Join(parts, ", ") + "}"
}

// conv emits a convolution as one GEMM per image and group, weights · patches, with the bias and
// a fused ReLU applied in the GEMM's epilogue. The patch matrix is never written out:
// runtime.GemmConv packs it straight from the image, as the package-level geometry the conv
// declares describes it (the backward pass shares the geometry). A 1×1 conv with stride 1 and
// no padding reads its input as the matrix, with runtime.Gemm.
func (g *gen) conv(f *jen.File, s *compiler.Step) {
	l, c := s.Main(), s.Main().Conv
	in, out := s.In(), s.Out()
	name := g.name[s]
	gIn, rows, cols := in.C/c.Groups, c.Out/c.Groups, out.H*out.W
	depth := gIn * c.KH * c.KW
	direct := c.KH == 1 && c.KW == 1 && c.SH == 1 && c.SW == 1 && c.PH == 0 && c.PW == 0
	geometry := name + "Geometry"

	// var conv1Geometry = runtime.Conv{C: 3, H: 227, W: 227, KH: 11, KW: 11, SH: 4, SW: 4, PH: 0, PW: 0, OutH: 55, OutW: 55}
	f.Comment(fmt.Sprintf("%s is the layout of one group's patches in %s: the columns of a %d×%d matrix, one per", geometry, l.Name, depth, cols))
	f.Comment("output pixel, each the input under that pixel's window, zero in the padding.")
	f.Var().Id(geometry).Op("=").Add(x("runtime.Conv{C: %d, H: %d, W: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, OutH: %d, OutW: %d}",
		gIn, in.H, in.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, out.H, out.W))

	how := fmt.Sprintf("Per image and group, one GEMM: weights (%d×%d) · patches (%d×%d)", rows, depth, depth, cols)
	if direct {
		how = fmt.Sprintf("Per image and group, one GEMM: weights (%d×%d) · input (%d×%d), the input being its own patch matrix", rows, depth, depth, cols)
	}
	if c.Learn.Bias {
		how += " + bias"
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !direct {
		how += fmt.Sprintf(";\nthe patches are packed for the GEMM straight from the image, as %s lays them out", geometry)
	}
	g.doc(f, s, how+".")
	bias := ""
	if c.Learn.Bias {
		bias = fmt.Sprintf("m.%s[g*rows : (g+1)*rows]", g.fieldName(l.Name+".bias"))
	}
	inS, outS := g.slices(s)
	consts := append(sizes(in, out),
		x("groups").Op("=").Lit(c.Groups),
		x("rows").Op("=").Lit(rows).Comment("output channels per group: the GEMM's m"),
		x("cols").Op("=").Lit(cols).Comment(fmt.Sprintf("output pixels %dx%d: its n", out.H, out.W)),
		x("depth").Op("=").Lit(depth).Comment(fmt.Sprintf("values per patch, %dx%dx%d: its k", gIn, c.KH, c.KW)),
		x("inGroup").Op("=").Lit(int(in.Size())/c.Groups).Comment("input values per group"),
	)
	weights := fmt.Sprintf("m.%s[g*rows*depth:(g+1)*rows*depth]", g.fieldName(l.Name+".weight"))
	src, dst, ep := "src[g*inGroup:(g+1)*inGroup]", "dst[g*rows*cols:(g+1)*rows*cols]", epilogue(bias, "RowBias", s.ReLU)
	// runtime.GemmConv(ws, rows, m.conv1Weight[…], depth, src[…], &conv1Geometry, dst[…], cols, false, runtime.Epilogue{…})
	gemm := x("runtime.GemmConv(ws, rows, %s, depth, %s, &%s, %s, cols, false, %s)", weights, src, geometry, dst, ep)
	if direct {
		gemm = x("runtime.Gemm(ws, false, false, rows, cols, depth, %s, depth, %s, cols, %s, cols, false, %s)", weights, src, dst, ep)
	}
	perImage(f, name,
		jen.Const().Defs(consts...),
		x("in, out := %s, %s", inS, outS),
		x("ws := m.workspace(worker)"),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
			jen.For(x("g := 0; g < groups; g++")).Block(gemm),
		),
	)
}

// fc emits a fully connected layer as one GEMM over the whole batch, inputs · weightsᵀ, with the
// bias and a fused ReLU in the epilogue.
func (g *gen) fc(f *jen.File, s *compiler.Step) {
	l := s.Main()
	in, out := s.In(), s.Out()
	how := fmt.Sprintf("The whole batch in one GEMM, split over the workers: inputs (n×%d) · weightsᵀ (%d×%d)", in.Size(), in.Size(), out.C)
	bias := ""
	if l.FC.Learn.Bias {
		how += " + bias"
		bias = "m." + g.fieldName(l.Name+".bias")
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !in.Flat {
		how += fmt.Sprintf(".\nEach image's %s input is read as a vector in C, H, W order, as PyTorch flattens it", in)
	}
	g.doc(f, s, how+".")
	inS, outS := g.slices(s)
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(g.name[s]).Params().Block(
		jen.Const().Defs(sizes(in, out)...),
		x("in, out := %s, %s", inS, outS),
		x("runtime.ParallelSgemm(false, true, m.n, outSize, inSize, in, inSize, m.%s, inSize, out, outSize, false, %s)",
			g.fieldName(l.Name+".weight"), epilogue(bias, "ColBias", s.ReLU)),
	)
}

// lrn emits local response normalisation across channels: for each channel, the squares of its
// window's channels summed into a row of scratch space by runtime.SquaresAdd (afresh for every
// window, not slid from the last one, so that no rounding error carries from a window of large
// values into one of small values), then the channel scaled by runtime.LRNScale.
func (g *gen) lrn(f *jen.File, s *compiler.Step) {
	l := s.Main()
	p, shape := l.LRN, s.In()
	conv := fmt.Sprintf("α/n = %g/%d (PyTorch's and Caffe's convention)", p.Alpha, p.Size)
	if p.Paper {
		conv = fmt.Sprintf("α = %g (the paper's convention)", p.Alpha)
	}
	g.doc(f, s, fmt.Sprintf("b = a / (%g + %g·Σa²)^%g, the sum over channels c−%d…c+%d of the same pixel, zero outside;\n%s.",
		p.K, p.Scale(), p.Beta, p.Size/2, (p.Size-1)/2, conv))
	inS, outS := g.slices(s)
	pixels := shape.H * shape.W
	perImage(f, g.name[s],
		jen.Const().Defs(
			x("channels").Op("=").Lit(shape.C),
			x("pixels").Op("=").Lit(pixels),
			x("inSize, outSize").Op("=").List(jen.Lit(int(shape.Size())), jen.Lit(int(shape.Size()))),
			x("before, after").Op("=").List(jen.Lit(p.Size/2), jen.Lit((p.Size-1)/2)).Comment("channels in the window around c"),
			x("k").Op("=").Lit(p.K),
			x("scale").Op("=").Lit(p.Scale()),
			x("beta").Op("=").Lit(p.Beta),
		),
		x("in, out := %s, %s", inS, outS),
		x("sums := m.scratch[worker][:pixels]"),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("src, dst := in[i*inSize:(i+1)*inSize], out[i*outSize:(i+1)*outSize]"),
			jen.For(x("c := 0; c < channels; c++")).Block(
				x("clear(sums)"),
				jen.For(x("j := max(0, c-before); j <= min(channels-1, c+after); j++")).Block(
					x("runtime.SquaresAdd(sums, src[j*pixels:(j+1)*pixels])"),
				),
				x("runtime.LRNScale(dst[c*pixels:(c+1)*pixels], src[c*pixels:(c+1)*pixels], sums, k, scale, beta)"),
			),
		),
	)
}

// perPlane is the signature of kernels that work on one channel of one image at a time: worker
// w computes planes lo…hi−1, plane u being channel u%C of image u/C, at offset u·H·W of NCHW
// data. Forward splits the batch's planes over the workers, so even one image keeps them busy.
func perPlane(f *jen.File, name string, body ...jen.Code) {
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name).Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(body...)
}

// pool emits max or average pooling, each output the max or mean of its window. Max ignores
// padding and is runtime.MaxPool's (PyTorch's maximum, NaN propagating); average divides by the
// window's size counting padding (PyTorch's count_include_pad): each output row first sums its
// window's rows column by column into a scratch row, then each output its window's columns of
// that row.
func (g *gen) pool(f *jen.File, s *compiler.Step) {
	l, p := s.Main(), s.Main().Pool
	in, out := s.In(), s.Out()
	if l.Op == compiler.OpMaxPool {
		window := g.name[s] + "Window"
		g.doc(f, s, fmt.Sprintf("Each output is the maximum of its %dx%d window (stride %dx%d, padding %dx%d ignored), per channel plane.",
			p.KH, p.KW, p.SH, p.SW, p.PH, p.PW))
		inS, outS := g.slices(s)
		perPlane(f, g.name[s],
			jen.Const().Defs(append(sizes(in, out),
				x("inPlane, outPlane").Op("=").List(jen.Lit(in.H*in.W), jen.Lit(out.H*out.W)).Comment("a channel plane of each"),
			)...),
			x("in, out := %s, %s", inS, outS),
			jen.For(x("u := lo; u < hi; u++")).Block(
				x("runtime.MaxPool(out[u*outPlane:(u+1)*outPlane], in[u*inPlane:(u+1)*inPlane], &%s)", window),
			),
		)
		f.Comment(fmt.Sprintf("%s is the geometry of %s's windows over one channel plane.", window, l.Name))
		f.Var().Id(window).Op("=").Add(x("runtime.Pool{H: %d, W: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, OutH: %d, OutW: %d}",
			in.H, in.W, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW, out.H, out.W))
		return
	}
	g.doc(f, s, fmt.Sprintf("Each output is the sum of its %dx%d window (stride %dx%d) divided by the window's size,\n"+
		"counting padding (%dx%d) but not what lies beyond it, as PyTorch's AvgPool2d.", p.KH, p.KW, p.SH, p.SW, p.PH, p.PW))
	inS, outS := g.slices(s)
	perPlane(f, g.name[s],
		jen.Const().Defs(append(sizes(in, out),
			x("inH, inW").Op("=").List(jen.Lit(in.H), jen.Lit(in.W)),
			x("outH, outW").Op("=").List(jen.Lit(out.H), jen.Lit(out.W)),
			x("kh, kw").Op("=").List(jen.Lit(p.KH), jen.Lit(p.KW)),
			x("sh, sw").Op("=").List(jen.Lit(p.SH), jen.Lit(p.SW)),
			x("ph, pw").Op("=").List(jen.Lit(p.PH), jen.Lit(p.PW)),
		)...),
		x("in, out := %s, %s", inS, outS),
		x("t := m.scratch[worker][:inW]").Comment("the window's rows reduced, column by column"),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("plane := in[u*inH*inW : (u+1)*inH*inW]"),
			x("o := out[u*outH*outW : (u+1)*outH*outW]"),
			jen.For(x("oy := 0; oy < outH; oy++")).Block(
				x("y0, y1 := max(0, oy*sh-ph), min(inH, oy*sh-ph+kh)"),
				x("rows := min(oy*sh-ph+kh, inH+ph) - (oy*sh - ph)").Comment("window height, counting padding"),
				x("copy(t, plane[y0*inW:(y0+1)*inW])"),
				jen.For(x("y := y0 + 1; y < y1; y++")).Block(
					jen.For(x("x, v := range plane[y*inW : (y+1)*inW]")).Block(x("t[x] += v")),
				),
				jen.For(x("ox := 0; ox < outW; ox++")).Block(
					x("x0, x1 := max(0, ox*sw-pw), min(inW, ox*sw-pw+kw)"),
					x("var best float32"),
					jen.For(x("_, v := range t[x0:x1]")).Block(x("best += v")),
					x("o[oy*outW+ox] = best / float32(rows*(min(ox*sw-pw+kw, inW+pw)-(ox*sw-pw)))"),
				),
			),
		),
	)
}

// adaptivePool emits PyTorch's adaptive average pooling: output (oy, ox) averages rows
// ⌊oy·H/outH⌋ … ⌈(oy+1)·H/outH⌉−1 and the columns likewise.
func (g *gen) adaptivePool(f *jen.File, s *compiler.Step) {
	in, out := s.In(), s.Out()
	g.doc(f, s, "Output (oy, ox) is the mean of input rows ⌊oy·inH/outH⌋ … ⌈(oy+1)·inH/outH⌉−1 and the columns likewise.")
	inS, outS := g.slices(s)
	perPlane(f, g.name[s],
		jen.Const().Defs(append(sizes(in, out),
			x("inH, inW").Op("=").List(jen.Lit(in.H), jen.Lit(in.W)),
			x("outH, outW").Op("=").List(jen.Lit(out.H), jen.Lit(out.W)),
		)...),
		x("in, out := %s, %s", inS, outS),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("plane := in[u*inH*inW : (u+1)*inH*inW]"),
			x("o := out[u*outH*outW : (u+1)*outH*outW]"),
			jen.For(x("oy := 0; oy < outH; oy++")).Block(
				x("y0, y1 := oy*inH/outH, ((oy+1)*inH+outH-1)/outH"),
				jen.For(x("ox := 0; ox < outW; ox++")).Block(
					x("x0, x1 := ox*inW/outW, ((ox+1)*inW+outW-1)/outW"),
					x("var sum float32"),
					jen.For(x("y := y0; y < y1; y++")).Block(
						jen.For(x("_, v := range plane[y*inW+x0 : y*inW+x1]")).Block(x("sum += v")),
					),
					x("o[oy*outW+ox] = sum / float32((y1-y0)*(x1-x0))"),
				),
			),
		),
	)
}

// relu emits a ReLU that could not be fused into a GEMM: in place unless it reads the input.
func (g *gen) relu(f *jen.File, s *compiler.Step) {
	g.doc(f, s, "b = max(0, a).")
	inS, outS := g.slices(s)
	perImage(f, g.name[s],
		jen.Const().Defs(sizes(s.In(), s.Out())...),
		x("in, out := %s, %s", inS, outS),
		jen.For(x("j, v := range in[lo*inSize : hi*inSize]")).Block(x("out[lo*outSize+j] = max(v, 0)")),
	)
}

// dropout emits inverted dropout for training: each image draws its mask from its own stream of
// the seed (so the result does not depend on how images are split over workers), keeps it for
// the backward pass, and multiplies.
func (g *gen) dropout(f *jen.File, s *compiler.Step) {
	p := s.Main().Dropout.P
	index := 0
	for i, d := range g.dropouts() {
		if d == s {
			index = i
		}
	}
	g.doc(f, s, fmt.Sprintf("Training only: b = a·mask, mask 0 with probability %g, else 1/(1−%g) (inverted dropout).", p, p))
	inS, outS := g.slices(s)
	perImage(f, g.name[s],
		jen.Const().Defs(append(sizes(s.In(), s.Out()),
			x("keep").Op("=").Lit(1-p),
			x("scale").Op("=").Lit(float32(1/(1-p))),
			x("stream").Op("=").Lit(index).Comment("this layer's share of the seed's streams"),
		)...),
		x("in, out, mask := %s, %s, m.%sMask[:m.n*outSize]", inS, outS, g.name[s]),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("rng := runtime.NewRNG(m.seed)"),
			x("r := rng.Split(uint64(m.steps)<<32 | uint64(i)<<8 | stream)"),
			x("mk := mask[i*outSize : (i+1)*outSize]"),
			x("r.FillBernoulliMask(mk, keep, scale)"),
			jen.For(x("j, v := range in[i*inSize : (i+1)*inSize]")).Block(x("out[i*outSize+j] = v * mk[j]")),
		),
	)
}
