package codegen

import (
	"fmt"
	"go/scanner"
	"go/token"
	"regexp"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/codegen/asm"
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

// kernels emits each step's forward kernel, and the Winograd matrices of the kernels.
func (g *gen) kernels(f *jen.File) {
	for _, s := range g.n.Steps {
		if !s.View {
			e, _ := emitterOf(s) // Generate has checked every step has one
			e.forward(g, f, s)
		}
	}
	g.matrixDecls(f)
}

// doc writes a kernel's comment: which layers of the spec it computes, where they are declared,
// what share of the work one call takes, the shapes, and how it computes them.
func (g *gen) doc(f *jen.File, s *compiler.Step, backward bool, how string) {
	l := s.Main()
	name, what := g.name[s], "runs"
	if backward {
		name, what = g.backName(s), "is the backward pass of"
	}
	on := share[s.Split]
	if s.Split == compiler.SplitPlanes && s.InLayout == compiler.LayoutBlocked {
		on = fmt.Sprintf("blocks lo…hi−1 (block u: channels (u%%%d)·16… of image u/%d)", s.Units, s.Units)
	}
	comment(f, fmt.Sprintf("%s %s %s (%s), %s → %s per image, on %s. %s", name, what, s.Name(), g.where(l), s.In(), s.Out(), on, how))
}

// comment writes text as comment lines of at most 100 columns, its lines run together.
func comment(f *jen.File, text string) {
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > 97 {
			f.Comment(line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	f.Comment(line)
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
// (worker, lo, hi int) for images and channel planes, none for the whole batch; its body
// declares the constants of consts it uses.
func kernel(f *jen.File, s *compiler.Step, name string, consts []constant, code ...jen.Code) {
	var params []jen.Code
	if s.Split != compiler.SplitBatch {
		params = []jen.Code{jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()}
	}
	method(f, name, params, consts, code...)
}

// method emits a method of the Model whose body declares the constants of consts it uses.
func method(f *jen.File, name string, params []jen.Code, consts []constant, code ...jen.Code) {
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name).Params(params...).Block(body(consts, code...)...)
}

// loopParams are the parameters of a method that runs items lo…hi−1 for worker.
var loopParams = []jen.Code{jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()}

// A constant is one line of a kernel's const block, names = values // comment, which the kernel
// declares only as far as its body uses the names (declare).
type constant struct {
	names   []string
	values  []any
	comment string
	above   bool // the comment on a line of its own before the constant's
}

// def is the constant line names = values, the names separated by commas ("inH, inW").
func def(names string, values ...any) constant {
	return constant{names: strings.Split(names, ", "), values: values}
}

// note is the line with a comment.
func (c constant) note(format string, args ...any) constant {
	c.comment = fmt.Sprintf(format, args...)
	return c
}

// declare is the const block of those of consts that body uses, or nothing: a function declares
// only the constants it names.
func declare(consts []constant, body ...jen.Code) jen.Code {
	used := identifiers(fmt.Sprintf("%#v", jen.Block(body...)))
	var defs []jen.Code
	for _, c := range consts {
		var names []string
		var values []jen.Code
		for i, n := range c.names {
			if used[n] {
				names, values = append(names, n), append(values, jen.Lit(c.values[i]))
			}
		}
		if len(names) == 0 {
			continue
		}
		d := jen.Id(strings.Join(names, ", ")).Op("=").List(values...)
		switch {
		case c.above:
			defs = append(defs, jen.Comment(c.comment))
		case c.comment != "":
			d.Comment(c.comment)
		}
		defs = append(defs, d)
	}
	if len(defs) == 0 {
		return jen.Null()
	}
	return jen.Const().Defs(defs...)
}

// identifiers are the identifiers of Go source, comments left out.
func identifiers(src string) map[string]bool {
	var sc scanner.Scanner
	fs := token.NewFileSet()
	sc.Init(fs.AddFile("", fs.Base(), len(src)), []byte(src), nil, 0)
	ids := map[string]bool{}
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			return ids
		}
		if tok == token.IDENT {
			ids[lit] = true
		}
	}
}

// body is a kernel body that starts by declaring the constants of consts it uses.
func body(consts []constant, code ...jen.Code) []jen.Code {
	return append([]jen.Code{declare(consts, code...)}, code...)
}

// sizes are the input and output sizes of one image.
func sizes(in, out compiler.Shape) []constant {
	return []constant{def("inSize", int(in.Size())).note("%s", in), def("outSize", int(out.Size())).note("%s", out)}
}

// region is the constants of a region of a buffer: its offset and size, <name>At and <name>Size,
// commented with what it holds.
func region(r compiler.Region) constant {
	c := def(r.Name+"At, "+r.Name+"Size", int(r.At), int(r.Size)).note("%s: %s", r.Name, r.Holds)
	c.above = true
	return c
}

// regions are the constants of a kernel's regions.
func regions(k *compiler.Kernel) []constant {
	var cs []constant
	for _, r := range k.Regions {
		cs = append(cs, region(r))
	}
	return cs
}

// scratch is the expression of a region of a worker's scratch space (worker a Go expression).
func scratch(worker, name string) string {
	return fmt.Sprintf("m.scratch[%s][%sAt : %sAt+%sSize]", worker, name, name, name)
}

// asmTiles are a kernel's tiles in the plan as codegen/asm takes them.
func asmTiles(t *compiler.Tiles) asm.Tiles {
	of := func(f compiler.Form) asm.Tile { return asm.Tile{Pixels: t[f].Pixels, Blocks: t[f].Blocks} }
	return asm.Tiles{AVX512: of(compiler.FormAVX512), AVX2: of(compiler.FormAVX2), Go: of(compiler.FormGo)}
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
