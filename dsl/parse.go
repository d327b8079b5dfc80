package dsl

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// MaxSize bounds a spec's size; larger files are refused before parsing.
const MaxSize = 1 << 20

// maxNesting bounds how deeply calls may nest: normal(…) needs one level.
const maxNesting = 8

// maxSyntaxErrors bounds how many syntax errors one parse reports.
const maxSyntaxErrors = 20

var (
	specLexer = lexer.MustSimple([]lexer.SimpleRule{
		{Name: "Comment", Pattern: `#[^\n]*`},
		{Name: "EOL", Pattern: `\n`},
		{Name: "Whitespace", Pattern: `[ \t\r]+`},
		{Name: "Arrow", Pattern: `->|→`},
		{Name: "Shape", Pattern: `[0-9]+(?:[x×][0-9]+)+`},
		{Name: "Number", Pattern: `[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?`},
		{Name: "String", Pattern: `"(?:\\.|[^"\\\n])*"`},
		{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Punct", Pattern: `[{}():,=]`},
	})
	parser = participle.MustBuild[File](
		participle.Lexer(specLexer),
		participle.Elide("Comment", "Whitespace"),
		participle.UseLookahead(3),
	)
)

// Parse parses a spec. It reports every syntax error it can find, each at its position: after an
// error it blanks the offending line and parses again, so later lines are still checked. The
// returned File holds what parsed (nil when nothing did).
func Parse(filename string, src []byte) (*File, ErrorList) {
	var errs ErrorList
	if len(src) > MaxSize {
		errs.Add(Pos{Filename: filename}, "spec is %d bytes; the limit is %d", len(src), MaxSize)
		return nil, errs
	}
	if pos, ok := checkNesting(filename, src); !ok {
		errs.Add(pos, "calls nest deeper than %d levels", maxNesting)
		return nil, errs
	}
	src = bytes.TrimPrefix(src, []byte("\ufeff")) // a byte-order mark some editors write
	buf := make([]byte, len(src), len(src)+1)
	copy(buf, src)
	if len(buf) == 0 || buf[len(buf)-1] != '\n' {
		buf = append(buf, '\n') // every statement ends with a newline
	}
	blanked := map[int]bool{}
	for {
		file, err := parser.ParseBytes(filename, buf)
		if err == nil {
			if len(errs) > 0 {
				return file, errs
			}
			return file, nil
		}
		pos, msg := describe(err)
		pos.Filename = filename
		errs.Add(pos, "%s%s", msg, hint(buf, pos))
		if len(errs) >= maxSyntaxErrors || blanked[pos.Line] || !blankLine(buf, pos.Line) {
			return nil, errs
		}
		blanked[pos.Line] = true
	}
}

// describe turns a participle error into a position and a message in our style.
func describe(err error) (Pos, string) {
	var perr participle.Error
	if errors.As(err, &perr) {
		msg := perr.Message()
		var ut *participle.UnexpectedTokenError
		if errors.As(err, &ut) {
			msg = "unexpected " + tokenName(ut.Unexpected)
			if ut.Expect != "" {
				msg += fmt.Sprintf(" (expected %s)", ut.Expect)
			}
		}
		if _, text, ok := strings.Cut(msg, "invalid input text "); ok {
			if q, err := strconv.Unquote(text); err == nil && q != "" {
				r, _ := utf8.DecodeRuneInString(q)
				msg = fmt.Sprintf("unexpected character %q", r)
			}
		}
		return perr.Position(), "syntax error: " + msg
	}
	return Pos{}, "syntax error: " + err.Error()
}

// Patterns around a syntax error that say what was meant: kernel=3, nn.Conv2d.
var (
	keyBefore   = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*$`)
	valueAfter  = regexp.MustCompile(`^\s*([^\s,()=#]+)`)
	nameAfter   = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_.]*)`)
	constBefore = regexp.MustCompile(`^\s*const\b`)
	namedArg    = regexp.MustCompile(`^[^)]*\b[A-Za-z_][A-Za-z0-9_]*\s*=`)
)

// hint adds to a syntax error at pos in buf what the text there was probably meant to be, for
// the forms other languages write: a setting with "=" (kernel=3), a dotted name (nn.Conv2d).
func hint(buf []byte, pos Pos) string {
	if pos.Offset < 0 || pos.Offset >= len(buf) {
		return ""
	}
	start := bytes.LastIndexByte(buf[:pos.Offset], '\n') + 1
	end := bytes.IndexByte(buf[pos.Offset:], '\n')
	if end < 0 {
		end = len(buf) - pos.Offset
	}
	end += pos.Offset
	before, after := string(buf[start:pos.Offset]), string(buf[min(pos.Offset+1, end):end])
	k := keyBefore.FindStringSubmatch(before)
	switch buf[pos.Offset] {
	case '=':
		if strings.Count(before, "(") > strings.Count(before, ")") {
			return ": a call's arguments are values alone, without names: normal(0.01)"
		}
		if v := valueAfter.FindStringSubmatch(after); k != nil && v != nil && !constBefore.MatchString(before) {
			return fmt.Sprintf(": a setting is a key and its value, without \"=\": write %s %s", Short(k[1]), Short(v[1]))
		}
	case '(':
		if namedArg.MatchString(after) {
			return ": a call's arguments are values alone, without names: normal(0.01)"
		}
	case '.':
		n := nameAfter.FindStringSubmatch(after)
		if k == nil || n == nil {
			break
		}
		name := Short(k[1] + "." + n[1])
		if strings.HasPrefix(strings.TrimSpace(after[len(n[1]):]), "(") {
			return fmt.Sprintf(": names have no dots; for %s(…), write a netc op and its settings, such as conv 16 kernel 3", name)
		}
		return fmt.Sprintf(": %s is not a name: names have no dots", name)
	}
	return ""
}

// tokenName describes a token for a message: end of line and file by name, others quoted.
func tokenName(t lexer.Token) string {
	switch {
	case t.EOF():
		return "end of file"
	case t.Value == "\n":
		return "end of line"
	}
	return fmt.Sprintf("%q", Short(t.Value))
}

// blankLine replaces the text of line n (1-based) with spaces, keeping every offset and position
// of the rest of the file. It reports whether there was such a line with text on it.
func blankLine(buf []byte, n int) bool {
	if n < 1 {
		return false
	}
	start := 0
	for line := 1; line < n; line++ {
		i := bytes.IndexByte(buf[start:], '\n')
		if i < 0 {
			return false
		}
		start += i + 1
	}
	end := bytes.IndexByte(buf[start:], '\n')
	if end < 0 {
		end = len(buf) - start
	}
	changed := false
	for i := start; i < start+end; i++ {
		if buf[i] != ' ' {
			buf[i] = ' '
			changed = true
		}
	}
	return changed
}

// checkNesting refuses parentheses nested deeper than maxNesting, which would otherwise let a
// hostile spec drive the recursive parser arbitrarily deep.
func checkNesting(filename string, src []byte) (Pos, bool) {
	depth, line, col := 0, 1, 1
	for _, c := range src {
		switch c {
		case '(':
			depth++
			if depth > maxNesting {
				return Pos{Filename: filename, Line: line, Column: col}, false
			}
		case ')':
			depth--
		case '\n':
			depth, line, col = 0, line+1, 0
		}
		col++
	}
	return Pos{}, true
}
