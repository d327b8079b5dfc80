package dsl

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output")

// TestFormatGolden formats each testdata/format/*.net and compares the result with its .golden
// file (go test ./dsl -update rewrites them); a mismatch reports the first differing line.
func TestFormatGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/format/*.net")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			got := checkFormat(t, file, readFile(t, file))
			path := strings.TrimSuffix(file, ".net") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
				return
			}
			want := readFile(t, path)
			if bytes.Equal(got, want) {
				return
			}
			g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for i := range max(len(g), len(w)) {
				var gl, wl string
				if i < len(g) {
					gl = g[i]
				}
				if i < len(w) {
					wl = w[i]
				}
				if gl != wl {
					t.Fatalf("%s differs at line %d:\n got: %q\nwant: %q\n(go test ./dsl -update rewrites it)", path, i+1, gl, wl)
				}
			}
		})
	}
}

// TestFormatKeepsMeaning formats every spec of the project, good and bad: a spec that parses
// formats to a spec that parses to the same statements and is its own layout; one that does
// not is not formatted, and Format reports Parse's errors.
func TestFormatKeepsMeaning(t *testing.T) {
	files := corpus(t)
	require.Greater(t, len(files), 20)
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			src := readFile(t, file)
			if _, errs := Parse(file, src); errs != nil {
				out, ferrs := Format(file, src)
				assert.Nil(t, out)
				assert.Equal(t, errs.Err().Error(), ferrs.Err().Error())
				return
			}
			checkFormat(t, file, src)
		})
	}
}

// TestSpecsFormatted: every spec in specs/ is written in its canonical layout; run
// go run ./cmd/netc fmt -w specs/*.net, then go generate ./... (the generated code cites specs'
// lines).
func TestSpecsFormatted(t *testing.T) {
	files, err := filepath.Glob("../specs/*.net")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		src := readFile(t, file)
		out, errs := Format(file, src)
		require.NoError(t, errs.Err())
		assert.Equal(t, string(out), string(src), "%s is not formatted: run netc fmt -w %s", file, file)
	}
}

// TestFormatErrors: a spec with syntax errors is not formatted, and every error is reported, in
// order; a spec whose layout would exceed MaxSize is refused.
func TestFormatErrors(t *testing.T) {
	out, errs := Format("t.net", []byte("network x\nfoo: : bar\nfc 10 -> -> 3\n"))
	assert.Nil(t, out)
	require.Len(t, errs, 2)
	assert.Contains(t, errs[0].Error(), `t.net:2:6: syntax error: unexpected ":"`)
	assert.Contains(t, errs[1].Error(), `t.net:3:10: syntax error: unexpected "->"`)

	// A formatted spec of MaxSize bytes is its own layout.
	full := strings.Repeat("#"+strings.Repeat("x", 1022)+"\n", MaxSize/1024)
	out, errs = Format("full.net", []byte(full))
	require.NoError(t, errs.Err())
	assert.Equal(t, full, string(out))

	// One long label pads every continuation line, and every arrow, to its width: these 300 kB
	// would make 2 GB, which Format must refuse without building (or measuring) it.
	var b strings.Builder
	b.WriteString(strings.Repeat("a", 200_000) + ": relu\n")
	for range 10_000 {
		b.WriteString("relu -> 1\n")
	}
	out, errs = Format("big.net", []byte(b.String()))
	assert.Nil(t, out)
	require.Len(t, errs, 1)
	assert.Equal(t, "big.net: the formatted spec would be larger than the limit of 1048576 bytes", errs[0].Error())

	// The same with comments, which are indented as the continuation lines after them.
	b.Reset()
	b.WriteString(strings.Repeat("a", 200_000) + ": relu\n")
	for range 10_000 {
		b.WriteString("#\nrelu\n")
	}
	out, errs = Format("big.net", []byte(b.String()))
	assert.Nil(t, out)
	require.Len(t, errs, 1)
}

// FuzzFormat: whatever parses formats to a spec that parses to the same statements and is its
// own layout; whatever does not is refused with Parse's errors. Seeded with every spec of the
// project:
//
//	go test -run XXX -fuzz FuzzFormat -fuzztime 30s -fuzzminimizetime 5s -parallel 1 ./dsl/
func FuzzFormat(f *testing.F) {
	for _, file := range corpus(f) {
		f.Add(readFile(f, file))
	}
	f.Add([]byte("init { bias 0 }\ntrain { a -> 3 b 4 }\n"))
	f.Add([]byte("x: f(1, g(\"a b\"), 3×3) → 4  # c\n\n\n  y\r\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, errs := Parse("fuzz.net", src); errs != nil {
			out, ferrs := Format("fuzz.net", src)
			if out != nil || ferrs.Err().Error() != errs.Err().Error() {
				t.Fatalf("Parse fails with\n%v\nbut Format returns %q and\n%v", errs.Err(), out, ferrs.Err())
			}
			return
		}
		checkFormat(t, "fuzz.net", src)
	})
}

// checkFormat formats a spec that parses and checks that the result parses to the same
// statements and that formatting it again changes nothing. It returns the result.
func checkFormat(t testing.TB, name string, src []byte) []byte {
	t.Helper()
	out, errs := Format(name, src)
	if errs != nil && strings.Contains(errs.Error(), "larger than the limit") {
		t.Skip(errs.Error())
	}
	require.NoError(t, errs.Err())
	before, errs := Parse(name, src)
	require.NoError(t, errs.Err())
	after, errs := Parse(name, out)
	require.NoError(t, errs.Err(), "the formatted spec does not parse:\n%s", out)
	require.Equal(t, len(before.Stmts), len(after.Stmts), "formatted:\n%s", out)
	for i := range before.Stmts {
		require.Equal(t, strip(before.Stmts[i]), strip(after.Stmts[i]), "statement %d; formatted:\n%s", i+1, out)
	}
	again, errs := Format(name, out)
	require.NoError(t, errs.Err())
	require.Equal(t, string(out), string(again), "formatting twice changes the layout")
	return out
}

// corpus lists every spec of the project: specs/, the compiler's and netc's test specs, the
// formatter's test inputs.
func corpus(t testing.TB) []string {
	var files []string
	for _, pattern := range []string{"../specs/*.net", "../compiler/testdata/*.net", "../compiler/testdata/*/*.net",
		"../cmd/netc/testdata/*.net", "testdata/format/*.net"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	return files
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
