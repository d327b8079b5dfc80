package codegen

import "github.com/netc-project/netc/compiler"

// StepNames is the Go name of each step of a lowered network, which its kernels' methods start
// with, for the tests of package codegen_test.
func StepNames(n *compiler.Network) map[*compiler.Step]string {
	return newGen(n, Options{Package: "p"}).name
}

// Names are the names a generated package may give its declarations besides the steps': the
// reserved ones, the parameters' fields and the chains' methods; Suffixes are those it appends to
// a step's.
func Names(n *compiler.Network) map[string]bool {
	g := newGen(n, Options{Package: "p"})
	names := map[string]bool{}
	for _, r := range reserved {
		names[r] = true
	}
	for _, p := range g.params {
		names[p.field] = true
	}
	for _, c := range g.chains {
		names[c] = true
	}
	return names
}

var Suffixes, MatrixName = suffixes, matrixName
