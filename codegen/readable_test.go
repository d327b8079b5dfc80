package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netc-project/netc/codegen"
	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGeneratedGoReads: the Go that netc generates for the specs of specs/ and the networks of
// TestOps has no line over 150 characters, and every function declares only the constants it
// uses.
func TestGeneratedGoReads(t *testing.T) {
	generateAll(t, func(name string, n *compiler.Network, files []codegen.File) {
		for _, f := range files {
			if !strings.HasSuffix(f.Name, ".go") {
				continue
			}
			for i, line := range strings.Split(string(f.Src), "\n") {
				assert.LessOrEqual(t, utf8.RuneCountInString(line), 150, "%s: %s:%d is long: %.80s…", name, f.Name, i+1, line)
			}
			fs := token.NewFileSet()
			file, err := parser.ParseFile(fs, f.Name, f.Src, 0)
			require.NoError(t, err)
			for _, d := range file.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
					for _, c := range unusedConstants(fn) {
						t.Errorf("%s: %s: %s declares %s and does not use it", name, f.Name, fn.Name.Name, c)
					}
				}
			}
		}
	})
}

// unusedConstants are the constants a function declares and never names.
func unusedConstants(fn *ast.FuncDecl) []string {
	declared := map[*ast.Ident]bool{}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if g, ok := n.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				for _, id := range s.(*ast.ValueSpec).Names {
					declared[id] = true
				}
			}
		}
		return true
	})
	used := map[string]bool{}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && !declared[id] {
			used[id.Name] = true
		}
		return true
	})
	var unused []string
	for id := range declared {
		if !used[id.Name] {
			unused = append(unused, id.Name)
		}
	}
	return unused
}
