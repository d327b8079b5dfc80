//go:build !noasm

package codegen_test

const noasm = false
