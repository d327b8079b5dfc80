package dsl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// File is a whole spec.
type File struct {
	Pos   lexer.Position
	Stmts []*Stmt `parser:"EOL* ( @@ EOL+ )*"`
}

// Stmt is one top-level statement: a constant, a settings block or a line.
type Stmt struct {
	Pos   lexer.Position
	Const *Const `parser:"  'const' @@"`
	Block *Block `parser:"| @@"`
	Line  *Line  `parser:"| @@"`
}

// Const names a value: `const std = 0.01`.
type Const struct {
	Pos   lexer.Position
	Name  string `parser:"@Ident '='"`
	Value *Value `parser:"@@"`
}

// Block groups settings lines under a name: `train { … }`.
type Block struct {
	Pos   lexer.Position
	Name  string  `parser:"@Ident '{' EOL*"`
	Lines []*Line `parser:"( @@ EOL* )* '}'"`
}

// Line is a layer or a setting: an optional label, a head word, values, and an optional expected
// output shape. `conv1: conv 96 kernel 11 stride 4 -> 96x55x55` has Label "conv1", Head "conv".
//
// A line whose head is a call, `conv1: Conv2d(3, 96, 11, stride=4)`, as Python frameworks write
// layers, has Call instead of Head. No netc line is one: the parser accepts it so that the
// compiler, which knows the ops, can say at the call what to write instead.
type Line struct {
	Pos    lexer.Position
	Label  string        `parser:"( @Ident ':' )?"`
	Call   *HeadCall     `parser:"( @@"`
	Head   string        `parser:"| @Ident )"`
	Args   []*Value      `parser:"@@*"`
	Expect *Shape        `parser:"( Arrow @@ )?"`
	Tokens []lexer.Token // what the line is made of, which WordPos reads
}

// Word is the line's head word, or the name of the call in its head.
func (l *Line) Word() string {
	if l.Call != nil {
		return l.Call.Name
	}
	return l.Head
}

// WordPos is the position of the line's head word (after its label, if any), where a message
// about the word belongs.
func (l *Line) WordPos() Pos {
	if l.Call != nil {
		return l.Call.Pos
	}
	toks := l.Tokens
	if l.Label != "" {
		for i, t := range toks {
			if t.Value == ":" {
				toks = toks[i+1:]
				break
			}
		}
	}
	for _, t := range toks {
		if t.Value == l.Head {
			return t.Pos
		}
	}
	return l.Pos
}

// HeadCall is a call where a line's head word belongs: Conv2d(3, 96, kernel_size=(11, 11)).
type HeadCall struct {
	Pos  lexer.Position
	Name string `parser:"@Ident '('"`
	Args []*Arg `parser:"( @@ ( ',' @@ )* ','? )? ')'"`
}

// Arg is one argument of a HeadCall: a value or a tuple of values, perhaps named (stride=4).
type Arg struct {
	Pos   lexer.Position
	Key   string   `parser:"( @Ident '=' )?"`
	Value *Value   `parser:"( @@"`
	Tuple []*Value `parser:"| '(' @@ ( ',' @@ )* ')' )"`
}

// String renders the call as written, normalised: Conv2d(3, 96, kernel_size=(11, 11)).
func (c *HeadCall) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	return c.Name + "(" + strings.Join(args, ", ") + ")"
}

// String renders the argument as written: kernel_size=(11, 11).
func (a *Arg) String() string {
	var s string
	if a.Tuple != nil {
		vs := make([]string, len(a.Tuple))
		for i, v := range a.Tuple {
			vs[i] = v.String()
		}
		s = "(" + strings.Join(vs, ", ") + ")"
	} else {
		s = a.Value.String()
	}
	if a.Key != "" {
		s = a.Key + "=" + s
	}
	return s
}

// Value is one word of a line: a call such as normal(0.01), a shape such as 5x3, a number, a
// quoted string or a bare identifier.
type Value struct {
	Pos    lexer.Position
	Call   *Call   `parser:"  @@"`
	Shape  *string `parser:"| @Shape"`
	Number *string `parser:"| @Number"`
	Str    *string `parser:"| @String"`
	Ident  *string `parser:"| @Ident"`
}

// Call is a function-like value: `kaiming(fan_out)`.
type Call struct {
	Pos  lexer.Position
	Name string   `parser:"@Ident '('"`
	Args []*Value `parser:"( @@ ( ',' @@ )* )? ')'"`
}

// Shape is an expected output shape: `96x55x55`, or a single number for a flat output.
type Shape struct {
	Pos  lexer.Position
	Text string `parser:"@( Shape | Number )"`
}

// Dims parses the shape's text into its dimensions.
func (s *Shape) Dims() ([]int, error) { return ParseDims(s.Text) }

// ParseDims parses "96x55x55" (or "96×55×55", or "4096") into dimensions, each a non-negative
// int32; callers check their own ranges.
func ParseDims(text string) ([]int, error) {
	parts := strings.FieldsFunc(text, func(r rune) bool { return r == 'x' || r == '×' })
	dims := make([]int, 0, len(parts))
	for _, p := range parts {
		d, err := strconv.ParseInt(p, 10, 32)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not a size", p)
		}
		dims = append(dims, int(d))
	}
	if len(dims) == 0 {
		return nil, fmt.Errorf("%q is not a shape", text)
	}
	return dims, nil
}

// String renders the value as it would be written in a spec.
func (v *Value) String() string {
	switch {
	case v.Call != nil:
		args := make([]string, len(v.Call.Args))
		for i, a := range v.Call.Args {
			args[i] = a.String()
		}
		return v.Call.Name + "(" + strings.Join(args, ", ") + ")"
	case v.Shape != nil:
		return *v.Shape
	case v.Number != nil:
		return *v.Number
	case v.Str != nil:
		return *v.Str
	case v.Ident != nil:
		return *v.Ident
	}
	return ""
}

// Kind names the kind of value for messages: "number", "shape", "string", "name" or "call".
func (v *Value) Kind() string {
	switch {
	case v.Call != nil:
		return "call"
	case v.Shape != nil:
		return "shape"
	case v.Number != nil:
		return "number"
	case v.Str != nil:
		return "string"
	}
	return "name"
}
