// Package netc holds netc's own source, for the programs that `netc train` and `netc predict`
// build: each is a module of its own, made in netc's cache, whose main calls package modelcmd
// with the package generated from a spec, and which needs netc's packages wherever the netc
// binary runs — in a module of the user's, from a copy of netc's repository, or installed with
// go install. cmd/netc writes Source out beside the program's module and points the module at it
// with a replace directive.
package netc

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

// source is go.mod, go.sum and the packages a program of netc train and netc predict imports:
// modelcmd, every package of netc's that it imports (train, data, compiler, dsl, preprocess,
// runtime), and those the generated package imports (runtime, preprocess). TestSourcePackages
// keeps the list exact. Embed patterns cannot leave test files out, so they are embedded too;
// Source leaves them out.
//
//go:embed go.mod go.sum
//go:embed modelcmd/*.go train/*.go data/*.go compiler/*.go dsl/*.go preprocess/*.go runtime/*.go runtime/*.s
var source embed.FS

// SourcePackages are the directories of the packages source holds.
var SourcePackages = []string{"modelcmd", "train", "data", "compiler", "dsl", "preprocess", "runtime"}

// A File is one file of netc's source: its path from the module's root, with slashes, and its
// contents.
type File struct {
	Path string
	Data []byte
}

// Source returns go.mod, go.sum and the Go and assembly files, tests left out, of the packages
// a program of netc train and netc predict imports, sorted by path.
func Source() []File {
	var files []File
	err := fs.WalkDir(source, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		data, err := source.ReadFile(p)
		files = append(files, File{Path: path.Clean(p), Data: data})
		return err
	})
	if err != nil {
		panic(err) // an embedded file system cannot fail
	}
	return files
}
