package codegen_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOnePlacePerStage checks the rule that everything about an op kind lives in one file per
// stage: for each op of the compiler's table, the non-test Go files of compiler/ and codegen/
// that name it — its Op variable or its word — are at most three (its row of the table, its
// emitter, and one more), and no file there switches on a layer's op.
func TestOnePlacePerStage(t *testing.T) {
	var files []string
	for _, dir := range []string{"../compiler", "."} {
		matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, f := range matches {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	src := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src[f] = string(b)
	}
	// The rows of the table: var OpX = newOp(&opDef{word: "x", … or newOp(poolDef("x", ….
	row := regexp.MustCompile(`var (Op\w+) = newOp\((?:&opDef\{\s*word:\s*|\w+\()"(\w+)"`)
	var ops [][]string
	for _, f := range files {
		ops = append(ops, row.FindAllStringSubmatch(src[f], -1)...)
	}
	require.GreaterOrEqual(t, len(ops), 11, "the op table's rows were not found")
	for _, op := range ops {
		name := regexp.MustCompile(`\b` + op[1] + `\b|"` + op[2] + `"`)
		var naming []string
		for _, f := range files {
			if name.MatchString(src[f]) {
				naming = append(naming, f)
			}
		}
		assert.LessOrEqual(t, len(naming), 3, "%s (%q) is named in %v", op[1], op[2], naming)
	}
	switchOp := regexp.MustCompile(`switch [^{]*\.Op\s*\{`)
	for _, f := range files {
		assert.False(t, switchOp.MatchString(src[f]), "%s switches on a layer's op", f)
	}
}
