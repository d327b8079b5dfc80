//go:build noasm

package codegen_test

// noasm passes the noasm tag on to the packages TestOps builds.
const noasm = true
