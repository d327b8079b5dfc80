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
	_, _, code = netc(t, "check")
	assert.Equal(t, 2, code)
}
