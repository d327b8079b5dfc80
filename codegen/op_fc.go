package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

func init() { register(compiler.OpFC, &emitter{forward: fcForward, backward: fcBackward}) }

// fcForward emits a fully connected layer as one GEMM over the whole batch, inputs · weightsᵀ,
// with the bias and a fused ReLU in the epilogue.
func fcForward(g *gen, f *jen.File, s *compiler.Step) {
	l := s.Main()
	in, out := s.In(), s.Out()
	how := fmt.Sprintf("One GEMM: inputs (n×%d) · weightsᵀ (%d×%d)", in.Size(), in.Size(), out.C)
	bias := ""
	if l.FC().Learn.Bias {
		how += " + bias"
		bias = "m." + fieldName(l.Name+".bias")
	}
	if s.ReLU {
		how += ", then max(0, ·)"
	}
	if !in.Flat {
		how += fmt.Sprintf(".\nEach image's %s input is read as a vector in C, H, W order, as PyTorch flattens it", in)
	}
	g.doc(f, s, false, how+".")
	inS, outS := g.slices(s)
	kernel(f, s, g.name[s],
		jen.Const().Defs(sizes(in, out)...),
		x("in, out := %s, %s", inS, outS),
		x("runtime.ParallelMultiply(%s)", product("m.n", "outSize", "inSize", "runtime.Dense(in, inSize)",
			fmt.Sprintf("runtime.Dense(m.%s, inSize).T()", fieldName(l.Name+".weight")),
			"out", "outSize", false, epilogue(bias, "ColBias", s.ReLU))),
	)
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
	body := []jen.Code{
		jen.Const().Defs(sizes(in, out)...),
		x("x, dy := %s, %s", inS, dyS),
	}
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
			fmt.Sprintf("runtime.Dense(m.%s, inSize)", fieldName(l.Name+".weight")), dxS, "inSize", false, "")))
	}
	kernel(f, s, g.backName(s), body...)
}
