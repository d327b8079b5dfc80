package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"

	"github.com/netc-project/netc/codegen"
	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/modelcmd"
)

// trainCommand implements `netc train SPEC -data DIR [flags]`: it checks the spec, the flags and
// that the data set's classes are the spec's, before anything is built or written, then runs the
// spec's program (see program.go) with the flags given, which trains as package modelcmd says.
func trainCommand(args []string, stdout, stderr io.Writer) int {
	fs := flags("train", stderr)
	o := modelcmd.TrainDefaults("NAME", 0, codegen.DefaultSeed)
	o.Define(fs)
	fs.Lookup("epochs").DefValue = "the spec's"
	positional, err := parseInterleaved(fs, args)
	if status, stop := parsed(err); stop {
		return status
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "netc train: want one spec")
		fs.Usage()
		return 2
	}
	path := positional[0]
	set := setFlags(fs)
	n, src, status := compileSpec(path, stderr)
	if status != 0 {
		return status
	}
	if _, ok := set["epochs"]; !ok {
		o.Epochs = n.Train.Epochs
	}
	if _, ok := set["out"]; !ok {
		o.Out = filepath.Join("runs", n.Name)
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(stderr, "netc train: %s\n", modelcmd.OneLine(err))
		fs.Usage()
		return 2
	}
	split, err := data.Survey(o.Data)
	if err == nil {
		err = modelcmd.ClassesMatch(split, path, n.Classes)
	}
	if err != nil {
		fmt.Fprintf(stderr, "netc train: %v\n", err)
		return 1
	}
	exe, err := program(path, n, src, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return runProgram(exe, append([]string{"train"}, set.args()...), stdout, stderr)
}

// predictCommand implements `netc predict SPEC -weights FILE [flags] IMAGE...`: it checks the
// spec and the flags, then runs the spec's program (see program.go) with them and the images,
// which classifies as package modelcmd says.
func predictCommand(args []string, stdout, stderr io.Writer) int {
	fs := flags("predict", stderr)
	o := modelcmd.PredictDefaults()
	o.Define(fs)
	positional, err := parseInterleaved(fs, args)
	if status, stop := parsed(err); stop {
		return status
	}
	if len(positional) == 0 {
		fmt.Fprintln(stderr, "netc predict: want a spec and images")
		fs.Usage()
		return 2
	}
	path, images := positional[0], positional[1:]
	if err := o.Check(images); err != nil {
		fmt.Fprintf(stderr, "netc predict: %s\n", modelcmd.OneLine(err))
		fs.Usage()
		return 2
	}
	n, src, status := compileSpec(path, stderr)
	if status != 0 {
		return status
	}
	// The weights' header before the build: a file of another network, or no weights file at
	// all, is refused at once.
	if err := modelcmd.CheckWeights(modelcmd.Network{Name: n.Name, SpecPath: path, Classes: n.Classes}, o.Weights); err != nil {
		fmt.Fprintf(stderr, "netc predict: %v\n", err)
		return 1
	}
	exe, err := program(path, n, src, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	args = append(append([]string{"predict"}, setFlags(fs).args()...), "--")
	return runProgram(exe, append(args, images...), stdout, stderr)
}

// compileSpec reads and compiles the spec at path; on error it prints every error and returns
// status 1.
func compileSpec(path string, stderr io.Writer) (*compiler.Network, []byte, int) {
	n, src, err := compileFile(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, 1
	}
	return n, src, 0
}

// flagValues are the flags given on a command line, by name, as their values print.
type flagValues map[string]string

// setFlags returns the flags of fs that its command line set.
func setFlags(fs *flag.FlagSet) flagValues {
	set := flagValues{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	return set
}

// args returns the flags as arguments for the program, -name=value, in the order of their names.
func (v flagValues) args() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(v)) {
		out = append(out, "-"+name+"="+v[name])
	}
	return out
}
