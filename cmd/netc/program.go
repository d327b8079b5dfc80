package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	gofmt "go/format"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"

	netcsource "github.com/netc-project/netc"
	"github.com/netc-project/netc/codegen"
	"github.com/netc-project/netc/compiler"
)

// This file builds and runs the program of a spec that netc train and netc predict run: a module
// of its own in netc's cache,
//
//	DIR/netc/      netc's source (netc.Source): go.mod, go.sum, modelcmd and what it imports
//	DIR/prog/      module netcprogram: netc's requirements, replaced by ../netc
//	  model/       the package generated from the spec (package model)
//	  main.go      modelcmd.Main with model's constructor and constants
//	  netc-NAME    the program, once built
//
// DIR is named after the network and a hash of every file above but the program, and of the
// platform, so that a spec is built once per version of netc: a second run finds the program
// and starts it at once. The build needs no network when Go's module cache holds netc's
// dependencies (GOFLAGS=-mod=mod finds them there, GOWORK=off keeps a workspace out), is made in
// a temporary directory renamed into place when done, so that a build stopped half-way or two
// at once leave no broken program, and is deterministic (-trimpath, -buildvcs=false).

// programModule is the module path of a program.
const programModule = "netcprogram"

// cacheDir is where programs are built: $NETC_CACHE, else netc in the user's cache directory.
func cacheDir() (string, error) {
	if dir := os.Getenv("NETC_CACHE"); dir != "" {
		return dir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("netc: no cache directory to build the program in (%v); set NETC_CACHE to one", err)
	}
	return filepath.Join(dir, "netc"), nil
}

// program returns the path of the program of the spec at path, compiled as n from src, building
// it first unless the cache has it. It says on stderr when it builds.
func program(path string, n *compiler.Network, src []byte, stderr io.Writer) (string, error) {
	files, err := programFiles(path, n, src)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s/%s\n", goruntime.GOOS, goruntime.GOARCH)
	for _, f := range files {
		fmt.Fprintf(h, "%s %d\n", f.Path, len(f.Data))
		h.Write(f.Data)
	}
	cache, err := cacheDir()
	if err != nil {
		return "", err
	}
	programs := filepath.Join(cache, "programs")
	dir := filepath.Join(programs, n.Name+"-"+hex.EncodeToString(h.Sum(nil))[:16])
	exe := filepath.Join("prog", "netc-"+n.Name)
	if goruntime.GOOS == "windows" {
		exe += ".exe"
	}
	if _, err := os.Stat(filepath.Join(dir, exe)); err == nil {
		return filepath.Join(dir, exe), nil
	}

	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("netc: the go command is not on PATH; netc train and netc predict build a program of the spec with Go 1.26 or later (https://go.dev/dl/)")
	}
	if err := os.MkdirAll(programs, 0o755); err != nil {
		return "", fmt.Errorf("netc: %v", err)
	}
	tmp, err := os.MkdirTemp(programs, n.Name+"-*.tmp")
	if err != nil {
		return "", fmt.Errorf("netc: %v", err)
	}
	defer os.RemoveAll(tmp) // once renamed into place, nothing is left to remove
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("netc: %v", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return "", fmt.Errorf("netc: %v", err)
		}
	}
	fmt.Fprintf(stderr, "netc: building the program of %s (once for this spec and version of netc) in %s\n", path, dir)
	build := exec.Command(goCmd, "build", "-trimpath", "-buildvcs=false", "-o", filepath.Base(exe), ".")
	build.Dir = filepath.Join(tmp, "prog")
	// For this machine, whatever GOOS and GOARCH say: the program runs here.
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"),
		"GOOS="+goruntime.GOOS, "GOARCH="+goruntime.GOARCH)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("netc: building the program of %s failed (%v):\n%s", path, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, exe)); statErr != nil {
			return "", fmt.Errorf("netc: %v", err)
		} // else another netc built it at the same time
	}
	return filepath.Join(dir, exe), nil
}

// programFiles returns the files of a spec's program module as program lays them out, in a fixed
// order: netc's source first.
func programFiles(path string, n *compiler.Network, src []byte) ([]netcsource.File, error) {
	var files []netcsource.File
	var goMod, goSum []byte
	for _, f := range netcsource.Source() {
		switch f.Path {
		case "go.mod":
			goMod = f.Data
		case "go.sum":
			goSum = f.Data
		}
		files = append(files, netcsource.File{Path: "netc/" + f.Path, Data: f.Data})
	}
	mod, err := programGoMod(goMod)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("netc: %v", err)
	}
	spec := moduleRelative(abs, path)
	model, err := codegen.Generate(n, codegen.Options{Package: "model", Spec: spec, Source: src})
	if err != nil {
		return nil, err
	}
	main, err := programMain(n, spec)
	if err != nil {
		return nil, err
	}
	files = append(files, netcsource.File{Path: "prog/go.mod", Data: mod}, netcsource.File{Path: "prog/go.sum", Data: goSum},
		netcsource.File{Path: "prog/main.go", Data: main})
	for _, f := range model {
		files = append(files, netcsource.File{Path: "prog/model/" + f.Name, Data: f.Src})
	}
	return files, nil
}

// programGoMod returns the go.mod of a program: netc's go version and requirements (so that the
// build finds every module netc's packages import at the versions netc uses, in Go's module
// cache), netc itself, replaced by the copy of its source beside the program.
func programGoMod(netcMod []byte) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Generated by netc for netc train and netc predict. DO NOT EDIT.\n\nmodule %s\n\n", programModule)
	inRequire := false
	found := false
	for _, line := range strings.Split(string(netcMod), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "go ") || strings.HasPrefix(t, "toolchain "):
			fmt.Fprintf(&b, "%s\n", t)
			found = found || strings.HasPrefix(t, "go ")
		case t == "require (":
			inRequire = true
			b.WriteString("\nrequire (\n")
		case inRequire && t == ")":
			inRequire = false
			b.WriteString(")\n")
		case inRequire && t != "":
			fmt.Fprintf(&b, "\t%s\n", t)
		case strings.HasPrefix(t, "require "):
			fmt.Fprintf(&b, "\n%s\n", t)
		}
	}
	if !found {
		return nil, errors.New("netc: its embedded go.mod has no go directive")
	}
	fmt.Fprintf(&b, "\nrequire github.com/netc-project/netc v0.0.0\n\nreplace github.com/netc-project/netc => ../netc\n")
	return b.Bytes(), nil
}

// programMain returns the program's main.go: modelcmd.Main with the generated package's
// constructor and constants.
func programMain(n *compiler.Network, spec string) ([]byte, error) {
	src := fmt.Sprintf(`// Code generated by netc from %[1]s for netc train and netc predict. DO NOT EDIT.

package main

import (
	"github.com/netc-project/netc/modelcmd"
	"%[2]s/model"
)

func main() {
	modelcmd.Main(modelcmd.Network{
		Name:           %[3]s,
		SpecPath:       %[4]s,
		Spec:           model.Spec,
		NewSeeded:      func(seed uint64) modelcmd.Model { return model.NewSeeded(seed) },
		Classes:        model.Classes,
		BatchSize:      model.BatchSize,
		Epochs:         model.Epochs,
		DefaultSeed:    model.DefaultSeed,
		LearningRateAt: model.LearningRateAt,
	})
}
`, spec, programModule, strconv.Quote(n.Name), strconv.Quote(spec))
	return gofmt.Source([]byte(src))
}

// runProgram runs the program at exe with args, its standard input netc's and its output to
// stdout and stderr, and returns its exit status. An interrupt or SIGTERM that reaches netc is
// passed on, so that the program stops as it does alone (training cleanly, its checkpoint
// whole), and netc waits for it.
func runProgram(exe string, args []string, stdout, stderr io.Writer) int {
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "netc: %v\n", err)
		return 1
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-signals:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	}
	fmt.Fprintf(stderr, "netc: the program %s: %v\n", exe, err)
	return 1
}
