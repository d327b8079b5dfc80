package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/netc-project/netc/dsl"
)

// stdin is what `netc fmt` formats without a FILE; tests replace it.
var stdin io.Reader = os.Stdin

// stdinName names standard input in messages, as gofmt does.
const stdinName = "<standard input>"

// format implements `netc fmt [-w] [-l] [FILE...]`: each spec in its canonical layout
// (dsl.Format) on standard output, or written back to its file with -w, or only its name with
// -l when its layout differs. Without FILE it formats standard input to standard output. A
// spec with a syntax error is not formatted: its errors are reported and nothing is written.
func format(args []string, stdout, stderr io.Writer) int {
	fs := flags("fmt", stderr)
	write := fs.Bool("w", false, "write the result to each FILE instead of standard output (only files it changes)")
	list := fs.Bool("l", false, "list the files whose layout differs, instead of printing them")
	files, err := parseInterleaved(fs, args)
	if status, stop := parsed(err); stop {
		return status
	}
	if len(files) == 0 {
		if *write {
			fmt.Fprintln(stderr, "netc fmt: -w needs a FILE to write to; standard input is formatted to standard output")
			return 2
		}
		files = []string{""}
	}
	status := 0
	for _, path := range files {
		if !formatFile(path, *list, *write, stdout, stderr) {
			status = 1
		}
	}
	return status
}

// formatFile formats the spec at path, or standard input when path is "", as format says, and
// reports whether it could.
func formatFile(path string, list, write bool, stdout, stderr io.Writer) bool {
	name, r := path, stdin
	if path == "" {
		name = stdinName
	} else {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "netc fmt: %v\n", err)
			return false
		}
		defer f.Close()
		r = f
	}
	src, err := io.ReadAll(io.LimitReader(r, dsl.MaxSize+1))
	if err == nil && len(src) > dsl.MaxSize {
		err = fmt.Errorf("%s: the spec is larger than the limit of %d bytes", name, dsl.MaxSize)
	}
	if err != nil {
		fmt.Fprintf(stderr, "netc fmt: %v\n", err)
		return false
	}
	out, errs := dsl.Format(name, src)
	if errs != nil {
		fmt.Fprintln(stderr, errs.Err())
		return false
	}
	changed := !bytes.Equal(src, out)
	switch {
	case list && changed:
		fmt.Fprintln(stdout, name)
	case !list && !write:
		stdout.Write(out)
	}
	if write && changed {
		if err := rewrite(path, out); err != nil {
			fmt.Fprintf(stderr, "netc fmt: cannot write %s: %v\n", path, err)
			return false
		}
	}
	return true
}

// rewrite replaces the file at path with data atomically, keeping its permissions. A symbolic
// link is followed: the file it points to is replaced, and the link kept.
func rewrite(path string, data []byte) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	return writeFileAtomic(target, data, info.Mode().Perm())
}
