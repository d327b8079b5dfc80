package dsl

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Format returns the canonical layout of a spec, the layout specs/alexnet.net is written in. A
// spec with syntax errors is not formatted: Format returns its errors instead. Formatting keeps
// every comment and the meaning: the result parses to the same statements, and formatting it
// again changes nothing.
//
// The layout:
//
//   - One statement per line, words one space apart, calls written normal(0.01) and f(1, 2);
//     a block's settings on lines of their own between `name {` and `}`.
//   - Layer lines: a run of them (any other statement ends it, blank lines and comments do not)
//     writes its op words in one column, one space after the longest `label:`; an unlabelled
//     line that continues a layer starts in that column. (Which lines those are is syntax: any
//     unlabelled line after a layer line, so a network setting written among the layers is
//     indented as one; the dsl package knows no keywords.) Their `-> shape`s share one column,
//     the first multiple of 8 at least two past the longest line that has one, so that editing
//     a line seldom moves every arrow.
//   - A block's settings are indented 4 spaces, their values in one column, one space after
//     the longest key.
//   - Other statements (network, input, classes, const, …) start in column 0.
//   - Comments keep their text. A whole-line comment is indented as the line after it (4 in a
//     block); a trailing comment goes two spaces after its line, in one column with those of
//     the adjacent lines.
//   - Blank lines are kept, a run of them as one, none at the start or end of the file or of a
//     block. Lines end in \n, without trailing spaces; there is no byte-order mark.
//   - Words are kept as written: numbers, strings, shapes with x or ×. Only the arrow, which is
//     punctuation and not part of any value, is always written `->`.
func Format(filename string, src []byte) ([]byte, ErrorList) {
	f, errs := Parse(filename, src)
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	lex, err := specLexer.LexString(filename, string(src))
	var toks []lexer.Token
	if err == nil {
		toks, err = lexer.ConsumeAll(lex)
	}
	if err != nil { // not after a parse that succeeded, but not a panic either
		pos, msg := describe(err)
		pos.Filename = filename
		errs.Add(pos, "%s", msg)
		return nil, errs
	}
	rs := rows(f, toks)
	align(rs)
	out, ok := render(rs)
	if !ok {
		errs.Add(Pos{Filename: filename}, "the formatted spec would be larger than the limit of %d bytes", MaxSize)
		return nil, errs
	}
	return out, nil
}

// A row is one line of the formatted spec: a statement, a block's brace or setting, or a
// whole-line comment.
type row struct {
	kind   rowKind
	pos    Pos    // where it starts in the source
	line   *Line  // the line of a layer, continuation, setting or header
	text   string // the text of a const, brace or comment
	note   string // a trailing comment, or ""
	indent int    // a whole-line comment's indentation
	cols   *cols  // the columns shared with the rest of its run of layer lines, or of its block
}

type rowKind int

const (
	header   rowKind = iota // an unlabelled line that continues no layer: network, input, …
	layer                   // a labelled line
	cont                    // an unlabelled line after a layer line: the layer's relu, …
	setting                 // a line in a block
	constant                // a const
	open                    // a block's `name {`
	closing                 // a block's `}`
	comment                 // a whole-line comment
)

// cols are the columns a run of layer lines, or a block's settings, align: key is where a layer's
// op word or a setting's value starts, arrow where a layer's `->` does.
type cols struct{ key, arrow int }

// commentToken is the type of a comment's token.
var commentToken = specLexer.Symbols()["Comment"]

// rows lists the formatted spec's rows in source order: statements, block braces and settings
// from the AST, whole-line comments from the tokens. A trailing comment is its row's note.
func rows(f *File, toks []lexer.Token) []*row {
	var rs []*row
	next := 0 // the next token to look at for a block's `}`
	for _, s := range f.Stmts {
		switch {
		case s.Const != nil:
			rs = append(rs, &row{kind: constant, pos: s.Pos, text: "const " + s.Const.Name + " = " + s.Const.Value.String()})
		case s.Block != nil:
			rs = append(rs, &row{kind: open, pos: s.Pos, text: s.Block.Name + " {"})
			for _, l := range s.Block.Lines {
				rs = append(rs, &row{kind: setting, pos: l.Pos, line: l})
			}
			// The block's `}` is the first after its start: lines hold none, and blocks do not nest.
			for next < len(toks) && (toks[next].Pos.Offset < s.Pos.Offset || toks[next].Value != "}") {
				next++
			}
			rs = append(rs, &row{kind: closing, pos: toks[next].Pos, text: "}"})
		case s.Line.Label != "":
			rs = append(rs, &row{kind: layer, pos: s.Pos, line: s.Line})
		default:
			rs = append(rs, &row{kind: header, pos: s.Pos, line: s.Line})
		}
	}
	var out []*row
	i := 0
	for _, t := range toks {
		if t.Type != commentToken {
			continue
		}
		for ; i < len(rs) && rs[i].pos.Offset < t.Pos.Offset; i++ {
			out = append(out, rs[i])
		}
		text := strings.TrimRightFunc(t.Value, unicode.IsSpace)
		if n := len(out); n > 0 && out[n-1].pos.Line == t.Pos.Line {
			out[n-1].note = text
		} else {
			out = append(out, &row{kind: comment, pos: t.Pos, text: text})
		}
	}
	return append(out, rs[i:]...)
}

// align finds the continuation lines, gives each run of layer lines and each block its columns,
// and indents whole-line comments as the rows after them.
func align(rs []*row) {
	var run, block *cols // the current run of layer lines and block, nil outside one
	for _, r := range rs {
		switch r.kind {
		case layer:
			if run == nil {
				run = &cols{}
			}
			r.cols = run
			run.key = max(run.key, width(r.line.Label)+2)
		case header:
			if run != nil {
				r.kind, r.cols = cont, run
			}
		case open:
			run, block = nil, &cols{}
		case setting:
			r.cols = block
			if len(r.line.Args) > 0 {
				block.key = max(block.key, width(key(r.line))+1)
			}
		case constant:
			run = nil
		}
	}
	for _, r := range rs {
		if (r.kind == layer || r.kind == cont) && r.line.Expect != nil {
			lead := r.cols.key + width(r.words()) // width(r.lead()), without padding a huge label
			r.cols.arrow = max(r.cols.arrow, (lead+2+7)/8*8)
		}
	}
	indent := 0 // of the row after the comment
	for i := len(rs) - 1; i >= 0; i-- {
		switch r := rs[i]; r.kind {
		case comment:
			r.indent = indent
		case cont:
			indent = r.cols.key
		case setting, closing: // a comment before `}` is in the block
			indent = 4
		default:
			indent = 0
		}
	}
}

// key is a setting's key: its name, and the label a block's line may have (the compiler rejects
// it, but the formatter keeps it).
func key(l *Line) string {
	if l.Label != "" {
		return l.Label + ": " + head(l)
	}
	return head(l)
}

// head is a line's head as written: its word, or the call a line written as Python frameworks
// write layers has there (which the compiler rejects, saying what to write).
func head(l *Line) string {
	if l.Call != nil {
		return l.Call.String()
	}
	return l.Head
}

// words is a row's line without its label or `-> shape`, and without a setting's key.
func (r *row) words() string {
	words := make([]string, 0, len(r.line.Args)+1)
	if r.kind != setting {
		words = append(words, head(r.line))
	}
	for _, a := range r.line.Args {
		words = append(words, a.String())
	}
	return strings.Join(words, " ")
}

// lead is a row's text before its `->`.
func (r *row) lead() string {
	text := r.words()
	switch r.kind {
	case layer:
		return pad(r.line.Label+":", r.cols.key) + text
	case cont:
		return pad("", r.cols.key) + text
	case setting:
		if text == "" {
			return "    " + key(r.line)
		}
		return "    " + pad(key(r.line), r.cols.key) + text
	}
	return text
}

// String is the row's text, without its note.
func (r *row) String() string {
	if r.line == nil {
		return strings.Repeat(" ", r.indent) + r.text
	}
	s := r.lead()
	switch {
	case r.line.Expect == nil:
		return s
	case r.kind == layer || r.kind == cont:
		return pad(s, r.cols.arrow) + "-> " + r.line.Expect.Text
	}
	return s + " -> " + r.line.Expect.Text
}

// render writes the rows, one line each: blank lines where the source had some (except at a
// block's start and end), notes two spaces after their rows in a column with those of the
// adjacent lines. It reports false, having stopped, when the result would exceed MaxSize.
func render(rs []*row) ([]byte, bool) {
	type line struct{ text, note string } // a blank line is the zero line
	var lines []line
	size := 0 // of the result but for the notes' padding
	for i, r := range rs {
		if i > 0 && r.pos.Line > rs[i-1].pos.Line+1 && rs[i-1].kind != open && r.kind != closing {
			lines = append(lines, line{})
			size++
		}
		l := line{r.String(), r.note}
		size += len(l.text) + 1
		if l.note != "" {
			size += 2 + len(l.note)
		}
		if size > MaxSize {
			return nil, false
		}
		lines = append(lines, l)
	}
	var b bytes.Buffer
	for i := 0; i < len(lines); {
		j, w := i, 0 // lines[i:j] have notes, aligned at w
		for ; j < len(lines) && lines[j].note != ""; j++ {
			w = max(w, width(lines[j].text)+2)
		}
		if j == i {
			j++
		}
		for _, l := range lines[i:j] {
			if l.note != "" {
				l.text = pad(l.text, w) + l.note
			}
			if b.Len()+len(l.text) >= MaxSize {
				return nil, false
			}
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
		i = j
	}
	return b.Bytes(), true
}

// width is the number of columns s takes: its runes.
func width(s string) int { return utf8.RuneCountInString(s) }

// pad appends spaces to s up to column n.
func pad(s string, n int) string { return s + strings.Repeat(" ", max(n-width(s), 0)) }
