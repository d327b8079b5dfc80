package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// The backward pass: one kernel per step that has a gradient to compute, run in reverse order
// after the loss, each reading the gradient of its output from one of the two gradient buffers
// and writing the gradient of its input into the other (or the same, in place). Parameter
// gradients go straight into Param.Grad, except those of convolutions, which each worker
// accumulates over its images into its own partial sums, added up at the end.

// gradSlices returns the expressions of a step's input and output activations and of the
// gradients of its output (dy) and input (dx), for the batch.
func (g *gen) gradSlices(s *compiler.Step) (in, out, dy, dx string) {
	in, out = g.slices(s)
	dy = fmt.Sprintf("m.grad[%d][:m.n*outSize]", s.GradOut)
	dx = fmt.Sprintf("m.grad[%d][:m.n*inSize]", s.GradIn)
	return in, out, dy, dx
}

// first reports whether s is the network's first step, whose input gradient nobody needs.
func (g *gen) first(s *compiler.Step) bool { return g.n.Steps[0] == s }

// convParams lists the conv layers' parameters with their offsets in each worker's partial
// sums, and the sums' total size.
func (g *gen) convParams() (offsets map[string]int, total int) {
	offsets = map[string]int{}
	for _, p := range g.params() {
		if p.layer.Op == compiler.OpConv {
			offsets[p.Name] = total
			total += size(p.Shape)
		}
	}
	return offsets, total
}

// transposed reports whether a conv step's input gradient is computed as a convolution of the
// output gradient with the flipped weights (stride 1, padding less than the kernel): the
// transposed convolution, packed straight from the gradient like the forward pass, instead of
// Wᵀ·dY followed by col2im.
func (g *gen) transposed(s *compiler.Step) bool {
	c := s.Main().Conv
	return c != nil && !g.first(s) && c.SH == 1 && c.SW == 1 && c.PH < c.KH && c.PW < c.KW
}

// backScratch is the per-worker scratch space the backward kernels need: the gradient of a
// conv's patches when its input gradient is col2im's (the weight gradient packs its patches
// straight from the image, and a transposed convolution needs none), or an LRN's per-channel
// terms and window sums.
func (g *gen) backScratch(s *compiler.Step) int {
	l := s.Main()
	switch l.Op {
	case compiler.OpConv:
		c := l.Conv
		if g.transposed(s) || g.first(s) {
			return 0
		}
		return l.In.C / c.Groups * c.KH * c.KW * l.Out.H * l.Out.W
	case compiler.OpLRN:
		return (l.In.C + 1) * l.In.H * l.In.W
	}
	return 0
}

// backwardSteps are the steps that have a backward kernel, in forward order: those that do
// work, but the first when it has no parameters (its input's gradient is never needed).
func (g *gen) backwardSteps() []*compiler.Step {
	var out []*compiler.Step
	for _, s := range g.n.Steps {
		if s.View || (g.first(s) && len(s.Main().ParamShapes()) == 0) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// backward emits the backward kernels of every step.
func (g *gen) backward(f *jen.File) {
	g.lossKernel(f)
	for _, s := range g.backwardSteps() {
		switch s.Main().Op {
		case compiler.OpConv:
			g.convBackward(f, s)
		case compiler.OpFC:
			g.fcBackward(f, s)
		case compiler.OpLRN:
			g.lrnBackward(f, s)
		case compiler.OpMaxPool, compiler.OpAvgPool:
			g.poolBackward(f, s)
		case compiler.OpAdaptiveAvgPool:
			g.adaptivePoolBackward(f, s)
		case compiler.OpReLU:
			g.reluBackward(f, s)
		case compiler.OpDropout:
			g.dropoutBackward(f, s)
		default:
			panic(fmt.Sprintf("codegen: no backward kernel for %s", s.Main().Op))
		}
	}
}

// backName is the name of a step's backward kernel.
func (g *gen) backName(s *compiler.Step) string { return g.name[s] + "Backward" }

// lossKernel emits the softmax cross-entropy: per image, the loss −log p(label) and the gradient
// of the batch's mean loss with respect to the logits, (p − onehot(label))/n.
func (g *gen) lossKernel(f *jen.File) {
	last := g.n.Steps[len(g.n.Steps)-1]
	f.Comment(fmt.Sprintf("lossBackward computes the softmax cross-entropy of %s (%s) for images lo…hi−1: each", last.Main().Name, g.where(last.Main())))
	f.Comment("image's loss −log p(label), and the gradient of the batch's mean loss, (p − onehot(label))/n.")
	perImage(f, "lossBackward",
		jen.Const().Defs(x("classes").Op("=").Lit(g.n.Classes)),
		x("z, dz := m.buf[%d][:m.n*classes], m.grad[%d][:m.n*classes]", last.OutBuf, last.GradOut),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("row, d := z[i*classes:(i+1)*classes], dz[i*classes:(i+1)*classes]"),
			x("top := row[0]"),
			jen.For(x("_, v := range row")).Block(x("top = max(top, v)")),
			x("var sum float64"),
			jen.For(x("j, v := range row")).Block(
				x("e := math.Exp(float64(v - top))"),
				x("d[j], sum = float32(e), sum+e"),
			),
			x("label := m.labels[i]"),
			x("m.losses[i] = math.Log(sum) - float64(row[label]-top)"),
			x("scale := 1 / (sum * float64(m.n))"),
			jen.For(x("j := range d")).Block(x("d[j] = float32(float64(d[j]) * scale)")),
			jen.Comment("p(label) − 1 = −(sum − e(label))/sum, without the cancellation of p ≈ 1 in float32."),
			x("d[label] = float32(-(sum - math.Exp(float64(row[label]-top))) * scale)"),
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

// convBackward emits a convolution's backward pass per image and group: the ReLU mask and bias
// gradient in one pass, the weight gradient dW += dY · patchesᵀ, and (but for the first
// layer) the input gradient as col2im(Wᵀ · dY).
func (g *gen) convBackward(f *jen.File, s *compiler.Step) {
	l, c := s.Main(), s.Main().Conv
	in, out := s.In(), s.Out()
	name := g.name[s]
	gIn, rows, cols := in.C/c.Groups, c.Out/c.Groups, out.H*out.W
	depth := gIn * c.KH * c.KW
	offsets, _ := g.convParams()
	wName, bName := l.Name+".weight", l.Name+".bias"
	f.Comment(fmt.Sprintf("%s is the backward pass of %s (%s), per image and group: dW += dY·patchesᵀ", g.backName(s), stepSummary(s), g.where(l)))
	f.Comment(fmt.Sprintf("(%d×%d · %d×%d, the patches packed straight from the image) into the worker's partial sums", rows, cols, cols, depth))
	trans := g.transposed(s)
	switch {
	case trans:
		f.Comment(fmt.Sprintf("and dX as the convolution of dY with the flipped weights (%d×%d · %d×%d, packed from dY).",
			gIn, rows*c.KH*c.KW, rows*c.KH*c.KW, in.H*in.W))
	case !g.first(s):
		f.Comment(fmt.Sprintf("and dX = col2im(Wᵀ·dY) (%d×%d · %d×%d)", depth, rows, rows, cols))
	}
	inS, outS, dyS, dxS := g.gradSlices(s)
	body := []jen.Code{
		jen.Const().Defs(append(sizes(in, out),
			x("groups").Op("=").Lit(c.Groups),
			x("rows, cols, depth").Op("=").List(jen.Lit(rows), jen.Lit(cols), jen.Lit(depth)),
			x("inGroup").Op("=").Lit(int(in.Size())/c.Groups),
			x("dw").Op("=").Lit(offsets[wName]).Comment("the weights' gradient in the partial sums"),
			x("db").Op("=").Lit(offsets[bName]).Comment("the bias's"),
		)...),
		x("in, dy := %s, %s", inS, dyS),
	}
	if s.ReLU {
		body = append(body, x("out := %s", outS))
	}
	switch {
	case trans:
		body = append(body, x("dx := %s", dxS))
	case !g.first(s):
		body = append(body, x("dx, dpatches := %s, m.scratch[worker][:depth*cols]", dxS))
	}
	body = append(body,
		x("sums := m.partials[worker]"),
		x("ws := m.workspace(worker)"),
	)
	// conv1Geometry, the layout of one group's patches, is declared with the forward kernel.
	y := jen.Null()
	if s.ReLU {
		y = x("y := out[i*outSize : (i+1)*outSize]")
	}
	loop := []jen.Code{
		x("src, g := in[i*inSize:(i+1)*inSize], dy[i*outSize:(i+1)*outSize]"),
		y,
	}
	if s.ReLU || c.Learn.Bias {
		loop = append(loop,
			jen.Comment("The ReLU's mask and the bias gradient, channel by channel."),
			jen.For(x("o := 0; o < groups*rows; o++")).Block(
				maskAndSum(s.ReLU, c.Learn.Bias, "g[o*cols:(o+1)*cols]", "y[o*cols:(o+1)*cols]", "sums[db+o]"),
			),
		)
	}
	switch {
	case trans:
		loop = append(loop, x("d := dx[i*inSize : (i+1)*inSize]"))
	case !g.first(s):
		loop = append(loop, x("d := dx[i*inSize : (i+1)*inSize]"), x("clear(d)"))
	}
	groupBody := []jen.Code{
		x("runtime.GemmConvT(ws, rows, g[gr*rows*cols:(gr+1)*rows*cols], cols, src[gr*inGroup:(gr+1)*inGroup], &%sGeometry, sums[dw+gr*rows*depth:dw+(gr+1)*rows*depth], depth, true)", name),
	}
	switch {
	case trans:
		groupBody = append(groupBody,
			x("runtime.GemmConv(ws, %d, m.%sFlipped[gr*depth*rows:(gr+1)*depth*rows], rows*%d, g[gr*rows*cols:(gr+1)*rows*cols], &%sTransposed, d[gr*inGroup:(gr+1)*inGroup], %d, false, runtime.Epilogue{})",
				gIn, name, c.KH*c.KW, name, in.H*in.W),
		)
	case !g.first(s):
		groupBody = append(groupBody,
			x("runtime.Gemm(ws, true, false, depth, cols, rows, m.%s[gr*rows*depth:(gr+1)*rows*depth], depth, g[gr*rows*cols:(gr+1)*rows*cols], cols, dpatches, cols, false, runtime.Epilogue{})", g.fieldName(wName)),
			x("runtime.Col2im(d[gr*inGroup:(gr+1)*inGroup], dpatches, &%sGeometry)", name),
		)
	}
	loop = append(loop, jen.For(x("gr := 0; gr < groups; gr++")).Block(groupBody...))
	body = append(body, jen.For(x("i := lo; i < hi; i++")).Block(loop...))
	perImage(f, g.backName(s), body...)
	if trans {
		g.flip(f, s)
	}
}

// flip emits, for a conv whose input gradient is a transposed convolution, the geometry of that
// convolution and the method that lays out its weights: flipped in space, input and output
// channels swapped, per group.
func (g *gen) flip(f *jen.File, s *compiler.Step) {
	l, c := s.Main(), s.Main().Conv
	in, out := s.In(), s.Out()
	name := g.name[s]
	gIn, gOut := in.C/c.Groups, c.Out/c.Groups
	f.Comment(fmt.Sprintf("%sTransposed is the geometry of %s's input gradient as a convolution of its output gradient:", name, l.Name))
	f.Comment(fmt.Sprintf("%d channels of %dx%d, the %dx%d kernel with padding %dx%d (kernel − 1 − padding), giving %dx%d.",
		gOut, out.H, out.W, c.KH, c.KW, c.KH-1-c.PH, c.KW-1-c.PW, in.H, in.W))
	f.Var().Id(name + "Transposed").Op("=").Add(x("runtime.Conv{C: %d, H: %d, W: %d, KH: %d, KW: %d, SH: 1, SW: 1, PH: %d, PW: %d, OutH: %d, OutW: %d}",
		gOut, out.H, out.W, c.KH, c.KW, c.KH-1-c.PH, c.KW-1-c.PW, in.H, in.W))
	f.Comment(fmt.Sprintf("%sFlip lays out %s's weights for its input gradient: W'[g][c][o][ky][kx] = W[g][o][c][kh−1−ky][kw−1−kx].", name, l.Name))
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name+"Flip").Params().Block(
		jen.Const().Defs(
			x("groups, gIn, gOut").Op("=").List(jen.Lit(c.Groups), jen.Lit(gIn), jen.Lit(gOut)),
			x("kh, kw").Op("=").List(jen.Lit(c.KH), jen.Lit(c.KW)),
		),
		x("w, f := m.%s, m.%sFlipped", g.fieldName(l.Name+".weight"), name),
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

// fcBackward emits a fully connected layer's backward pass over the whole batch: the ReLU mask
// and bias gradient in one pass, dW = dYᵀ·X and (but for the first layer) dX = dY·W.
func (g *gen) fcBackward(f *jen.File, s *compiler.Step) {
	l := s.Main()
	in, out := s.In(), s.Out()
	bias := l.FC.Learn.Bias
	f.Comment(fmt.Sprintf("%s is the backward pass of %s (%s) over the whole batch: dW = dYᵀ·X (%d×n · n×%d)",
		g.backName(s), stepSummary(s), g.where(l), out.C, in.Size()))
	if !g.first(s) {
		f.Comment(fmt.Sprintf("and dX = dY·W (n×%d · %d×%d), each GEMM split over the workers.", out.C, out.C, in.Size()))
	}
	inS, outS, dyS, dxS := g.gradSlices(s)
	body := []jen.Code{
		jen.Const().Defs(sizes(in, out)...),
		x("x, dy := %s, %s", inS, dyS),
	}
	if s.ReLU {
		body = append(body, x("y := %s", outS))
	}
	if bias {
		body = append(body, x("db := m.params[%d].Grad", g.paramIndex(l.Name+".bias")), x("clear(db)"))
	}
	var mask []jen.Code
	if s.ReLU {
		mask = append(mask, jen.If(x("yr[j] <= 0")).Block(x("g[j] = 0")))
	}
	if bias {
		mask = append(mask, x("db[j] += g[j]"))
	}
	if len(mask) > 0 {
		body = append(body,
			jen.Comment("The ReLU's mask and the bias gradient, in one pass over dY."),
			jen.For(x("i := 0; i < m.n; i++")).Block(
				x("g := dy[i*outSize : (i+1)*outSize]"),
				func() jen.Code {
					if s.ReLU {
						return x("yr := y[i*outSize : (i+1)*outSize]")
					}
					return jen.Null()
				}(),
				jen.For(x("j := range g")).Block(mask...),
			),
		)
	}
	body = append(body, x("runtime.ParallelSgemm(true, false, outSize, inSize, m.n, dy, outSize, x, inSize, m.params[%d].Grad, inSize, false, runtime.Epilogue{})", g.paramIndex(l.Name+".weight")))
	if !g.first(s) {
		body = append(body, x("runtime.ParallelSgemm(false, false, m.n, inSize, outSize, dy, outSize, m.%s, inSize, %s, inSize, false, runtime.Epilogue{})", g.fieldName(l.Name+".weight"), dxS))
	}
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(g.backName(s)).Params().Block(body...)
}

// paramIndex is a parameter's index in Params.
func (g *gen) paramIndex(name string) int {
	for i, p := range g.params() {
		if p.Name == name {
			return i
		}
	}
	panic("codegen: no parameter " + name)
}

// powNegBeta is the Go expression of s^−β in float64, with square roots for the common βs.
func powNegBeta(beta float64) string {
	switch beta {
	case 0:
		return "1"
	case 0.5:
		return "1 / math.Sqrt(s)"
	case 0.75:
		return "1 / math.Sqrt(s*math.Sqrt(s))"
	case 1:
		return "1 / s"
	}
	return fmt.Sprintf("math.Pow(s, %v)", -beta)
}

// lrnBackward emits LRN's exact backward pass per image. With b_i = a_i·s_i^−β and
// s_i = k + α'·Σ_{j∈W(i)} a_j², ∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1).
func (g *gen) lrnBackward(f *jen.File, s *compiler.Step) {
	l := s.Main()
	p, shape := l.LRN, s.In()
	pixels := shape.H * shape.W
	f.Comment(fmt.Sprintf("%s is the exact backward pass of %s (%s), per image: with b_i = a_i·s_i^−β and", g.backName(s), l.Name, g.where(l)))
	f.Comment("s_i = k + α'·Σ_{j∈W(i)} a_j², ∂L/∂a_j = g_j·s_j^−β − 2α'β·a_j·Σ_{i: j∈W(i)} g_i·a_i·s_i^(−β−1).")
	inS, _, dyS, dxS := g.gradSlices(s)
	perImage(f, g.backName(s),
		jen.Const().Defs(
			x("channels").Op("=").Lit(shape.C),
			x("pixels").Op("=").Lit(pixels),
			x("inSize, outSize").Op("=").List(jen.Lit(int(shape.Size())), jen.Lit(int(shape.Size()))),
			x("before, after").Op("=").List(jen.Lit(p.Size/2), jen.Lit((p.Size-1)/2)),
			x("k").Op("=").Lit(float32(p.K)),
			x("scale").Op("=").Lit(float32(p.Scale())),
			x("beta").Op("=").Lit(float32(p.Beta)),
			x("twoScaleBeta").Op("=").Lit(float32(2*p.Scale()*p.Beta)),
		),
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

// poolBackward emits max or average pooling's backward pass per channel plane: each output's
// gradient goes to its window's maximum (runtime.MaxPoolBackward: PyTorch's, the first in
// row-major order, or the last NaN), or is spread over the window divided by its size.
func (g *gen) poolBackward(f *jen.File, s *compiler.Step) {
	l, p := s.Main(), s.Main().Pool
	in, out := s.In(), s.Out()
	inS, _, dyS, dxS := g.gradSlices(s)
	if l.Op == compiler.OpMaxPool {
		window := g.name[s] + "Window"
		f.Comment(fmt.Sprintf("%s is the backward pass of %s (%s), per channel plane: each output's gradient goes to the", g.backName(s), l.Name, g.where(l)))
		f.Comment(fmt.Sprintf("position of its window's maximum, found as in the forward pass (%s is declared with it).", window))
		perPlane(f, g.backName(s),
			jen.Const().Defs(append(sizes(in, out),
				x("inPlane, outPlane").Op("=").List(jen.Lit(in.H*in.W), jen.Lit(out.H*out.W)).Comment("a channel plane of each"),
			)...),
			x("in, dy, dx := %s, %s, %s", inS, dyS, dxS),
			jen.For(x("u := lo; u < hi; u++")).Block(
				x("runtime.MaxPoolBackward(dx[u*inPlane:(u+1)*inPlane], in[u*inPlane:(u+1)*inPlane], dy[u*outPlane:(u+1)*outPlane], &%s)", window),
			),
		)
		return
	}
	how := "each output's gradient is spread over its window, divided by the window's size counting padding"
	window := []jen.Code{
		x("v := gy[oy*outW+ox] / float32((min(oy*sh-ph+kh, inH+ph)-(oy*sh-ph))*(min(ox*sw-pw+kw, inW+pw)-(ox*sw-pw)))"),
		jen.For(x("y := y0; y < y1; y++")).Block(
			jen.For(x("xx := x0; xx < x1; xx++")).Block(x("d[y*inW+xx] += v")),
		),
	}
	f.Comment(fmt.Sprintf("%s is the backward pass of %s (%s), per channel plane: %s.", g.backName(s), l.Name, g.where(l), how))
	perPlane(f, g.backName(s),
		jen.Const().Defs(append(sizes(in, out),
			x("inH, inW").Op("=").List(jen.Lit(in.H), jen.Lit(in.W)),
			x("outH, outW").Op("=").List(jen.Lit(out.H), jen.Lit(out.W)),
			x("kh, kw").Op("=").List(jen.Lit(p.KH), jen.Lit(p.KW)),
			x("sh, sw").Op("=").List(jen.Lit(p.SH), jen.Lit(p.SW)),
			x("ph, pw").Op("=").List(jen.Lit(p.PH), jen.Lit(p.PW)),
		)...),
		x("dy, dx := %s, %s", dyS, dxS),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gy, d := dy[u*outH*outW:(u+1)*outH*outW], dx[u*inH*inW:(u+1)*inH*inW]"),
			x("clear(d)"),
			jen.For(x("oy := 0; oy < outH; oy++")).Block(
				x("y0, y1 := max(0, oy*sh-ph), min(inH, oy*sh-ph+kh)"),
				jen.For(x("ox := 0; ox < outW; ox++")).Block(append([]jen.Code{
					x("x0, x1 := max(0, ox*sw-pw), min(inW, ox*sw-pw+kw)"),
				}, window...)...),
			),
		),
	)
}

// adaptivePoolBackward spreads each output's gradient over its window, divided by its size.
func (g *gen) adaptivePoolBackward(f *jen.File, s *compiler.Step) {
	l := s.Main()
	in, out := s.In(), s.Out()
	f.Comment(fmt.Sprintf("%s is the backward pass of %s (%s), per channel plane: each output's gradient is", g.backName(s), l.Name, g.where(l)))
	f.Comment("spread over its window, divided by the window's size.")
	_, _, dyS, dxS := g.gradSlices(s)
	perPlane(f, g.backName(s),
		jen.Const().Defs(append(sizes(in, out),
			x("inH, inW").Op("=").List(jen.Lit(in.H), jen.Lit(in.W)),
			x("outH, outW").Op("=").List(jen.Lit(out.H), jen.Lit(out.W)),
		)...),
		x("dy, dx := %s, %s", dyS, dxS),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("gy, d := dy[u*outH*outW:(u+1)*outH*outW], dx[u*inH*inW:(u+1)*inH*inW]"),
			x("clear(d)"),
			jen.For(x("oy := 0; oy < outH; oy++")).Block(
				x("y0, y1 := oy*inH/outH, ((oy+1)*inH+outH-1)/outH"),
				jen.For(x("ox := 0; ox < outW; ox++")).Block(
					x("x0, x1 := ox*inW/outW, ((ox+1)*inW+outW-1)/outW"),
					x("v := gy[oy*outW+ox] / float32((y1-y0)*(x1-x0))"),
					jen.For(x("y := y0; y < y1; y++")).Block(
						jen.For(x("xx := x0; xx < x1; xx++")).Block(x("d[y*inW+xx] += v")),
					),
				),
			),
		),
	)
}

// reluBackward keeps the gradient where the output is positive.
func (g *gen) reluBackward(f *jen.File, s *compiler.Step) {
	l := s.Main()
	f.Comment(fmt.Sprintf("%s is the backward pass of %s (%s): the gradient where the output is positive, else 0.", g.backName(s), l.Name, g.where(l)))
	_, outS, dyS, dxS := g.gradSlices(s)
	perImage(f, g.backName(s),
		jen.Const().Defs(sizes(s.In(), s.Out())...),
		x("y, dy, dx := %s, %s, %s", outS, dyS, dxS),
		jen.For(x("j := lo * outSize; j < hi*outSize; j++")).Block(
			x("v := dy[j]"),
			jen.If(x("y[j] <= 0")).Block(x("v = 0")),
			x("dx[j] = v"),
		),
	)
}

// dropoutBackward multiplies the gradient by the forward pass's mask.
func (g *gen) dropoutBackward(f *jen.File, s *compiler.Step) {
	l := s.Main()
	f.Comment(fmt.Sprintf("%s is the backward pass of %s (%s): the gradient times the mask of the last", g.backName(s), l.Name, g.where(l)))
	f.Comment("training-mode Forward, or itself after an inference-mode one.")
	_, _, dyS, dxS := g.gradSlices(s)
	perImage(f, g.backName(s),
		jen.Const().Defs(sizes(s.In(), s.Out())...),
		x("dy, dx := %s, %s", dyS, dxS),
		jen.If(x("!m.train")).Block(
			x("copy(dx[lo*inSize:hi*inSize], dy[lo*outSize:hi*outSize])"),
			jen.Return(),
		),
		x("mask := m.%sMask[:m.n*outSize]", g.name[s]),
		jen.For(x("j := lo * outSize; j < hi*outSize; j++")).Block(x("dx[j] = dy[j] * mask[j]")),
	)
}
