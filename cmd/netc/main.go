// Command netc compiles network specs into Go packages and checks them.
//
//	netc check [--json] FILE...     check specs and print each layer's shape and costs
//	netc compile SPEC [-o DIR] [-pkg NAME]
//	netc graph SPEC [-o FILE]       write the network as Graphviz DOT, shapes on the edges
//
// Exit status is 0 on success, 1 when a spec (or other input) is wrong, 2 on misuse.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: netc <command> [arguments]

commands:
  check [--json] FILE...            check specs; print every layer's output shape, parameters, MFLOPs and memory
  compile SPEC [-o DIR] [-pkg NAME] [-v]
                                    write the Go package of a spec (default: ./NAME, package NAME)
  graph SPEC [-o FILE]              write the network as Graphviz DOT: a box per layer, fused kernels
                                    grouped, each edge labelled with its tensor's shape
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one netc command and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return check(args[1:], stdout, stderr)
	case "compile":
		return compile(args[1:], stdout, stderr)
	case "graph":
		return graph(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "netc: unknown command %q\n%s", args[0], usage)
	return 2
}
