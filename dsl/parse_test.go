package dsl

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse checks what the parser makes of each form of statement.
func TestParse(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name, src string
		want      *Stmt
	}{
		{"setting", "network alexnet", &Stmt{Line: &Line{Head: "network", Args: []*Value{{Ident: str("alexnet")}}}}},
		{"shape", "input 3x227x227", &Stmt{Line: &Line{Head: "input", Args: []*Value{{Shape: str("3x227x227")}}}}},
		{"unicode shape", "input 3×227×227", &Stmt{Line: &Line{Head: "input", Args: []*Value{{Shape: str("3×227×227")}}}}},
		{"const", "const std = 0.01", &Stmt{Const: &Const{Name: "std", Value: &Value{Number: str("0.01")}}}},
		{"labelled layer", "conv1: conv 96 kernel 11 stride 4 -> 96x55x55", &Stmt{Line: &Line{Label: "conv1", Head: "conv",
			Args:   []*Value{{Number: str("96")}, {Ident: str("kernel")}, {Number: str("11")}, {Ident: str("stride")}, {Number: str("4")}},
			Expect: &Shape{Text: "96x55x55"}}}},
		{"arrow", "fc 10 → 10", &Stmt{Line: &Line{Head: "fc", Args: []*Value{{Number: str("10")}}, Expect: &Shape{Text: "10"}}}},
		{"numbers", "lrn size 5 alpha 1e-4 beta .75 k -2 paper", &Stmt{Line: &Line{Head: "lrn", Args: []*Value{
			{Ident: str("size")}, {Number: str("5")}, {Ident: str("alpha")}, {Number: str("1e-4")}, {Ident: str("beta")},
			{Number: str(".75")}, {Ident: str("k")}, {Number: str("-2")}, {Ident: str("paper")}}}}},
		{"call", "weight kaiming(fan_out)", &Stmt{Line: &Line{Head: "weight", Args: []*Value{
			{Call: &Call{Name: "kaiming", Args: []*Value{{Ident: str("fan_out")}}}}}}}},
		{"call with args", `x f(1, "a")`, &Stmt{Line: &Line{Head: "x", Args: []*Value{
			{Call: &Call{Name: "f", Args: []*Value{{Number: str("1")}, {Str: str(`"a"`)}}}}}}}},
		{"block", "train {\n  batch 128 # a comment\n\n  epochs 90\n}", &Stmt{Block: &Block{Name: "train", Lines: []*Line{
			{Head: "batch", Args: []*Value{{Number: str("128")}}}, {Head: "epochs", Args: []*Value{{Number: str("90")}}}}}}},
		{"head call", "conv1: Conv2d(3, 96, kernel_size=(11, 11), stride=4,)", &Stmt{Line: &Line{Label: "conv1", Call: &HeadCall{
			Name: "Conv2d", Args: []*Arg{{Value: &Value{Number: str("3")}}, {Value: &Value{Number: str("96")}},
				{Key: "kernel_size", Tuple: []*Value{{Number: str("11")}, {Number: str("11")}}}, {Key: "stride", Value: &Value{Number: str("4")}}}}}}},
		{"empty head call", "ReLU()", &Stmt{Line: &Line{Call: &HeadCall{Name: "ReLU"}}}},
		{"one-line block", "init { bias 0 }", &Stmt{Block: &Block{Name: "init", Lines: []*Line{
			{Head: "bias", Args: []*Value{{Number: str("0")}}}}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, errs := Parse("t.net", []byte("# leading comment\n"+c.src))
			require.NoError(t, errs.Err())
			require.Len(t, f.Stmts, 1)
			assert.Equal(t, strip(c.want), strip(f.Stmts[0]))
		})
	}
}

// TestPositions checks that nodes keep their positions.
func TestPositions(t *testing.T) {
	f, errs := Parse("t.net", []byte("network x\n\nconv1: conv 96 kernel 11 -> 96x55x55\n"))
	require.NoError(t, errs.Err())
	l := f.Stmts[1].Line
	assert.Equal(t, Pos{Filename: "t.net", Offset: 11, Line: 3, Column: 1}, l.Pos)
	assert.Equal(t, 13, l.Args[0].Pos.Column)
	assert.Equal(t, 3, l.Args[2].Pos.Line)
	assert.Equal(t, 29, l.Expect.Pos.Column)

	f, errs = Parse("t.net", []byte("conv1:  conv2d(3,16,3)\n"))
	require.NoError(t, errs.Err())
	assert.Equal(t, 9, f.Stmts[0].Line.WordPos().Column, "a head call is at its name")
	assert.Equal(t, 8, l.WordPos().Column)

	f, errs = Parse("t.net", []byte("relu: relu\n  tanh # tanh\n"))
	require.NoError(t, errs.Err())
	assert.Equal(t, 7, f.Stmts[0].Line.WordPos().Column, "the head, not the label of the same name")
	assert.Equal(t, Pos{Filename: "t.net", Offset: 13, Line: 2, Column: 3}, f.Stmts[1].Line.WordPos())
}

// TestSyntaxErrors checks that every bad line is reported, at its position, sorted.
func TestSyntaxErrors(t *testing.T) {
	src := "network x\nconv1 conv ( 11\nok: relu\nfoo: : bar\nfc 10 -> -> 3\ntrain {\n"
	_, errs := Parse("t.net", []byte(src))
	require.Len(t, errs, 4)
	for i, want := range []string{
		`t.net:2:16: syntax error: unexpected end of line`, // in the call conv( 11
		`t.net:4:6: syntax error: unexpected ":"`,
		`t.net:5:10: syntax error: unexpected "->"`,
		`t.net:7:1: syntax error: unexpected end of file`,
	} {
		assert.True(t, strings.HasPrefix(errs[i].Error(), want), "got %q, want %q…", errs[i], want)
	}
}

// TestSyntaxHints checks that a syntax error in a form other languages write says, at the
// offending token, what to write instead.
func TestSyntaxHints(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"c1: conv 16 kernel=3 stride=1", `t.net:1:19: syntax error: unexpected "=": a setting is a key and its value, without "=": write kernel 3`},
		{"weight normal(std=0.01)", `t.net:1:18: syntax error: unexpected "=": a call's arguments are values alone, without names: normal(0.01)`},
		{"c: conv 8 kernel 3 weight normal(std=0.01)", `t.net:1:33: syntax error: unexpected "(": a call's arguments are values alone, without names: normal(0.01)`},
		{"c2: nn.Conv2d(3, 8, 3)", `t.net:1:7: syntax error: unexpected character '.': names have no dots; for nn.Conv2d(…), write a netc op and its settings, such as conv 16 kernel 3`},
		{"conv1.relu: relu", `t.net:1:6: syntax error: unexpected character '.': conv1.relu is not a name: names have no dots`},
		{"const a = = 3", `t.net:1:11: syntax error: unexpected "="`},
	} {
		_, errs := Parse("t.net", []byte(c.src+"\n"))
		require.Len(t, errs, 1, c.src)
		assert.Equal(t, c.want, errs[0].Error())
	}
}

func TestLimits(t *testing.T) {
	_, errs := Parse("t.net", []byte("x "+strings.Repeat("f(", 100)))
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "t.net:1:")
	assert.Contains(t, errs[0].Error(), "nest deeper than 8 levels")

	_, errs = Parse("t.net", make([]byte, MaxSize+1))
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "the limit is")

	_, errs = Parse("t.net", []byte(strings.Repeat("a b ( \n", 100)))
	assert.Len(t, errs, maxSyntaxErrors)
}

func TestParseDims(t *testing.T) {
	d, err := ParseDims("96x55x55")
	require.NoError(t, err)
	assert.Equal(t, []int{96, 55, 55}, d)
	_, err = ParseDims("99999999999x1")
	assert.Error(t, err)
}

// strip zeroes positions so that ASTs compare by content.
func strip[T any](v T) T {
	switch x := any(v).(type) {
	case *Stmt:
		x.Pos = Pos{}
		if x.Const != nil {
			x.Const.Pos = Pos{}
			strip(x.Const.Value)
		}
		if x.Line != nil {
			strip(x.Line)
		}
		if x.Block != nil {
			x.Block.Pos = Pos{}
			for _, l := range x.Block.Lines {
				strip(l)
			}
		}
	case *Line:
		x.Pos, x.Tokens = Pos{}, nil
		if x.Call != nil {
			x.Call.Pos = Pos{}
			for _, a := range x.Call.Args {
				a.Pos = Pos{}
				if a.Value != nil {
					strip(a.Value)
				}
				for _, v := range a.Tuple {
					strip(v)
				}
			}
		}
		for _, a := range x.Args {
			strip(a)
		}
		if x.Expect != nil {
			x.Expect.Pos = Pos{}
		}
	case *Value:
		x.Pos = Pos{}
		if x.Call != nil {
			x.Call.Pos = Pos{}
			for _, a := range x.Call.Args {
				strip(a)
			}
		}
	}
	return v
}
