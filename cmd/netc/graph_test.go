package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGraphGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"graph_tiny", []string{"graph", "specs/tiny.net"}, 0},
		{"graph_alexnet", []string{"graph", "specs/alexnet.net"}, 0},
		{"graph_alexnet224", []string{"graph", "cmd/netc/testdata/alexnet224.net"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := netc(t, c.args...)
			assert.Equal(t, c.code, code, "exit status; stderr:\n%s", stderr)
			golden(t, c.name, "$ netc "+strings.Join(c.args, " ")+"\n"+stdout+"-- stderr --\n"+stderr)
		})
	}
}

// TestGraphFile writes the graph with -o: the file holds what stdout would, and a bad spec
// writes nothing, leaving an earlier file as it was and no temporary file behind.
func TestGraphFile(t *testing.T) {
	want, _, code := netc(t, "graph", "specs/tiny.net")
	require.Equal(t, 0, code)

	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.dot")
	stdout, stderr, code := netc(t, "graph", "specs/tiny.net", "-o", path)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, string(got))

	stdout, stderr, code = netc(t, "graph", "-o", path, "cmd/netc/testdata/alexnet224.net")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "cmd/netc/testdata/alexnet224.net:6:1: conv1: (224 + 2·0 − 11)/4 + 1 = 54.25 is not a whole number")
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, string(got), "a failed graph changed the file")

	fresh := filepath.Join(dir, "bad.dot")
	_, _, code = netc(t, "graph", "cmd/netc/testdata/garbled.net", "-o", fresh)
	assert.Equal(t, 1, code)
	_, err = os.Stat(fresh)
	assert.True(t, os.IsNotExist(err), "a failed graph wrote %s", fresh)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "files left in %s", dir)

	_, stderr, code = netc(t, "graph", "specs/tiny.net", "-o", filepath.Join(dir, "no-such-dir", "x.dot"))
	assert.Equal(t, 1, code)
	assert.Equal(t, "netc: cannot write "+filepath.Join(dir, "no-such-dir", "x.dot")+": no such file or directory\n", stderr)
}

func TestGraphUsage(t *testing.T) {
	for _, args := range [][]string{{"graph"}, {"graph", "a.net", "b.net"}, {"graph", "a.net", "-o"}} {
		_, stderr, code := netc(t, args...)
		assert.Equal(t, 2, code, "netc %s", strings.Join(args, " "))
		assert.NotEmpty(t, stderr)
	}
	stdout, _, _ := netc(t, "help")
	assert.Contains(t, stdout, "graph    SPEC [-o FILE]")
}

// oddSpec names its layers input and output, and its file has characters that DOT and HTML
// labels give meaning to.
const oddSpec = `network odd
input 3x8x8
classes 2
input:  conv 2 kernel 1
        relu
output: flatten
        fc 2
        softmax
`

// writeOddSpec writes oddSpec to a file whose name needs escaping and returns its path.
func writeOddSpec(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), `a&b "c" <d>\e.net`)
	require.NoError(t, os.WriteFile(path, []byte(oddSpec), 0o644))
	return path
}

// TestGraphNames checks that layers named input and output stay apart from the input and output
// nodes, and that the file's name is escaped in the HTML label.
func TestGraphNames(t *testing.T) {
	path := writeOddSpec(t)
	stdout, stderr, code := netc(t, "graph", path)
	require.Equal(t, 0, code, stderr)
	for _, edge := range []string{
		`"(input)" -> "input" [label="3x8x8"];`,
		`"input" -> "input.relu" [label="2x8x8"];`,
		`"input.relu" -> "output" [label="2x8x8"];`,
		`"output" -> "output.fc" [label="128"];`,
		`"output.softmax" -> "(output)" [label="2"];`,
	} {
		assert.Contains(t, stdout, "\t"+edge+"\n")
	}
	label := `a&amp;b &#34;c&#34; &lt;d&gt;\e.net<br/>`
	assert.Contains(t, stdout, "\tgraph [label=<<b>odd</b> "+filepath.Dir(path)+"/"+label)
}

// TestGraphDot has Graphviz lay out and render each graph, when it is installed.
func TestGraphDot(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("dot (Graphviz) is not installed: apt-get install graphviz")
	}
	for _, spec := range []string{"specs/tiny.net", "specs/alexnet.net", writeOddSpec(t)} {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			graph, stderr, code := netc(t, "graph", spec)
			require.Equal(t, 0, code, stderr)
			var svg, warnings bytes.Buffer
			cmd := exec.Command(dot, "-Tsvg")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(graph), &svg, &warnings
			require.NoError(t, cmd.Run(), "dot -Tsvg: %s", warnings.String())
			assert.Empty(t, warnings.String(), "dot -Tsvg warned")
			assert.Contains(t, svg.String(), "<svg")
		})
	}
}
