package netc

import (
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSourcePackages checks that the embedded source is exactly what a program of netc train and
// netc predict builds from: the netc packages that modelcmd and a generated package (runtime,
// preprocess) import, with every non-test Go and assembly file of each.
func TestSourcePackages(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./modelcmd", "./runtime", "./preprocess").Output()
	require.NoError(t, err)
	var want []string
	for _, p := range strings.Fields(string(out)) {
		if dir, ok := strings.CutPrefix(p, "github.com/netc-project/netc/"); ok {
			want = append(want, dir)
		}
	}
	assert.ElementsMatch(t, want, SourcePackages)

	files := Source()
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		assert.False(t, strings.HasSuffix(f.Path, "_test.go"), f.Path)
		if dir := path.Dir(f.Path); dir != "." {
			assert.Contains(t, SourcePackages, dir, "%s is embedded but in no package of SourcePackages", f.Path)
		}
	}
	assert.True(t, slices.IsSorted(paths))
	assert.Contains(t, paths, "go.mod")
	assert.Contains(t, paths, "go.sum")
	for _, dir := range SourcePackages {
		out, err := exec.Command("go", "list", "-f", "{{range .GoFiles}}{{.}} {{end}}{{range .IgnoredGoFiles}}{{.}} {{end}}{{range .SFiles}}{{.}} {{end}}", "./"+dir).Output()
		require.NoError(t, err, dir)
		for _, name := range strings.Fields(string(out)) {
			assert.Contains(t, paths, dir+"/"+name)
		}
	}
}
