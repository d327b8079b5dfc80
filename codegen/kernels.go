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

// kernels emits each step's forward kernel.
func (g *gen) kernels(f *jen.File) {
	for _, s := range g.n.Steps {
		if !s.View {
			e, _ := emitterOf(s) // Generate has checked every step has one
			e.forward(g, f, s)
		}
	}
}

// doc writes a kernel's comment: which layers of the spec it computes, where they are declared,
// what share of the work one call takes, the shapes, and how it computes them.
func (g *gen) doc(f *jen.File, s *compiler.Step, backward bool, how string) {
	l := s.Main()
	name, what := g.name[s], "runs"
	if backward {
		name, what = g.backName(s), "is the backward pass of"
	}
	f.Comment(fmt.Sprintf("%s %s %s (%s), %s → %s per image,", name, what, s.Name(), g.where(l), s.In(), s.Out()))
	on := share[s.Split]
	if s.Split == compiler.SplitPlanes && s.InLayout == compiler.LayoutBlocked {
		on = fmt.Sprintf("blocks lo…hi−1 (block u: channels (u%%%d)·16… of image u/%d)", g.units(s), g.units(s))
	}
	f.Comment(fmt.Sprintf("on %s.", on))
	for _, line := range strings.Split(how, "\n") {
		f.Comment(line)
	}
}

// share says what one call of a kernel takes, by its step's split.
var share = map[compiler.Split]string{
	compiler.SplitImages: "images lo…hi−1",
	compiler.SplitPlanes: "planes lo…hi−1 (plane u: channel u%C of image u/C)",
	compiler.SplitBatch:  "the whole batch, each GEMM split over the workers",
}

// slices returns the expressions of the step's input and output buffers for the batch.
func (g *gen) slices(s *compiler.Step) (in, out string) {
	in = "m.x"
	if s.InBuf >= 0 {
		in = fmt.Sprintf("m.buf[%d][:m.n*inSize]", s.InBuf)
	}
	return in, fmt.Sprintf("m.buf[%d][:m.n*outSize]", s.OutBuf)
}

// kernel emits a kernel method of the Model, with the parameters its step's split gives it:
// (worker, lo, hi int) for images and channel planes, none for the whole batch.
func kernel(f *jen.File, s *compiler.Step, name string, body ...jen.Code) {
	var params []jen.Code
	if s.Split != compiler.SplitBatch {
		params = []jen.Code{jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()}
	}
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name).Params(params...).Block(body...)
}

// sizes declares the input and output sizes of one image.
func sizes(in, out compiler.Shape) []jen.Code {
	return []jen.Code{
		x("inSize").Op("=").Lit(int(in.Size())).Comment(in.String()),
		x("outSize").Op("=").Lit(int(out.Size())).Comment(out.String()),
	}
}

// planes declares, with the sizes, the height and width of a channel plane of the input and the
// output, for kernels split by plane.
func planes(in, out compiler.Shape) []jen.Code {
	return append(sizes(in, out),
		x("inH, inW").Op("=").List(jen.Lit(in.H), jen.Lit(in.W)),
		x("outH, outW").Op("=").List(jen.Lit(out.H), jen.Lit(out.W)),
	)
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

// product writes a runtime.Product literal, one field per line: the GEMM C = A·B (+ C when acc)
// of an M×K A and a K×N B, then the epilogue (empty for none).
func product(m, n, k, a, b, c, ldc string, acc bool, ep string) string {
	s := fmt.Sprintf("runtime.Product{\nM: %s, N: %s, K: %s,\nA: %s,\nB: %s,\nC: %s, LDC: %s,\n", m, n, k, a, b, c, ldc)
	if acc {
		s += "Acc: true,\n"
	}
	if ep != "" && ep != "runtime.Epilogue{}" {
		s += "Epilogue: " + ep + ",\n"
	}
	return s + "}"
}
