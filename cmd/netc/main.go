// Command netc compiles network specs into Go packages and checks them.
//
//	netc check [--json] [-v [-batch N] [-workers N]] FILE...
//	                                 check specs and print each layer's shape and costs
//	netc compile SPEC [-o DIR] [-pkg NAME] [-v]
//	netc fmt [-w] [-l] [FILE...]     lay specs out canonically, like gofmt
//	netc graph SPEC [-o FILE]        write the network as Graphviz DOT, shapes on the edges
//	netc train SPEC -data DIR [-epochs N] [-out DIR] [-resume] [-seed N] [-limit N]
//	                                 train the spec's network on a data set
//	netc predict SPEC -weights FILE [-top K] [-labels FILE] IMAGE...
//	                                 the most likely classes of images
//	netc help [COMMAND]              usage, with an example
//	netc version                     netc's version and the Go it was built with
//
// Exit status is 0 on success, 1 when a spec (or other input) is wrong, 2 on misuse.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strings"
)

// A command is one of netc's subcommands: its words, what it does and an example, for its usage.
type command struct {
	name, args, summary, example string
	run                          func(args []string, stdout, stderr io.Writer) int
}

// commands are netc's subcommands, in the order usage lists them.
var commands []*command

func init() {
	commands = []*command{
		{"check", "[--json] [-v [-batch N] [-workers N]] FILE...",
			"check specs; print every layer's output shape, parameters, MFLOPs and memory,\n" +
				"and with -v the lowering plan and the generated package's memory",
			"netc check -v specs/alexnet.net", check},
		{"compile", "SPEC [-o DIR] [-pkg NAME] [-v]",
			"write the Go package of a spec (default: ./NAME), named as its directory, all or nothing",
			"netc compile specs/alexnet.net -o generated/alexnet", compile},
		{"fmt", "[-w] [-l] [FILE...]",
			"lay specs out canonically, as specs/alexnet.net is: columns aligned, comments kept;\n" +
				"print the result, or with -w rewrite the files, with -l list those that differ;\n" +
				"without FILE, standard input to standard output",
			"netc fmt -l specs/*.net", format},
		{"graph", "SPEC [-o FILE]",
			"write the network as Graphviz DOT: a box per layer, fused kernels grouped,\n" +
				"each edge labelled with its tensor's shape",
			"netc graph specs/alexnet.net | dot -Tsvg -o alexnet.svg", graph},
		{"train", "SPEC -data DIR [-epochs N] [-out DIR] [-resume] [-seed N] [-limit N]",
			"train the spec's network on a data set, as its train and augment blocks say: IDX files,\n" +
				"DIR/train and DIR/val of class folders, or class folders (every 10th image held out);\n" +
				"a progress bar, evaluation each epoch, atomic checkpoints that -resume continues from,\n" +
				"curves and conv1's filters, and the weights with the class names, in -out (runs/NAME).\n" +
				"netc builds a program of the spec with the go command, once, in its cache",
			"netc train specs/fashion.net -data /usr/share/datasets/fashion-mnist -epochs 3", trainCommand},
		{"predict", "SPEC -weights FILE [-top K] [-labels FILE] IMAGE...",
			"print the most likely classes of JPEG or PNG images, prepared as the spec says, with the\n" +
				"weights netc train wrote (or a checkpoint, or a state dict as safetensors), named as\n" +
				"the weights' metadata or -labels says",
			"netc predict specs/fashion.net -weights runs/fashion/weights.safetensors shirt.png", predictCommand},
		{"help", "[COMMAND]", "show how to use netc, or one of its commands", "netc help compile", help},
		{"version", "", "print netc's version and the Go it was built with", "netc version", version},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one netc command and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeUsage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" {
		writeUsage(stdout)
		return 0
	}
	if c := lookup(args[0]); c != nil {
		return c.run(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "netc: unknown command %q\n", args[0])
	writeUsage(stderr)
	return 2
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// writeUsage lists the commands.
func writeUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: netc <command> [arguments]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-8s %s", c.name, c.args), " "))
		for _, line := range strings.Split(c.summary, "\n") {
			fmt.Fprintf(w, "           %s\n", line)
		}
	}
	fmt.Fprintln(w, "\n'netc help COMMAND' shows a command's flags and an example.")
}

// flags makes a command's flag set: its usage (-h, or a flag error) shows the command's
// arguments, what it does, its flags and an example.
func flags(name string, stderr io.Writer) *flag.FlagSet {
	c := lookup(name)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { commandUsage(fs.Output(), c, fs) }
	return fs
}

// commandUsage writes one command's usage.
func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: netc %s %s\n\n%s\n", c.name, c.args, c.summary)
	if fs != nil {
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(w)
		if b.Len() > 0 {
			fmt.Fprintf(w, "\nflags:\n%s", b.String())
		}
	}
	fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
}

// parsed reports how a command's flag parsing ended: 0 to go on, or the exit status (0 after
// -h, which has shown the usage; 2 after a wrong flag).
func parsed(err error) (status int, stop bool) {
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	}
	return 2, true
}

// help implements `netc help [COMMAND]`.
func help(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		writeUsage(stdout)
		return 0
	case len(args) > 1 || lookup(args[0]) == nil:
		fmt.Fprintf(stderr, "netc help: no command %q\n", strings.Join(args, " "))
		writeUsage(stderr)
		return 2
	}
	c := lookup(args[0])
	if c.name == "help" || c.name == "version" {
		commandUsage(stdout, c, nil)
		return 0
	}
	// The command's flags are those its run declares: ask it for its usage.
	return c.run([]string{"-h"}, stdout, stdout)
}

// version implements `netc version`: the module's version (or "(devel)" in a build from a
// clone), the commit it was built from when the build recorded one, and Go's version.
func version(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: netc version")
		return 2
	}
	v, rev := "(unknown)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		v = info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" && rev != "" {
					rev += "+modified"
				}
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if rev != "" {
		v += " " + rev
	}
	fmt.Fprintf(stdout, "netc %s %s %s/%s\n", v, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
	return 0
}
