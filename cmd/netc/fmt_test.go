package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	messy     = "network x\ninput  3x8x8\nclasses 4\nfc: fc 4   ->   4 # out\n    loss: softmax\n"
	formatted = "network x\ninput 3x8x8\nclasses 4\nfc:   fc 4      -> 4  # out\nloss: softmax\n"
	garbled   = "network x\nfoo: : bar\n"
)

// fmtDir writes the specs named in files into a new directory, the messy one with mode 0600,
// and returns the directory. Every file's modification time is an hour ago.
func fmtDir(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	hourAgo := time.Now().Add(-time.Hour)
	for name, src := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(src), 0o600))
		require.NoError(t, os.Chtimes(path, hourAgo, hourAgo))
	}
	return dir
}

func TestFmtPrints(t *testing.T) {
	dir := fmtDir(t, map[string]string{"messy.net": messy, "ok.net": formatted})
	stdout, stderr, code := netc(t, "fmt", filepath.Join(dir, "messy.net"), filepath.Join(dir, "ok.net"))
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, formatted+formatted, stdout)
	assert.Equal(t, map[string]string{"./": "", "messy.net": messy, "ok.net": formatted}, listing(t, dir))

	stdout, stderr, code = netc(t, "fmt", "specs/alexnet.net")
	assert.Equal(t, 0, code, stderr)
	alexnet, err := os.ReadFile("../../specs/alexnet.net")
	require.NoError(t, err)
	assert.Equal(t, string(alexnet), stdout)
}

func TestFmtList(t *testing.T) {
	dir := fmtDir(t, map[string]string{"messy.net": messy, "ok.net": formatted})
	stdout, stderr, code := netc(t, "fmt", "-l", filepath.Join(dir, "messy.net"), filepath.Join(dir, "ok.net"))
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, filepath.Join(dir, "messy.net")+"\n", stdout)
	assert.Equal(t, map[string]string{"./": "", "messy.net": messy, "ok.net": formatted}, listing(t, dir))
}

// TestFmtWrite: -w rewrites a file whose layout differs, keeping its mode, and leaves a
// formatted file untouched (not even rewritten) and no temporary file; with -l it also lists it.
func TestFmtWrite(t *testing.T) {
	for _, args := range [][]string{{"fmt", "-w"}, {"fmt", "-l", "-w"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := fmtDir(t, map[string]string{"messy.net": messy, "ok.net": formatted})
			okBefore, err := os.Stat(filepath.Join(dir, "ok.net"))
			require.NoError(t, err)
			stdout, stderr, code := netc(t, append(args, filepath.Join(dir, "messy.net"), filepath.Join(dir, "ok.net"))...)
			assert.Equal(t, 0, code, stderr)
			if len(args) == 3 {
				assert.Equal(t, filepath.Join(dir, "messy.net")+"\n", stdout)
			} else {
				assert.Empty(t, stdout)
			}
			assert.Equal(t, map[string]string{"./": "", "messy.net": formatted, "ok.net": formatted}, listing(t, dir))
			info, err := os.Stat(filepath.Join(dir, "messy.net"))
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
			okAfter, err := os.Stat(filepath.Join(dir, "ok.net"))
			require.NoError(t, err)
			assert.Equal(t, okBefore.ModTime(), okAfter.ModTime(), "a formatted file was rewritten")
		})
	}
}

// TestFmtWriteSymlink: -w through a symbolic link rewrites the file it points to.
func TestFmtWriteSymlink(t *testing.T) {
	dir := fmtDir(t, map[string]string{"messy.net": messy})
	link := filepath.Join(dir, "link.net")
	require.NoError(t, os.Symlink("messy.net", link))
	_, stderr, code := netc(t, "fmt", "-w", link)
	require.Equal(t, 0, code, stderr)
	target, err := os.Readlink(link)
	require.NoError(t, err)
	assert.Equal(t, "messy.net", target)
	got, err := os.ReadFile(filepath.Join(dir, "messy.net"))
	require.NoError(t, err)
	assert.Equal(t, formatted, string(got))
}

func TestFmtStdin(t *testing.T) {
	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader(messy)
	stdout, stderr, code := netc(t, "fmt")
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, formatted, stdout)

	stdin = strings.NewReader(messy)
	stdout, _, code = netc(t, "fmt", "-l")
	assert.Equal(t, 0, code)
	assert.Equal(t, "<standard input>\n", stdout)

	stdin = strings.NewReader(garbled)
	stdout, stderr, code = netc(t, "fmt")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "<standard input>:2:6: syntax error: unexpected \":\"\n", stderr)

	stdin = strings.NewReader(strings.Repeat("#", 1<<20+1))
	_, stderr, code = netc(t, "fmt")
	assert.Equal(t, 1, code)
	assert.Equal(t, "netc fmt: <standard input>: the spec is larger than the limit of 1048576 bytes\n", stderr)
}

// TestFmtErrors: a spec with a syntax error is reported and not written, even with -w, and the
// other files are still formatted; exit status 1. Misuse is status 2.
func TestFmtErrors(t *testing.T) {
	dir := fmtDir(t, map[string]string{"bad.net": garbled, "messy.net": messy})
	bad, messyPath := filepath.Join(dir, "bad.net"), filepath.Join(dir, "messy.net")
	stdout, stderr, code := netc(t, "fmt", bad, messyPath)
	assert.Equal(t, 1, code)
	assert.Equal(t, formatted, stdout)
	assert.Equal(t, bad+":2:6: syntax error: unexpected \":\"\n", stderr)

	stdout, stderr, code = netc(t, "fmt", "-w", bad, messyPath, filepath.Join(dir, "missing.net"))
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, bad+":2:6: syntax error: unexpected \":\"\n"+
		"netc fmt: open "+filepath.Join(dir, "missing.net")+": no such file or directory\n", stderr)
	assert.Equal(t, map[string]string{"./": "", "bad.net": garbled, "messy.net": formatted}, listing(t, dir))

	_, stderr, code = netc(t, "fmt", "-w")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-w needs a FILE")
	_, stderr, code = netc(t, "fmt", "-x", bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: netc fmt [-w] [-l] [FILE...]")
}
