package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/netc-project/netc/codegen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingWriter fails after n bytes, as a full disk does.
type failingWriter struct {
	w io.Writer
	n int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, errors.New("no space left on device")
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// failOn makes writes of the file named name fail after n bytes, for the rest of the test.
func failOn(t *testing.T, name string, n int) {
	t.Cleanup(func() { wrapWriter = func(path string, w io.Writer) io.Writer { return w } })
	wrapWriter = func(path string, w io.Writer) io.Writer {
		if filepath.Base(path) == name {
			return &failingWriter{w: w, n: n}
		}
		return w
	}
}

// listing returns every entry under dir with its contents, "" for directories.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, path)
		if info.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		out[rel] = string(b)
		return nil
	}))
	return out
}

func names(m map[string]string) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

var pkgFiles = []codegen.File{
	{Name: "model.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // new model\n")},
	{Name: "kernels.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // new kernels\n")},
	{Name: "backward.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // new backward\n")},
	{Name: "train.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // new train\n")},
}

// TestWritePackageAllOrNothing: a write that fails part-way through the package (a full disk)
// leaves no new file and no temporary file, the previous package untouched, and no directory
// the compile created.
func TestWritePackageAllOrNothing(t *testing.T) {
	for _, name := range []string{"model.go", "backward.go", "train.go"} {
		t.Run("new directory, "+name, func(t *testing.T) {
			root := t.TempDir()
			failOn(t, name, 10)
			err := writePackage(filepath.Join(root, "a", "b"), pkgFiles)
			require.ErrorContains(t, err, "no space left on device")
			assert.Equal(t, []string{"./"}, names(listing(t, root)), "a failed compile left files or directories")
		})
		t.Run("existing package, "+name, func(t *testing.T) {
			dir := t.TempDir()
			old := []codegen.File{
				{Name: "model.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // old model\n")},
				{Name: "kernels.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // old kernels\n")},
				{Name: "extra.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // no longer generated\n")},
			}
			require.NoError(t, writePackage(dir, old))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.go"), []byte("package p // the user's\n"), 0o644))
			before := listing(t, dir)
			failOn(t, name, 10)
			require.Error(t, writePackage(dir, pkgFiles))
			assert.Equal(t, before, listing(t, dir), "a failed compile changed the package")
		})
	}
}

// TestWritePackageReplaces: a successful write replaces the package, removes files netc
// generated before that are no longer part of it and temporary files a killed run left, and
// keeps the user's files.
func TestWritePackageReplaces(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, writePackage(dir, []codegen.File{
		{Name: "model.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // old\n")},
		{Name: "extra.go", Src: []byte(generatedMark + "x.net. DO NOT EDIT.\npackage p // old\n")},
	}))
	for _, stale := range []string{".model.go.12345.tmp", ".kernels.go.999.tmp", "model.go.netc-old"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, stale), []byte("half"), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.go"), []byte("package p\n"), 0o644))
	require.NoError(t, writePackage(dir, pkgFiles))
	got := listing(t, dir)
	assert.Equal(t, []string{"./", "backward.go", "kernels.go", "mine.go", "model.go", "train.go"}, names(got))
	assert.Equal(t, string(pkgFiles[0].Src), got["model.go"])
}
