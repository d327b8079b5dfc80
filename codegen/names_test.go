package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/netc-project/netc/codegen"
	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChainNames: a chain's method is named after its first and last steps (c1ToP1), and takes
// another name when a layer already has that one, so that the package still has one method per
// name.
func TestChainNames(t *testing.T) {
	src := []byte(`network clash
input 3x8x8
classes 2
c1:     conv 16 kernel 3 padding 1 -> 16x8x8
        relu
p1:     maxpool 2 stride 2 -> 16x4x4
        flatten
c1ToP1: fc 2
loss:   softmax
`)
	n, err := compiler.Compile("clash.net", src)
	require.NoError(t, err)
	require.Len(t, n.Chains(), 1)
	files, err := codegen.Generate(n, codegen.Options{Package: "clash", Spec: "clash.net", Source: src})
	require.NoError(t, err)
	methods := map[string]int{}
	fset := token.NewFileSet()
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".go") {
			continue // the assembly
		}
		file, err := parser.ParseFile(fset, f.Name, f.Src, 0)
		require.NoError(t, err, f.Name)
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil {
				methods[fn.Name.Name]++
			}
		}
	}
	assert.Equal(t, 1, methods["c1ToP1"], "the fc layer's kernel")
	assert.Equal(t, 1, methods["c1ToP1Layer"], "the chain's method")
	for name, count := range methods {
		assert.Equal(t, 1, count, "method %s", name)
	}
}

// TestNamesClash: layers named as another step's methods and kernels would be named after it
// (c_rows, c_image, c_upd, c_backward and c_backward_wino_in next to c, whose rows are cRows;
// fc_rows next to fc), as the Model's fields (stale, ins, outs; c_weight, the field of c's
// weights) or as the package's own declarations (winograd_g2x3, epsilon, new_model) take other
// names, and the package builds and vets; with the names as they are, the first two kinds do
// not build.
func TestNamesClash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package")
	}
	src := []byte(`network clash
input 16x8x8
classes 4
c:             conv 16 kernel 3 padding 1 -> 16x8x8
               relu
c_rows:        conv 16 kernel 3 padding 1 -> 16x8x8
c_backward:    conv 16 kernel 3 padding 1 algorithm winograd -> 16x8x8
c_backward_wino_in: conv 16 kernel 3 padding 1 -> 16x8x8
stale:         conv 16 kernel 3 padding 1 -> 16x8x8
ins:           conv 16 kernel 3 padding 1 -> 16x8x8
outs:          maxpool 2 -> 16x4x4
winograd_g2x3: conv 16 kernel 3 padding 1 algorithm winograd -> 16x4x4
epsilon:       conv 16 kernel 3 padding 1 -> 16x4x4
c_image:       lrn size 3
new_model:     conv 16 kernel 1 -> 16x4x4
c_weight:      conv 16 kernel 1 -> 16x4x4
c_upd:         conv 16 kernel 1 -> 16x4x4
fc:            fc 32
fc_rows:       fc 4
loss:          softmax
`)
	n, err := compiler.Compile("clash.net", src)
	require.NoError(t, err)
	files, err := codegen.Generate(n, codegen.Options{Package: "clash", Spec: "clash.net", Source: src})
	require.NoError(t, err)
	dir := filepath.Join("testdata", "ops", "clash")
	require.NoError(t, os.RemoveAll(dir))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, f := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f.Name), f.Src, 0o644))
	}
	cmd := exec.Command("go", "vet", "./"+filepath.ToSlash(dir))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// TestStepSuffixes: every name a generated package declares at its top level, or as a field or
// method of the Model, is exported, reserved, a parameter's field, a chain's method, a Winograd
// matrix, or a step's name with one of the suffixes newGen reserves for it — so that no step's
// name can make another's, for the specs of specs/ and the networks of TestOps.
func TestStepSuffixes(t *testing.T) {
	generateAll(t, func(spec string, n *compiler.Network, files []codegen.File) {
		names, steps := codegen.Names(n), codegen.StepNames(n)
		ok := func(name string) bool {
			if unicode.IsUpper(rune(name[0])) || name == "_" || names[name] || codegen.MatrixName.MatchString(name) {
				return true
			}
			for _, step := range steps {
				for _, s := range codegen.Suffixes {
					if name == step+s {
						return true
					}
				}
			}
			return false
		}
		fset := token.NewFileSet()
		for _, f := range files {
			if !strings.HasSuffix(f.Name, ".go") {
				continue
			}
			file, err := parser.ParseFile(fset, f.Name, f.Src, 0)
			require.NoError(t, err, f.Name)
			var declared []string
			for _, d := range file.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					declared = append(declared, d.Name.Name)
				case *ast.GenDecl:
					for _, sp := range d.Specs {
						switch sp := sp.(type) {
						case *ast.ValueSpec:
							for _, id := range sp.Names {
								declared = append(declared, id.Name)
							}
						case *ast.TypeSpec:
							declared = append(declared, sp.Name.Name)
							if st, ok := sp.Type.(*ast.StructType); ok && sp.Name.Name == "Model" {
								for _, fl := range st.Fields.List {
									for _, id := range fl.Names {
										declared = append(declared, id.Name)
									}
								}
							}
						}
					}
				}
			}
			for _, name := range declared {
				assert.True(t, ok(name), "%s: %s declares %s, which is no step's name with a suffix of codegen's, nor reserved", spec, f.Name, name)
			}
		}
	})
}
