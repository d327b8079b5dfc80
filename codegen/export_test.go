package codegen

import "github.com/netc-project/netc/compiler"

// StepNames is the Go name of each step of a lowered network, which its kernels' methods start
// with, for the tests of package codegen_test.
func StepNames(n *compiler.Network) map[*compiler.Step]string {
	return newGen(n, Options{Package: "p"}).name
}
