package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/netc-project/netc/codegen"
	"github.com/netc-project/netc/compiler"
)

// compile implements `netc compile SPEC [-o DIR] [-pkg NAME] [-v]`; it prints nothing on success
// unless -v asks for the files written, as go generate expects.
func compile(args []string, stdout, stderr io.Writer) int {
	fs := flags("compile", stderr)
	out := fs.String("o", "", "the package's directory (default: ./NAME, the network's name)")
	pkg := fs.String("pkg", "", "the package's name (default and otherwise only: the directory's name)")
	verbose := fs.Bool("v", false, "list the files written")
	specs, err := parseInterleaved(fs, args)
	if status, stop := parsed(err); stop {
		return status
	}
	if len(specs) != 1 {
		fs.Usage()
		return 2
	}
	files, dir, err := generatePackage(specs[0], *out, *pkg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := writePackage(dir, files); err != nil {
		fmt.Fprintf(stderr, "netc: %v\n", err)
		return 1
	}
	if *verbose {
		for _, f := range files {
			fmt.Fprintln(stdout, filepath.Join(dir, f.Name))
		}
	}
	return 0
}

// parseInterleaved parses flags that may come before or after the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// generatePackage compiles a spec and generates its package for directory dir (default ./NAME)
// under package name pkg (default: the directory's name).
func generatePackage(spec, dir, pkg string) ([]codegen.File, string, error) {
	src, err := os.ReadFile(spec)
	if err != nil {
		return nil, "", fmt.Errorf("netc: %v", err)
	}
	n, err := compiler.Compile(spec, src)
	if err != nil {
		return nil, "", err
	}
	if dir == "" {
		dir = n.Name
	}
	absSpec, err := filepath.Abs(spec)
	if err != nil {
		return nil, "", fmt.Errorf("netc: %v", err)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", fmt.Errorf("netc: %v", err)
	}
	if pkg, err = packageOf(absDir, pkg); err != nil {
		return nil, "", err
	}
	specFromDir, err := filepath.Rel(absDir, absSpec)
	if err != nil {
		specFromDir = absSpec
	}
	line := fmt.Sprintf("go tool netc compile %s -o . -pkg %s", filepath.ToSlash(specFromDir), pkg)
	if generatedFromElsewhere(absDir) {
		line = "" // the user's own //go:generate line runs netc: a second one would run it twice
	}
	files, err := codegen.Generate(n, codegen.Options{
		Package:  pkg,
		Spec:     moduleRelative(absSpec, spec),
		Generate: line,
		Source:   src,
	})
	return files, dir, err
}

// packageOf names the package in directory dir: as the directory, as Go's tools expect. A name
// given with -pkg must be the directory's, unless the directory's name is no Go identifier
// (my-net), where -pkg chooses; without -pkg such a name is made into one (mynet).
func packageOf(dir, pkg string) (string, error) {
	base := filepath.Base(dir)
	switch {
	case pkg == "" && token.IsIdentifier(base):
		pkg = base
	case pkg == "":
		pkg = packageName(base)
	case token.IsIdentifier(base) && pkg != base:
		return "", fmt.Errorf("netc: -pkg %s differs from the name of its directory %s; a Go package is named as its directory: leave out -pkg, or write to -o %s", pkg, base, filepath.Join(filepath.Dir(dir), pkg))
	case !token.IsIdentifier(pkg):
		return "", fmt.Errorf("netc: -pkg %q is not a Go package name", pkg)
	}
	if pkg == "main" {
		return "", fmt.Errorf("netc: a generated package cannot be package main (directory %s): write it to a directory of its own, -o DIR", dir)
	}
	return pkg, nil
}

// generatedFromElsewhere reports whether go generate runs netc from a //go:generate line of a
// file other than the package's own model.go: go generate runs a line in its file's directory
// and names the file in $GOFILE.
func generatedFromElsewhere(dir string) bool {
	file := os.Getenv("GOFILE")
	if file == "" {
		return false
	}
	wd, err := os.Getwd()
	if err != nil {
		return false
	}
	return filepath.Join(wd, file) != filepath.Join(dir, "model.go")
}

// moduleRelative names a spec by its path from the root of the Go module that holds it (where
// go.mod is), or as given when it is in no module.
func moduleRelative(abs, given string) string {
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, abs); err == nil {
				return filepath.ToSlash(rel)
			}
		}
		if dir == filepath.Dir(dir) {
			return filepath.ToSlash(given)
		}
	}
}

// packageName makes a Go package name of a directory's name: its lower-case letters, digits and
// underscores, prefixed with "net" where that leaves no identifier (2026 → net2026).
func packageName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			b.WriteRune(r)
		}
	}
	if !token.IsIdentifier(b.String()) {
		return "net" + b.String()
	}
	return b.String()
}

// generatedMark starts every file netc writes.
const generatedMark = "// Code generated by netc from "

// writePackage writes the files into dir all or nothing: every file to a temporary file beside
// its place first, fsynced; only when all are written are they renamed into place (the files they
// replace linked aside first, so that a failed rename puts every one back), then files netc
// generated there before that are no longer part of the package are removed. On any failure no
// new file remains, the previous package is untouched, and a directory the call created is
// removed again. Temporary files that a crashed earlier run left in dir are removed.
func writePackage(dir string, files []codegen.File) (err error) {
	created, err := mkdirAll(dir)
	if err != nil {
		return err
	}
	var temps []string
	defer func() {
		if err == nil {
			return
		}
		for _, t := range temps {
			os.Remove(t)
		}
		for i := len(created) - 1; i >= 0; i-- {
			os.Remove(created[i]) // only if empty
		}
	}()
	removeStaleTemps(dir)
	for _, f := range files {
		t, err := writeTemp(filepath.Join(dir, f.Name), f.Src, 0o644)
		if err != nil {
			return err
		}
		temps = append(temps, t)
	}
	if err := replaceAll(dir, files, temps); err != nil {
		return err
	}
	temps = nil
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.Name] = true
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	asm, _ := filepath.Glob(filepath.Join(dir, "*.s"))
	for _, path := range append(old, asm...) {
		if !keep[filepath.Base(path)] && isGenerated(path) {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("the package is written, but a file of its earlier version remains: %w", err)
			}
		}
	}
	return syncDir(dir)
}

// replaceAll renames each temporary file onto its file. The files it replaces are linked aside
// first; if a rename fails, the renamed files are put back and the error returned.
func replaceAll(dir string, files []codegen.File, temps []string) error {
	type backup struct{ path, aside string }
	var backups []backup
	var done []string // paths renamed into place
	undo := func() {
		for _, p := range done {
			os.Remove(p)
		}
		for _, b := range backups {
			os.Rename(b.aside, b.path)
		}
	}
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if _, err := os.Lstat(path); err == nil {
			aside := path + ".netc-old"
			os.Remove(aside)
			if err := os.Link(path, aside); err != nil {
				undo()
				return err
			}
			backups = append(backups, backup{path, aside})
		}
	}
	for i, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := os.Rename(temps[i], path); err != nil {
			undo()
			return err
		}
		done = append(done, path)
	}
	for _, b := range backups {
		os.Remove(b.aside)
	}
	return nil
}

// mkdirAll creates dir and its missing parents, returning those it created, outermost first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	slices.Reverse(missing)
	return missing, nil
}

// tempPattern is the name of a file's temporary twin while it is written: .model.go.*.tmp.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".*.tmp" }

// removeStaleTemps removes the temporary files of generated files that an earlier run, killed
// while writing, left in dir.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".*.[gs]*.*.tmp"))
	for _, p := range stale {
		os.Remove(p)
	}
	asides, _ := filepath.Glob(filepath.Join(dir, "*.netc-old"))
	for _, p := range asides {
		os.Remove(p)
	}
}

// wrapWriter lets tests make a file's writes fail part-way.
var wrapWriter = func(path string, w io.Writer) io.Writer { return w }

// writeTemp writes data to a new temporary file beside path, fsynced, with the given
// permissions, and returns its name.
func writeTemp(path string, data []byte, perm os.FileMode) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPattern(path))
	if err != nil {
		return "", err
	}
	_, err = io.Copy(wrapWriter(path, tmp), bytes.NewReader(data))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return tmp.Name(), nil
}

// syncDir makes the directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	d.Sync() // not every file system can sync a directory; the files themselves are synced
	return nil
}

// isGenerated reports whether a file starts with netc's mark.
func isGenerated(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	return strings.HasPrefix(line, generatedMark)
}

// writeFileAtomic writes data to a temporary file beside path, with the given permissions, and
// renames it into place. Its error says why, without the temporary file's name.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	t, err := writeTemp(path, data, perm)
	if err == nil {
		if err = os.Rename(t, path); err != nil {
			os.Remove(t)
		}
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner // drop the temporary file's name from *PathError and *LinkError
	}
	return err
}
