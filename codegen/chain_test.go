package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

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
