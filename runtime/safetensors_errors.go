package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file keeps the messages of the safetensors readers short whatever the file holds:
// a name or other text from it is cut to a few dozen bytes, a list of numbers to a few
// numbers, and of a million errors of one kind only the first few are listed.

// maxQuoted is the most bytes of a name or other text from a file that a message shows;
// longer ones are cut, with an ellipsis.
const maxQuoted = 40

// maxListed is the most errors of one kind, and the most numbers of a shape, a message lists
// before it only counts the rest.
const maxListed = 10

// named returns a name as messages show it: as it is if it is printable, quoted as in Go
// otherwise (so that a newline in a name cannot begin a line of the message); cut to
// maxQuoted bytes, with "…", if longer.
func named(s string) string {
	t, cut := clip(s)
	if t == "" || !utf8.ValidString(t) || strings.IndexFunc(t, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		t = strconv.Quote(t)
	}
	if cut {
		t += "…"
	}
	return t
}

// quoted returns s quoted as in Go, cut to maxQuoted bytes, with "…" after the closing
// quote, if longer.
func quoted(s string) string {
	t, cut := clip(s)
	t = strconv.Quote(t)
	if cut {
		t += "…"
	}
	return t
}

// clip returns s cut to at most maxQuoted bytes, at the start of a character, and whether
// it cut anything.
func clip(s string) (string, bool) {
	if len(s) <= maxQuoted {
		return s, false
	}
	n := maxQuoted
	for n > maxQuoted-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// dims formats a shape or offsets as %v does, [2 3], but lists at most maxListed numbers:
// [1 1 1 1 1 1 1 1 1 1 … and 90 more].
func dims[T int | int64](v []T) string {
	b := []byte{'['}
	for i, d := range v[:min(len(v), maxListed)] {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	if len(v) > maxListed {
		b = fmt.Appendf(b, " … and %s more", commas(len(v)-maxListed))
	}
	return string(append(b, ']'))
}

// commas formats n ≥ 0 with its digits in groups of three: 1,000,000.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// errorList collects the errors found in one file, sorted by the name each is about. A
// file may hold a great many of one kind (a million tensors the model has no param for), so
// of each kind it keeps the maxListed first by name, and counts the rest.
type errorList struct {
	kinds []errorKind
}

type errorKind struct {
	more  string   // what the errors of this kind are, to count those not listed: "params missing from file"
	names []string // of the errors kept, sorted
	msgs  []string // the messages of the errors kept, in the order of names
	n     int      // the errors added
}

// add adds an error of the kind more describes about name; msg, which returns its message,
// is called only if it is kept.
func (l *errorList) add(more, name string, msg func() string) {
	i := slices.IndexFunc(l.kinds, func(k errorKind) bool { return k.more == more })
	if i < 0 {
		i = len(l.kinds)
		l.kinds = append(l.kinds, errorKind{more: more})
	}
	k := &l.kinds[i]
	k.n++
	at, _ := slices.BinarySearch(k.names, name)
	if at >= maxListed {
		return
	}
	if len(k.names) == maxListed {
		k.names, k.msgs = k.names[:maxListed-1], k.msgs[:maxListed-1]
	}
	k.names = slices.Insert(k.names, at, name)
	k.msgs = slices.Insert(k.msgs, at, msg())
}

// err returns the errors kept, sorted, then for each kind with more than it kept, a line
// counting the others; nil if there were none.
func (l *errorList) err() error {
	var lines []string
	for _, k := range l.kinds {
		lines = append(lines, k.msgs...)
	}
	if len(lines) == 0 {
		return nil
	}
	slices.Sort(lines)
	for _, k := range l.kinds {
		if k.n > len(k.msgs) {
			lines = append(lines, fmt.Sprintf("safetensors: … and %s more %s", commas(k.n-len(k.msgs)), k.more))
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}
