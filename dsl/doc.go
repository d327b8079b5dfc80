// Package dsl is netc's network-description language: its lexer, its grammar (whose structs are
// the AST) and its diagnostics. It knows the shape of a spec, not its meaning: which settings a
// layer takes, their types and ranges, and the shape arithmetic are the compiler's business.
//
// A spec is a list of statements, one per line, with `#` comments. The grammar, in EBNF:
//
//	File      = { Statement } .
//	Statement = Const | Block | Line .
//	Const     = "const" ident "=" Value EOL .
//	Block     = ident "{" { Line } "}" EOL .                     (init, train, augment)
//	Line      = [ ident ":" ] ( HeadCall | ident ) { Value } [ "->" Shape ] EOL .
//	Value     = Call | shape | number | string | ident .
//	Call      = ident "(" [ Value { "," Value } ] ")" .
//	Shape     = shape | number .                                (96x55x55, or 4096)
//	HeadCall  = ident "(" [ Arg { "," Arg } [ "," ] ] ")" .      (an error: see below)
//	Arg       = [ ident "=" ] ( Value | "(" Value { "," Value } ")" ) .
//
// A Line's words are read against a schema by the compiler: the first word is the layer's op or
// the setting's name, and the rest are its positional value and `key value` pairs, for example
//
//	conv1: conv 96 kernel 11 stride 4 -> 96x55x55
//
// A HeadCall, `conv1: Conv2d(3, 96, kernel_size=11, stride=4)`, is how Python frameworks write a
// layer. No valid line has one; the grammar takes it so that the compiler can report it at the
// call, naming the netc op and the line to write instead, rather than a bare syntax error.
//
// Every AST node records its position, and every error is an Error at a position.
//
// Format lays a spec out canonically, as specs/alexnet.net is written (`netc fmt`): it prints
// the AST, one statement per line with its columns aligned, and keeps the comments and blank
// lines that the parser skips by reading them from the lexer's tokens.
package dsl
