// Package compiler turns a parsed spec into a verified intermediate representation (IR): a
// Network whose layers each carry concrete input and output shapes, parameter counts, forward
// FLOPs and activation memory, for code generation and for `netc check` to read from one place.
//
// Compile runs a visible pipeline of small passes, each in its own file:
//
//	build   (build.go)   AST → IR: names, constants, every setting typed and range-checked
//	shapes  (shapes.go)  infer every shape; check the arithmetic is whole, or rounded as declared
//	count   (count.go)   parameters, multiply-adds and activation bytes per layer
//
// Verify (verify.go) checks the IR's invariants and runs between the passes, so a pass that
// breaks the IR is named at once. Errors are dsl.Errors at the spec's positions, all of them,
// sorted.
package compiler
