package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/codegen/asm"
	"github.com/netc-project/netc/compiler"
)

func init() {
	register(compiler.OpFC, &emitter{forward: fcForward, backward: fcBackward,
		kernels: func(g *gen, s *compiler.Step) []asm.Kernel {
			if s.FCBlocking() == nil {
				return nil
			}
			k := fcKernel(g, s)
			return []asm.Kernel{&k}
		},
	})
}

// fcKernel is the geometry of a fully connected layer's direct kernel (compiler.FCBlocking):
// a 1×1 convolution whose input pixels are the layer's outputs (its weight rows, In apart, In
// channels each) and whose weights are the 32 images transposed, two blocks of 16 images per
// input channel; its output rows are [2][Out][16], the images in the lanes.
func fcKernel(g *gen, s *compiler.Step) asm.Conv {
	b, l := s.FCBlocking(), s.Main()
	return asm.Conv{Name: g.name[s] + "Kernel", InLanes: compiler.ChannelBlock,
		InCStride: 1, InPixStride: b.In, InRowStride: b.Width * b.In, InBlockStride: compiler.ChannelBlock,
		KH: 1, KW: 1, SH: 1, SW: 1,
		OutW: b.Width, OutBlocks: compiler.FCImages / compiler.ChannelBlock, OutBlockStride: b.Out * compiler.ChannelBlock,
		Tiles: asmTiles(&b.Tiles), Doc: fmt.Sprintf("%d outputs of a fully connected layer for %d images", b.Width, compiler.FCImages),
		Users: []string{fmt.Sprintf("%s (%s)", s.Name(), g.where(l))}}
}

// fcForward emits a fully connected layer as one GEMM over the whole batch, inputs · weightsᵀ,
// with the bias and a fused ReLU in the epilogue.
func fcForward(g *gen, f *jen.File, s *compiler.Step) {
	l := s.Main()
	in, out := s.In(), s.Out()
	how := fmt.Sprintf("One GEMM: inputs (n×%d) · weightsᵀ (%d×%d)", in.Size(), in.Size(), out.C)
	bias := ""
	if l.FC().Learn.Bias {
		how += " + bias"
		bias = "m." + g.field(l.Name+".bias")
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !in.Flat {
		how += fmt.Sprintf(".\nEach image's %s input is read as a vector in C, H, W order, as PyTorch flattens it", in)
	}
	b := s.FCBlocking()
	if b != nil {
		how += fmt.Sprintf(".\nFor each %d images, %s instead: the images transposed, %d outputs a call (%sRows, split\n"+
			"over the workers), the outputs transposed back with the bias and ReLU; the images beyond the\nlast %d by the GEMM",
			compiler.FCImages, g.asm(fcKernel(g, s).Name), b.Width, g.name[s], compiler.FCImages)
	}
	g.doc(f, s, false, how+".")
	inS, outS := g.slices(s)
	weight := g.field(l.Name + ".weight")
	gemm := func(from string) jen.Code {
		return x("runtime.ParallelMultiply(%s)", product("m.n-"+from, "outSize", "inSize", "runtime.Dense(in["+from+"*inSize:], inSize)",
			fmt.Sprintf("runtime.Dense(m.%s, inSize).T()", weight), "out["+from+"*outSize:]", "outSize", false, epilogue(bias, "ColBias", s.ReLU)))
	}
	if b == nil {
		kernel(f, s, g.name[s], sizes(in, out),
			x("in, out := %s, %s", inS, outS),
			gemm("0"),
		)
		return
	}
	const images, lanes = compiler.FCImages, compiler.ChannelBlock
	name := g.name[s]
	var finish []jen.Code
	if bias != "" || s.ReLU {
		v := "v"
		if bias != "" {
			v = "v + " + bias + "[o]"
		}
		if s.ReLU {
			v = "max(" + v + ", 0)"
		}
		finish = []jen.Code{
			jen.Comment("The bias and the ReLU."),
			jen.For(x("i := g; i < g+images; i++")).Block(
				x("row := out[i*outSize : (i+1)*outSize]"),
				jen.For(x("o, v := range row")).Block(x("row[o] = %s", v)),
			),
		}
	}
	k := s.Kernel(compiler.PassForward)
	rows := k.Loop("Rows")
	consts := append(append(sizes(in, out), regions(k)...),
		def("images", images).note("per call of the kernel: its accumulators' lanes"),
		def("calls", rows.Items).note("%s each", rows.Item))
	kernel(f, s, name, consts,
		x("in, out := %s, %s", inS, outS),
		x("full := m.n / images * images"),
		x("xs, ys := %s, %s", scratch("0", "xs"), scratch("0", "ys")),
		jen.For(x("g := 0; g < full; g += images")).Block(append([]jen.Code{
			jen.Comment("The images transposed: xs[k·32 + i] = x_(g+i)[k]."),
			jen.For(x("i := 0; i < images; i++")).Block(
				jen.For(x("k, v := range in[(g+i)*inSize : (g+i+1)*inSize]")).Block(x("xs[k*images+i] = v")),
			),
			x("runtime.Parallel(calls, m.kernels.%s%s)", name, rows.Name),
			jen.Comment(fmt.Sprintf("ys is [block of %d images][output][image]: back to [image][output].", lanes)),
			jen.For(x("b := 0; b < images/%d; b++", lanes)).Block(
				x("runtime.FromBlocks(out[(g+b*%d)*outSize:], outSize, ys[b*outSize*%d:], %d, outSize)", lanes, lanes, lanes),
			),
		}, finish...)...),
		jen.If(x("full < m.n")).Block(gemm("full")),
	)
	call := g.asm(fcKernel(g, s).Name)
	f.Comment(fmt.Sprintf("%s%s runs %s for calls lo…hi−1: call u computes outputs u·%d… for the %d images", name, rows.Name, call, b.Width, images))
	f.Comment("transposed in the scratch of worker 0.")
	method(f, name+rows.Name, loopParams, append(regions(k), def("inSize, width, blocks", b.In, b.Width, b.In/compiler.ChannelBlock)),
		x("xs, ys, w := %s, %s, m.%s", scratch("0", "xs"), scratch("0", "ys"), weight),
		jen.For(x("u := lo; u < hi; u++")).Block(
			x("%s(ys[u*width*%d:], w[u*width*inSize:(u+1)*width*inSize], xs, %sZeros[:], blocks)", call, lanes, name),
		),
	)
	f.Comment(fmt.Sprintf("%sZeros is %s's bias: zero, the layer's own added after.", name, call))
	f.Var().Id(name + "Zeros").Index(jen.Lit(images)).Float32()
}

// fcBackward emits a fully connected layer's backward pass over the whole batch: the ReLU mask
// and bias gradient in one pass, dW = dYᵀ·X and (but for the first layer) dX = dY·W.
func fcBackward(g *gen, f *jen.File, s *compiler.Step) {
	l := s.Main()
	in, out := s.In(), s.Out()
	bias := l.FC().Learn.Bias
	how := fmt.Sprintf("dW = dYᵀ·X (%d×n · n×%d)", out.C, in.Size())
	if s.InputGrad != "" {
		how += fmt.Sprintf(" and dX = dY·W (n×%d · %d×%d)", out.C, out.C, in.Size())
	}
	g.doc(f, s, true, how+".")
	inS, outS, dyS, dxS := g.gradSlices(s)
	body := []jen.Code{x("x, dy := %s, %s", inS, dyS)}
	if s.ReLU {
		body = append(body, x("y := %s", outS))
	}
	if bias {
		body = append(body, x("db := m.params[%d].Grad", g.index[l.Name+".bias"]), x("clear(db)"))
	}
	var mask []jen.Code
	if s.ReLU {
		mask = append(mask, jen.If(x("yr[j] <= 0")).Block(x("g[j] = 0")))
	}
	if bias {
		mask = append(mask, x("db[j] += g[j]"))
	}
	if len(mask) > 0 {
		loop := []jen.Code{x("g := dy[i*outSize : (i+1)*outSize]")}
		if s.ReLU {
			loop = append(loop, x("yr := y[i*outSize : (i+1)*outSize]"))
		}
		body = append(body,
			jen.Comment("The ReLU's mask and the bias gradient, in one pass over dY."),
			jen.For(x("i := 0; i < m.n; i++")).Block(append(loop, jen.For(x("j := range g")).Block(mask...))...),
		)
	}
	body = append(body, x("runtime.ParallelMultiply(%s)", product("outSize", "inSize", "m.n", "runtime.Dense(dy, outSize).T()",
		"runtime.Dense(x, inSize)", fmt.Sprintf("m.params[%d].Grad", g.index[l.Name+".weight"]), "inSize", false, "")))
	if s.InputGrad != "" {
		body = append(body, x("runtime.ParallelMultiply(%s)", product("m.n", "inSize", "outSize", "runtime.Dense(dy, outSize)",
			fmt.Sprintf("runtime.Dense(m.%s, inSize)", g.field(l.Name+".weight")), dxS, "inSize", false, "")))
	}
	kernel(f, s, g.backName(s), sizes(in, out), body...)
}
