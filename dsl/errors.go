package dsl

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Pos is a position in a spec: file name, byte offset, line and column (1-based).
type Pos = lexer.Position

// Error is one diagnostic at a position in a spec.
type Error struct {
	Pos Pos
	Msg string
}

// Error formats the diagnostic as file:line:col: message.
func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		if e.Pos.Filename == "" {
			return e.Msg
		}
		return e.Pos.Filename + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg)
}

// ErrorList is a list of diagnostics; the zero value is empty and ready to use.
type ErrorList []*Error

// Add appends a diagnostic at pos.
//
// A message is at most maxMessage runes: a longer one, which only a huge literal quoted whole
// could make, keeps its start and its end around an ellipsis. Callers quote literals with Short.
func (l *ErrorList) Add(pos Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r := []rune(msg); len(r) > maxMessage {
		msg = string(r[:maxMessage*2/3]) + " … " + string(r[len(r)-maxMessage/3:])
	}
	*l = append(*l, &Error{Pos: pos, Msg: msg})
}

// maxMessage bounds the runes of one error message.
const maxMessage = 600

// Short returns s as a message should quote it: whole up to a few dozen runes, else its start, an
// ellipsis and its length, so that a megabyte of digits does not make a megabyte of message.
func Short(s string) string {
	const limit, keep = 48, 32
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return fmt.Sprintf("%s… (%d characters)", string(r[:keep]), len(r))
}

// Sort orders the list by file, line and column, keeping the order of errors at one position.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// Error joins the diagnostics one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns the list sorted as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}
