package main

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

// golden compares got with testdata/name.golden, or rewrites it with -update; a mismatch
// reports the first differing line.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./cmd/netc -update to create it")
	if got == string(want) {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("%s differs at line %d:\n got: %q\nwant: %q\n(go test ./cmd/netc -update rewrites it)", path, i+1, gl, wl)
		}
	}
}

// netc runs the command in the module's root, where specs are named as users name them.
func netc(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir("../.."))
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return out.String(), errOut.String(), status
}

func TestCheckGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"alexnet", []string{"check", "specs/alexnet.net"}, 0},
		{"alexnet_half", []string{"check", "specs/alexnet_half.net"}, 0},
		{"tiny", []string{"check", "specs/tiny.net"}, 0},
		{"tiny_json", []string{"check", "--json", "specs/tiny.net"}, 0},
		{"alexnet_plan", []string{"check", "-v", "-workers", "2", "specs/alexnet.net"}, 0},
		{"tiny_plan_json", []string{"check", "--json", "-v", "-batch", "4", "-workers", "2", "specs/tiny.net"}, 0},
		{"alexnet224", []string{"check", "cmd/netc/testdata/alexnet224.net"}, 1},
		{"alexnet224_json", []string{"check", "--json", "cmd/netc/testdata/alexnet224.net"}, 1},
		{"garbled", []string{"check", "cmd/netc/testdata/garbled.net"}, 1},
		{"missing_file", []string{"check", "cmd/netc/testdata/no-such.net"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := netc(t, c.args...)
			assert.Equal(t, c.code, code, "exit status; stderr:\n%s", stderr)
			golden(t, c.name, "$ netc "+strings.Join(c.args, " ")+"\n"+stdout+"-- stderr --\n"+stderr)
		})
	}
}

// TestCheckTotals pins the figures the README and ALEXNET.md give.
func TestCheckTotals(t *testing.T) {
	stdout, _, code := netc(t, "check", "specs/alexnet.net")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "60,965,224 parameters")
	assert.Contains(t, stdout, "724,406,816 multiply-adds (1.449 GFLOP)")
	stdout, _, code = netc(t, "check", "specs/alexnet_half.net")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "16,630,440 parameters")
}

func TestUsage(t *testing.T) {
	_, stderr, code := netc(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: netc")
	_, stderr, code = netc(t, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)
	_, stderr, code = netc(t, "check")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: netc check")

	// -h and help show a command's usage with an example, and succeed.
	for _, c := range []string{"check", "compile", "fmt", "graph"} {
		_, stderr, code = netc(t, c, "-h")
		assert.Equal(t, 0, code, "netc %s -h", c)
		assert.Contains(t, stderr, "usage: netc "+c)
		assert.Contains(t, stderr, "example:\n  netc "+c)
		stdout, _, code := netc(t, "help", c)
		assert.Equal(t, 0, code, "netc help %s", c)
		assert.Contains(t, stdout, "usage: netc "+c)
		assert.Contains(t, stdout, "flags:")
	}
	_, stderr, code = netc(t, "compile", "-h")
	assert.Contains(t, stderr, "SPEC")
	_, stderr, code = netc(t, "help", "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `no command "frobnicate"`)

	stdout, _, code := netc(t, "version")
	assert.Equal(t, 0, code)
	assert.Regexp(t, `^netc \S+.* go1\.\d+`, stdout)
}

// TestGeneratedUpToDate regenerates every package in generated/ from its spec, in memory, and
// fails when the committed code differs: run `go generate ./...` and commit.
func TestGeneratedUpToDate(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir("../.."))
	defer os.Chdir(wd)
	for _, name := range []string{"alexnet", "alexnet_half", "alexnet_torchvision", "fashion", "tiny"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("generated", name)
			files, _, err := generatePackage(filepath.Join("specs", name+".net"), dir, name)
			require.NoError(t, err)
			for _, f := range files {
				committed, err := os.ReadFile(filepath.Join(dir, f.Name))
				require.NoError(t, err, "generated/%s is missing %s: run go generate ./...", name, f.Name)
				if string(committed) != string(f.Src) {
					t.Errorf("generated/%s/%s is stale: run go generate ./... and commit", name, f.Name)
				}
			}
			present, _ := filepath.Glob(filepath.Join(dir, "*.[gs]*"))
			want := map[string]bool{}
			for _, f := range files {
				want[f.Name] = true
			}
			for _, p := range present {
				if isGenerated(p) && !want[filepath.Base(p)] {
					t.Errorf("%s was generated by netc but is no longer part of the package: run go generate ./...", p)
				}
			}
		})
	}
}

// TestCompileWritesPackage compiles a spec into a temporary directory and checks the files and
// their headers, and that a bad spec writes nothing.
func TestCompileWritesPackage(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := netc(t, "compile", "specs/tiny.net", "-o", dir, "-pkg", "small", "-v")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, filepath.Join(dir, "model.go"))
	src, err := os.ReadFile(filepath.Join(dir, "model.go"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(src), "// Code generated by netc from specs/tiny.net. DO NOT EDIT.\n"))
	assert.Contains(t, string(src), "\npackage small\n")

	bad := t.TempDir()
	_, stderr, code = netc(t, "compile", "cmd/netc/testdata/alexnet224.net", "-o", filepath.Join(bad, "out"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "54.25 is not a whole number")
	_, err = os.Stat(filepath.Join(bad, "out"))
	assert.True(t, os.IsNotExist(err), "a failed compile wrote something")

	_, stderr, code = netc(t, "compile", "specs/tiny.net", "-pkg", "not-a-name", "-o", filepath.Join(bad, "my-net"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not a Go package name")
}

// TestCompilePackageName checks that a package is named as its directory: by default, and a -pkg
// that differs from a directory named as a Go identifier is an error that writes nothing.
func TestCompilePackageName(t *testing.T) {
	root := t.TempDir()
	for _, c := range []struct {
		dir, pkg, want, err string
	}{
		{dir: "tinynet", want: "tinynet"},
		{dir: "tinynet2", pkg: "tinynet2", want: "tinynet2"},
		{dir: "my-net", want: "mynet"},
		{dir: "my-net2", pkg: "other", want: "other"},
		{dir: "2026", want: "net2026"},
		{dir: "models", pkg: "tiny", err: "-pkg tiny differs from the name of its directory models; a Go package is named as its directory"},
		{dir: "main", err: "cannot be package main"},
		{dir: "type", want: "nettype"},
	} {
		args := []string{"compile", "specs/tiny.net", "-o", filepath.Join(root, c.dir)}
		if c.pkg != "" {
			args = append(args, "-pkg", c.pkg)
		}
		_, stderr, code := netc(t, args...)
		if c.err != "" {
			assert.Equal(t, 1, code, "%v", args)
			assert.Contains(t, stderr, c.err)
			assert.NoDirExists(t, filepath.Join(root, c.dir))
			continue
		}
		require.Equal(t, 0, code, "%v: %s", args, stderr)
		src, err := os.ReadFile(filepath.Join(root, c.dir, "model.go"))
		require.NoError(t, err)
		assert.Contains(t, string(src), "\npackage "+c.want+"\n", "%v", args)
	}
}

// TestCompileGenerateLine checks the //go:generate line netc writes into model.go: the command
// that regenerates the package from its directory, left out when go generate runs netc from a
// line of another file (which would otherwise run twice).
func TestCompileGenerateLine(t *testing.T) {
	root := t.TempDir()
	spec, err := filepath.Abs("../../specs/tiny.net")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "tiny.net"), must(os.ReadFile(spec)), 0o644))
	modelGo := func() string { return string(must(os.ReadFile(filepath.Join(root, "tiny", "model.go")))) }
	wd, err := os.Getwd()
	require.NoError(t, err)
	defer os.Chdir(wd)
	compile := func(dir string, args ...string) {
		t.Helper()
		require.NoError(t, os.Chdir(dir))
		var out, errOut bytes.Buffer
		require.Equal(t, 0, run(append([]string{"compile"}, args...), &out, &errOut), errOut.String())
	}

	compile(root, "tiny.net", "-o", "tiny") // from the command line
	assert.Contains(t, modelGo(), "\n//go:generate go tool netc compile ../tiny.net -o . -pkg tiny\n")

	t.Setenv("GOFILE", "model.go") // go generate running model.go's own line
	compile(filepath.Join(root, "tiny"), "../tiny.net", "-o", ".", "-pkg", "tiny")
	assert.Contains(t, modelGo(), "\n//go:generate go tool netc compile ../tiny.net -o . -pkg tiny\n")

	t.Setenv("GOFILE", "main.go") // go generate running a line of the user's main.go
	compile(root, "tiny.net", "-o", "tiny")
	assert.NotContains(t, modelGo(), "go:generate")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
