package codegen_test

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netc-project/netc/codegen"
	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCodeWritesThePlan: the generated code embodies the plan and nothing else — every register
// tile its assembly and twins state is the plan's tile of the step and pass the kernel serves
// (the plan's own, which codegen reads), every parallel loop of a plan's loop runs over the
// plan's item count (and every loop of the plan runs), a step split by planes over its units,
// every region constant (<name>At, <name>Size) is a region of the plan's kernels of the step,
// every slice of the scratch is one of them, and Backward reduces the plan's partial sums — for
// the specs of specs/ and the networks of TestOps.
func TestCodeWritesThePlan(t *testing.T) {
	generateAll(t, func(spec string, n *compiler.Network, files []codegen.File) { checkPlanWritten(t, spec, n, files) })
}

// generateAll compiles and generates the specs of specs/ and the networks of TestOps, and hands
// each package to check.
func generateAll(t *testing.T, check func(spec string, n *compiler.Network, files []codegen.File)) {
	specs := map[string][]byte{}
	paths, err := filepath.Glob("../specs/*.net")
	require.NoError(t, err)
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		specs[filepath.Base(p)] = src
	}
	for name, src := range opSpecs {
		specs[name+".net"] = []byte(src)
	}
	for name, src := range specs {
		n, err := compiler.Compile(name, src)
		require.NoError(t, err, name)
		files, err := codegen.Generate(n, codegen.Options{Package: "p", Spec: name, Source: src})
		require.NoError(t, err, name)
		check(name, n, files)
	}
}

// planOf is the plan as the generated code names it: each step by its methods' prefix.
type planOf struct {
	n     *compiler.Network
	steps map[string]*compiler.Step // by Go name
}

// step is the step whose method a generated function is (the longest step name it starts with).
func (p planOf) step(fn string) *compiler.Step {
	var best *compiler.Step
	bestLen := 0
	for name, s := range p.steps {
		if strings.HasPrefix(fn, name) && len(name) > bestLen {
			best, bestLen = s, len(name)
		}
	}
	return best
}

// loop is the plan's loop that the method of name runs, or false.
func (p planOf) loop(method string) (compiler.Loop, bool) {
	for name, s := range p.steps {
		for _, k := range s.Kernels {
			for _, l := range k.Loops {
				if name+l.Name == method {
					return l, true
				}
			}
		}
	}
	return compiler.Loop{}, false
}

func checkPlanWritten(t *testing.T, spec string, n *compiler.Network, files []codegen.File) {
	p := planOf{n: n, steps: map[string]*compiler.Step{}}
	for s, name := range codegen.StepNames(n) {
		p.steps[name] = s
	}
	ran := map[string]bool{} // the loop methods some parallel loop runs
	for _, f := range files {
		switch {
		case f.Name == "asm_amd64.s":
			checkTiles(t, spec, p, string(f.Src), compiler.FormAVX512)
			checkTiles(t, spec, p, string(f.Src), compiler.FormAVX2)
		case f.Name == "asm_twin.go":
			checkTiles(t, spec, p, string(f.Src), compiler.FormGo)
		case strings.HasSuffix(f.Name, ".go"):
			fs := token.NewFileSet()
			file, err := parser.ParseFile(fs, f.Name, f.Src, 0)
			require.NoError(t, err, "%s: %s", spec, f.Name)
			for _, d := range file.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
					checkFunc(t, spec, p, fn, ran)
				}
			}
		}
	}
	for name, s := range p.steps {
		for _, k := range s.Kernels {
			for _, l := range k.Loops {
				assert.True(t, ran[name+l.Name], "%s: the plan's loop %s of %s (%s) runs nowhere", spec, l.Name, s.Name(), k.Pass)
			}
		}
	}
}

// tileLine and userName read a kernel's comment, its lines joined: the tile it states, the steps
// it is for (an assembly kernel's first sentence ends ", for USERS.", a twin's comment has "For
// USERS."), each user a step (conv3 + conv3.relu) or the input or weight gradient of a layer.
var (
	tileLine = regexp.MustCompile(`(?:, for|For) (.+?)\. Tile: (\d+)×(\d+), the plan's\.`)
	userName = regexp.MustCompile(`(?:^|, | and )(?:the (input|weight) gradient of )?([^()]+?) \([^()]*\)`)
)

// statedTiles are the kernels of form in a generated file (the assembly, or the twins) whose
// comments state a tile, with it and their users; it fails when a comment states a tile in a way
// tileLine does not read.
func statedTiles(t *testing.T, spec, src string, form compiler.Form) (kernels []struct{ name, users, pixels, blocks string }) {
	var comment []string
	for _, line := range strings.Split(src, "\n") {
		if text, ok := strings.CutPrefix(line, "//"); ok {
			comment = append(comment, strings.Fields(text)...)
			continue
		}
		block := strings.Join(comment, " ")
		comment = nil
		if !strings.Contains(block, "Tile: ") {
			continue
		}
		var name string
		switch {
		case strings.HasPrefix(line, "TEXT ·") && strings.Contains(line, "(SB)"):
			name = strings.TrimPrefix(line[:strings.Index(line, "(SB)")], "TEXT ·")
			if form == compiler.FormGo || !strings.HasSuffix(name, map[compiler.Form]string{compiler.FormAVX512: "AVX512", compiler.FormAVX2: "AVX2"}[form]) {
				continue
			}
		case strings.HasPrefix(line, "func ") && strings.Contains(line, "("):
			name = strings.TrimPrefix(line[:strings.Index(line, "(")], "func ")
			if form != compiler.FormGo {
				continue
			}
		default:
			assert.Fail(t, "a tile stated above no kernel", "%s: %q, then %q", spec, block, line)
			continue
		}
		m := tileLine.FindStringSubmatch(block)
		if !assert.NotNil(t, m, "%s: %s states a tile that the test does not read: %q", spec, name, block) {
			continue
		}
		kernels = append(kernels, struct{ name, users, pixels, blocks string }{name, m[1], m[2], m[3]})
	}
	return kernels
}

// checkTiles checks that the tiles the kernels of form state are the plan's for every step and
// pass each serves.
func checkTiles(t *testing.T, spec string, p planOf, src string, form compiler.Form) {
	kernels := statedTiles(t, spec, src, form)
	require.NotEmpty(t, kernels, "%s: no %s kernel states its tile", spec, form)
	for _, k := range kernels {
		users := userName.FindAllStringSubmatch(k.users, -1)
		require.NotEmpty(t, users, "%s: %s names no user: %q", spec, k.name, k.users)
		for _, u := range users {
			pass, layer := compiler.PassForward, u[2]
			switch u[1] {
			case "input":
				pass = compiler.PassInputGrad
			case "weight":
				pass = compiler.PassWeightGrad
			}
			var plan *compiler.Kernel
			for _, s := range p.steps {
				if (pass == compiler.PassForward && s.Name() == layer) || (pass != compiler.PassForward && s.Main().Name == layer) {
					plan = s.Kernel(pass)
				}
			}
			if !assert.NotNil(t, plan, "%s: %s is for %q (%s), which the plan has not", spec, k.name, layer, pass) || !assert.NotNil(t, plan.Tiles, "%s: %s", spec, layer) {
				continue
			}
			want := plan.Tiles[form]
			assert.Equal(t, fmt.Sprintf("%d×%d", want.Pixels, want.Blocks), k.pixels+"×"+k.blocks, "%s: the %s tile of %s's %s kernel (%s)", spec, form, layer, pass, k.name)
		}
	}
}

// checkFunc checks a generated function's parallel loops, region constants and scratch slices
// against the plan.
func checkFunc(t *testing.T, spec string, p planOf, fn *ast.FuncDecl, ran map[string]bool) {
	consts := map[string]int64{}
	ast.Inspect(fn.Body, func(node ast.Node) bool {
		if vs, ok := node.(*ast.ValueSpec); ok {
			for i, id := range vs.Names {
				if i < len(vs.Values) {
					if v, ok := intValue(vs.Values[i]); ok {
						consts[id.Name] = v
					}
				}
			}
		}
		return true
	})
	name := fn.Name.Name
	s := p.step(name)
	// Region constants: <r>At and <r>Size, each the offset or size of a region r of one of the
	// step's kernels (the partial sums' offsets from the step's), the two of a region together.
	for c, v := range consts {
		r, isAt := strings.CutSuffix(c, "At")
		if !isAt {
			var isSize bool
			if r, isSize = strings.CutSuffix(c, "Size"); !isSize {
				continue
			}
		}
		at, paired := consts[r+"At"]
		size, sized := consts[r+"Size"]
		paired = paired && sized
		var named []compiler.Region // the step's regions named r, their offsets in their buffers
		if s != nil {
			for _, k := range s.Kernels {
				for _, reg := range k.Regions {
					if k.Pass == compiler.PassReduce {
						reg.At += s.PartialsAt
					}
					if reg.Name == r {
						named = append(named, reg)
					}
				}
			}
		}
		if len(named) == 0 {
			assert.False(t, paired, "%s: %s declares region %s, which no kernel of its step %v has", spec, name, r, s)
			continue
		}
		found := false
		for _, reg := range named {
			found = found || (!paired && (isAt && reg.At == v || !isAt && reg.Size == v)) || (paired && reg.At == at && reg.Size == size)
		}
		assert.True(t, found, "%s: %s declares %s = %d, which the plan's region %s of %s is not", spec, name, c, v, r, s.Name())
	}
	ast.Inspect(fn.Body, func(node ast.Node) bool {
		switch e := node.(type) {
		case *ast.SliceExpr:
			// m.scratch[w][xAt : xAt+…]
			if ix, ok := e.X.(*ast.IndexExpr); ok && isSel(ix.X, "m", "scratch") {
				lo, _ := e.Low.(*ast.Ident)
				hi, _ := e.High.(*ast.BinaryExpr)
				ok := lo != nil && strings.HasSuffix(lo.Name, "At") && hi != nil
				if ok {
					hx, _ := hi.X.(*ast.Ident)
					ok = hx != nil && hx.Name == lo.Name
				}
				assert.True(t, ok, "%s: %s slices the scratch other than by a region of the plan", spec, name)
			}
		case *ast.CallExpr:
			// m.addPartials(dwAt, dwSize), m.sumPartials(grad, dbAt): a step's partial sums
			if isSel(e.Fun, "m", "addPartials") || isSel(e.Fun, "m", "sumPartials") {
				checkPartials(t, spec, p, name, e, consts)
				return true
			}
			// runtime.Parallel(items, m.kernels.method), m.method(worker, 0, items)
			var method string
			var items ast.Expr
			switch {
			case isSel(e.Fun, "runtime", "Parallel") && len(e.Args) == 2:
				if sel, ok := e.Args[1].(*ast.SelectorExpr); ok {
					method, items = sel.Sel.Name, e.Args[0]
				}
			case len(e.Args) == 3 && isIdent(e.Args[1], "0"):
				if sel, ok := e.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "m") {
					method, items = sel.Sel.Name, e.Args[2]
				}
			}
			l, isLoop := p.loop(method)
			if st := p.steps[strings.TrimSuffix(method, "Backward")]; !isLoop && st != nil && st.Split == compiler.SplitPlanes {
				// a step split by planes: every image's units
				got, ok := itemCount(items, consts)
				assert.True(t, ok && got == int64(st.Units), "%s: %s runs %s over %s units, the plan %d", spec, name, method, render(items), st.Units)
				return true
			}
			if !isLoop {
				return true
			}
			ran[method] = true
			got, ok := itemCount(items, consts)
			assert.True(t, ok && got == int64(l.Items), "%s: %s runs %s over %s items, the plan %d", spec, name, method, render(items), l.Items)
		}
		return true
	})
}

// checkPartials checks a call of Backward's reduction, m.addPartials(at, size) or
// m.sumPartials(grad, at), against the partial sums of the plan's steps: the weights' (dw) and
// the bias's (db) of one of them.
func checkPartials(t *testing.T, spec string, p planOf, fn string, e *ast.CallExpr, consts map[string]int64) {
	add := isSel(e.Fun, "m", "addPartials")
	args := e.Args
	if !add {
		args = args[1:]
	}
	var vs []int64
	for _, a := range args {
		v, ok := itemCount(a, consts)
		if !assert.True(t, ok, "%s: %s passes %s, no constant, to the partial sums", spec, fn, render(a)) {
			return
		}
		vs = append(vs, v)
	}
	for _, s := range p.steps {
		k := s.Kernel(compiler.PassReduce)
		if k == nil {
			continue
		}
		for _, r := range k.Regions {
			if add && r.Name == "dw" && vs[0] == s.PartialsAt+r.At && vs[1] == r.Size || !add && r.Name == "db" && vs[0] == s.PartialsAt+r.At {
				return
			}
		}
	}
	assert.Fail(t, "partial sums the plan has not", "%s: %s reduces the partial sums at %v", spec, fn, vs)
}

// itemCount is the value of a loop's item count: a constant, or m.n times one (the items of
// every image of the batch), which counts one image's.
func itemCount(e ast.Expr, consts map[string]int64) (int64, bool) {
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.MUL && isSel(b.X, "m", "n") {
		e = b.Y
	}
	if id, ok := e.(*ast.Ident); ok {
		v, ok := consts[id.Name]
		return v, ok
	}
	return intValue(e)
}

func intValue(e ast.Expr) (int64, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		return 0, false
	}
	v := constant.MakeFromLiteral(lit.Value, lit.Kind, 0)
	n, exact := constant.Int64Val(v)
	return n, exact
}

func isSel(e ast.Expr, x, sel string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && isIdent(s.X, x) && s.Sel.Name == sel
}

func isIdent(e ast.Expr, name string) bool {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name == name
	}
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Value == name
}

func render(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.BasicLit:
		return v.Value
	}
	return strconv.Quote(fmt.Sprintf("%T", e))
}
