package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

func init() { register(compiler.OpLRN, &emitter{forward: lrnForward, backward: lrnBackward}) }

// lrnConsts declares the sizes and constants of an LRN kernel, the constants as float32, as the
// runtime's LRN kernels take them.
func lrnConsts(s *compiler.Step) []jen.Code {
	p, shape := s.Main().LRN(), s.In()
	return []jen.Code{
		x("channels").Op("=").Lit(shape.C),
		x("pixels").Op("=").Lit(shape.H * shape.W),
		x("inSize, outSize").Op("=").List(jen.Lit(int(shape.Size())), jen.Lit(int(shape.Size()))),
		x("before, after").Op("=").List(jen.Lit(p.Size/2), jen.Lit((p.Size-1)/2)).Comment("channels in the window around c"),
		x("k").Op("=").Lit(float32(p.K)),
		x("scale").Op("=").Lit(float32(p.Scale())).Comment("α'"),
		x("beta").Op("=").Lit(float32(p.Beta)),
	}
}

// lrnForward emits local response normalisation across channels: for each channel, the squares
// of its window's channels summed into a row of scratch space by runtime.SquaresAdd (afresh for
// every window, not slid from the last one, so that no rounding error carries from a window of
// large values into one of small values), then the channel scaled by runtime.LRNScale.
func lrnForward(g *gen, f *jen.File, s *compiler.Step) {
	p := s.Main().LRN()
	conv := fmt.Sprintf("α' = α/n = %g/%d (PyTorch's and Caffe's convention)", p.Alpha, p.Size)
	if p.Paper {
		conv = fmt.Sprintf("α' = α = %g (the paper's convention)", p.Alpha)
	}
	g.doc(f, s, false, fmt.Sprintf("b = a / (%g + %g·Σa²)^%g, the sum over channels c−%d…c+%d of the same pixel, zero outside;\n%s.",
		p.K, p.Scale(), p.Beta, p.Size/2, (p.Size-1)/2, conv))
	inS, outS := g.slices(s)
	kernel(f, s, g.name[s],
		jen.Const().Defs(lrnConsts(s)...),
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

// lrnBackward emits LRN's exact backward pass per image. With b_i = a_i·s_i^−β and
// s_i = k + α'·Σ_{j∈W(i)} a_j², ∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1).
func lrnBackward(g *gen, f *jen.File, s *compiler.Step) {
	p := s.Main().LRN()
	g.doc(f, s, true, "The exact gradient: with b_i = a_i·s_i^−β and s_i = k + α'·Σ_{j∈W(i)} a_j²,\n"+
		"∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1).")
	inS, _, dyS, dxS := g.gradSlices(s)
	kernel(f, s, g.backName(s),
		jen.Const().Defs(append(lrnConsts(s),
			x("twoScaleBeta").Op("=").Lit(float32(2*p.Scale()*p.Beta)).Comment("2α'β"),
		)...),
		x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
		x("terms, sums := m.scratch[worker][:channels*pixels], m.scratch[worker][channels*pixels:(channels+1)*pixels]"),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("a, gy, gx := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize], dx[i*inSize:(i+1)*inSize]"),
			jen.Comment("First gx_c = g_c·s_c^−β, and terms_c = g_c·a_c·s_c^(−β−1) = gx_c·a_c/s_c."),
			jen.For(x("c := 0; c < channels; c++")).Block(
				x("clear(sums)"),
				jen.For(x("j := max(0, c-before); j <= min(channels-1, c+after); j++")).Block(
					x("runtime.SquaresAdd(sums, a[j*pixels:(j+1)*pixels])"),
				),
				x("ac, gc := a[c*pixels:(c+1)*pixels], gy[c*pixels:(c+1)*pixels]"),
				x("xc, tc := gx[c*pixels:(c+1)*pixels], terms[c*pixels:(c+1)*pixels]"),
				x("runtime.LRNScale(xc, gc, sums, k, scale, beta)"),
				jen.For(x("q, v := range xc")).Block(x("tc[q] = v * ac[q] / (k + scale*sums[q])")),
			),
			jen.Comment("Then each channel j takes the terms of the windows it lies in: channels j−after…j+before."),
			jen.For(x("j := 0; j < channels; j++")).Block(
				x("aj, xj := a[j*pixels:(j+1)*pixels], gx[j*pixels:(j+1)*pixels]"),
				jen.For(x("c := max(0, j-after); c <= min(channels-1, j+before); c++")).Block(
					x("runtime.SubProduct(xj, aj, terms[c*pixels:(c+1)*pixels], twoScaleBeta)").Comment("xj −= twoScaleBeta·aj·terms_c"),
				),
			),
		),
	)
}
