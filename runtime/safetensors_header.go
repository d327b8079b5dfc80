package runtime

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reads and checks the header of a safetensors file. The header is JSON of a
// fixed form,
//
//	header   = '{' [ member { ',' member } ] '}'
//	member   = string ':' tensor | "__metadata__" ':' metadata
//	tensor   = '{' field { ',' field } '}'                 each field once, all three
//	field    = "dtype" ':' string | "shape" ':' ints | "data_offsets" ':' ints
//	metadata = '{' [ string ':' string { ',' string ':' string } ] '}'
//	ints     = '[' [ integer { ',' integer } ] ']'
//
// with JSON's white space between tokens, so it is parsed by recursive descent straight from
// its bytes: a header of a million entries then costs about what the entries it returns do,
// where a general JSON decoder allocated thirty times the header's size.

// ReadSafetensorsHeader reads the header length and the header from r, leaving r at
// the start of the data buffer, and checks the header: a length of at most 100 MB,
// valid UTF-8 JSON holding one object, no duplicate keys, every tensor with exactly a
// known dtype, a shape of non-negative dimensions and data_offsets [begin, end] whose
// length matches shape × dtype size, and tensors that, sorted by offset, tile the data
// buffer from 0 with no gap or overlap. It does not read the data, so it cannot tell
// whether the file holds all of it, or more.
//
// It takes time and memory linear in the length of the header, and stops at the first
// error, whose message quotes at most a few dozen bytes of the header.
func ReadSafetensorsHeader(r io.Reader) (SafetensorsHeader, error) {
	var length [8]byte
	if n, err := io.ReadFull(r, length[:]); err != nil {
		return SafetensorsHeader{}, readError("the header length", n, 8, err)
	}
	n := binary.LittleEndian.Uint64(length[:])
	if n > maxSafetensorsHeader {
		return SafetensorsHeader{}, fmt.Errorf("safetensors: header length %d is over the limit of %d bytes", n, maxSafetensorsHeader)
	}
	header, err := readGrowing(r, int(n))
	if err != nil {
		return SafetensorsHeader{}, readError("the header", len(header), int64(n), err)
	}
	return parseSafetensorsHeader(header)
}

// readGrowing reads exactly n bytes from r. It grows its buffer as the bytes arrive, so
// that a length field claiming more than r holds costs no more than the bytes there.
func readGrowing(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, chunkBytes))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), len(buf)))
		}
		m, err := io.ReadFull(r, buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// parseSafetensorsHeader parses and checks the JSON header; see ReadSafetensorsHeader.
func parseSafetensorsHeader(header []byte) (SafetensorsHeader, error) {
	var h SafetensorsHeader
	if !utf8.Valid(header) {
		return h, errors.New("safetensors: header is not valid UTF-8")
	}
	s := headerScanner{b: header}
	top := place{part: "top level"}
	if err := s.open('{', top); err != nil {
		return h, err
	}
	// Room for a tensor per "data_offsets" key spelt without escapes: all of them in
	// practice, and at most one per 14 bytes of header however the names are chosen.
	h.Tensors = make([]SafetensorsTensor, 0, bytes.Count(header, []byte(`"data_offsets"`)))
	for first := true; ; first = false {
		more, err := s.next('}', first, top)
		if err != nil {
			return h, err
		}
		if !more {
			break
		}
		key, err := s.key(place{part: "tensor name"})
		if err != nil {
			return h, err
		}
		if string(key) == "__metadata__" {
			if h.Metadata != nil {
				return h, errors.New("safetensors: __metadata__: duplicate key in header")
			}
			if h.Metadata, err = s.metadata(); err != nil {
				return h, err
			}
			continue
		}
		t, err := s.tensor(string(key))
		if err != nil {
			return h, err
		}
		h.Tensors = append(h.Tensors, t)
	}
	s.peek() // past the spaces
	if s.pos < len(s.b) {
		return h, fmt.Errorf("safetensors: header: unexpected %s after the JSON object, at byte %d; only spaces may follow", quoteChar(s.b[s.pos:]), s.pos)
	}

	// Sorted by name, duplicates are neighbours; then sorted by offset, with zero-size
	// tensors that share an offset in name order.
	slices.SortFunc(h.Tensors, func(a, b SafetensorsTensor) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(h.Tensors); i++ {
		if h.Tensors[i].Name == h.Tensors[i-1].Name {
			return h, fmt.Errorf("safetensors: %s: duplicate key in header", named(h.Tensors[i].Name))
		}
	}
	slices.SortFunc(h.Tensors, func(a, b SafetensorsTensor) int {
		return cmp.Or(cmp.Compare(a.DataOffsets[0], b.DataOffsets[0]), cmp.Compare(a.DataOffsets[1], b.DataOffsets[1]), strings.Compare(a.Name, b.Name))
	})
	var end int64
	for i, t := range h.Tensors {
		switch begin := t.DataOffsets[0]; {
		case begin < end:
			return h, fmt.Errorf("safetensors: %s: data_offsets %v overlap those of %s, which end at %d", named(t.Name), t.DataOffsets[:], named(h.Tensors[i-1].Name), end)
		case begin > end:
			return h, fmt.Errorf("safetensors: %s: data_offsets %v leave bytes %d to %d of the data buffer unused", named(t.Name), t.DataOffsets[:], end, begin)
		}
		end = t.DataOffsets[1]
	}
	return h, nil
}

// headerScanner parses a header held whole in b, from pos on, giving errors that say where
// in the header, and what was expected there.
type headerScanner struct {
	b       []byte
	pos     int
	scratch []byte  // the value of the last string with escapes
	ints    []int64 // the last array of integers
}

// place names a place in a header for messages: the entry (a tensor's name, "__metadata__",
// or none at the top level) and the part of it ("dtype", "field name", …).
type place struct{ entry, part string }

func (p place) String() string {
	switch {
	case p.entry == "":
		return p.part
	case p.part == "":
		return named(p.entry)
	}
	return named(p.entry) + ": " + named(p.part)
}

// tensor parses the {"dtype", "shape", "data_offsets"} object of the tensor name and
// checks that its fields agree.
func (s *headerScanner) tensor(name string) (SafetensorsTensor, error) {
	t := SafetensorsTensor{Name: name}
	at := place{entry: name}
	if err := s.open('{', at); err != nil {
		return t, err
	}
	fields := [...]string{"dtype", "shape", "data_offsets"}
	var seen [len(fields)]bool
	for first := true; ; first = false {
		more, err := s.next('}', first, at)
		if err != nil {
			return t, err
		}
		if !more {
			break
		}
		key, err := s.key(place{name, "field name"})
		if err != nil {
			return t, err
		}
		f := -1
		for i, field := range fields {
			if field == string(key) {
				f = i
			}
		}
		switch {
		case f < 0:
			return t, fmt.Errorf("safetensors: %s: unknown field %s; want dtype, shape and data_offsets", named(name), quoted(string(key)))
		case seen[f]:
			return t, fmt.Errorf("safetensors: %s: duplicate field %q", named(name), fields[f])
		}
		seen[f] = true
		switch at := (place{name, fields[f]}); f {
		case 0:
			if s.peek() != '"' {
				return t, s.want("a string", at)
			}
			dtype, err := s.str(at)
			if err != nil {
				return t, err
			}
			t.DType = dtypeName(dtype)
		case 1:
			shape, err := s.intArray(at, strconv.IntSize)
			if err != nil {
				return t, err
			}
			t.Shape = make([]int, len(shape))
			for i, d := range shape {
				t.Shape[i] = int(d)
			}
		case 2:
			offsets, err := s.intArray(at, 64)
			if err != nil {
				return t, err
			}
			if len(offsets) != 2 {
				return t, fmt.Errorf("safetensors: %s: data_offsets %s should be two numbers, [begin, end]", named(name), dims(offsets))
			}
			t.DataOffsets = [2]int64{offsets[0], offsets[1]}
		}
	}
	for f, field := range fields {
		if !seen[f] {
			return t, fmt.Errorf("safetensors: %s: no %s", named(name), field)
		}
	}

	bitsPer, ok := dtypeBits[t.DType]
	if !ok {
		return t, fmt.Errorf("safetensors: %s: unknown dtype %s", named(name), quoted(t.DType))
	}
	offsets := t.DataOffsets
	if offsets[1] < offsets[0] {
		return t, fmt.Errorf("safetensors: %s: data_offsets %v end before they begin", named(name), offsets)
	}
	n, ok := elements(t.Shape)
	hi, bitCount := bits.Mul64(uint64(n), bitsPer)
	if !ok || hi != 0 || bitCount/8 > math.MaxInt64 {
		return t, fmt.Errorf("safetensors: %s: shape %s of %s is too large; its byte size overflows", named(name), dims(t.Shape), t.DType)
	}
	if bitCount%8 != 0 {
		return t, fmt.Errorf("safetensors: %s: shape %s of %s does not fill a whole number of bytes", named(name), dims(t.Shape), t.DType)
	}
	if size := int64(bitCount / 8); offsets[1]-offsets[0] != size {
		return t, fmt.Errorf("safetensors: %s: data_offsets %v span %d bytes, but shape %s of %s needs %d", named(name), offsets, offsets[1]-offsets[0], dims(t.Shape), t.DType, size)
	}
	return t, nil
}

// dtypeNames are the keys of dtypeBits.
var dtypeNames = slices.Sorted(maps.Keys(dtypeBits))

// dtypeName returns the dtype b names, as one of dtypeNames so that a header's thousand
// "F32"s share one string, or as a new string if it is no dtype.
func dtypeName(b []byte) string {
	for _, name := range dtypeNames {
		if name == string(b) {
			return name
		}
	}
	return string(b)
}

// metadata parses the "__metadata__" object, which maps strings to strings.
func (s *headerScanner) metadata() (map[string]string, error) {
	at := place{entry: "__metadata__"}
	if err := s.open('{', at); err != nil {
		return nil, err
	}
	m := make(map[string]string)
	for first := true; ; first = false {
		more, err := s.next('}', first, at)
		if err != nil {
			return nil, err
		}
		if !more {
			return m, nil
		}
		b, err := s.key(place{"__metadata__", "key"})
		if err != nil {
			return nil, err
		}
		k := string(b)
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("safetensors: __metadata__: duplicate key %s", quoted(k))
		}
		at := place{"__metadata__", k}
		if s.peek() != '"' {
			return nil, s.want("a string", at)
		}
		v, err := s.str(at)
		if err != nil {
			return nil, err
		}
		m[k] = string(v)
	}
}

// intArray parses an array of integers in [0, 2^(bitSize-1)), into s.ints.
func (s *headerScanner) intArray(at place, bitSize int) ([]int64, error) {
	if err := s.open('[', at); err != nil {
		return nil, err
	}
	s.ints = s.ints[:0]
	for first := true; ; first = false {
		more, err := s.next(']', first, at)
		if err != nil {
			return nil, err
		}
		if !more {
			return s.ints, nil
		}
		if c := s.peek(); c != '-' && !isDigit(c) {
			return nil, s.want("an integer", at)
		}
		num, err := s.number(at)
		if err != nil {
			return nil, err
		}
		i, err := strconv.ParseInt(string(num), 10, bitSize)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("safetensors: %v: %s is not an integer from 0 to %d", at, named(string(num)), uint64(1)<<(bitSize-1)-1)
		}
		s.ints = append(s.ints, i)
	}
}

// peek skips white space and returns the byte at pos, or 0 at the end of the header.
func (s *headerScanner) peek() byte {
	for ; s.pos < len(s.b); s.pos++ {
		switch c := s.b[s.pos]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// open consumes the '{' or '[' that begins an object or array.
func (s *headerScanner) open(c byte, at place) error {
	if s.peek() != c {
		return s.want(fmt.Sprintf("'%c'", c), at)
	}
	s.pos++
	return nil
}

// next reports whether another member or element follows in the object or array that
// close ends, consuming the ',' before it, or close; first says whether it is the first.
func (s *headerScanner) next(close byte, first bool, at place) (bool, error) {
	switch c := s.peek(); {
	case c == close:
		s.pos++
		return false, nil
	case first:
		return true, nil
	case c == ',':
		s.pos++
		return true, nil
	case close == ']':
		return false, s.syntaxError(at, "after array element")
	default:
		return false, s.syntaxError(at, "after object key:value pair")
	}
}

// key consumes the key of an object member and the ':' after it, returning the key as str
// does.
func (s *headerScanner) key(at place) ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.syntaxError(at, "looking for beginning of object key string")
	}
	k, err := s.str(at)
	if err != nil {
		return nil, err
	}
	if s.peek() != ':' {
		return nil, s.syntaxError(at, "after object key")
	}
	s.pos++
	return k, nil
}

// str consumes the string that begins at pos and returns its value: part of the header if
// it has no escapes, otherwise decoded into s.scratch, valid until the next call. It decodes
// as encoding/json does, a lone UTF-16 surrogate to U+FFFD.
func (s *headerScanner) str(at place) ([]byte, error) {
	s.pos++ // the opening '"'
	start := s.pos
	for s.pos < len(s.b) && s.b[s.pos] != '"' && s.b[s.pos] != '\\' && s.b[s.pos] >= 0x20 {
		s.pos++
	}
	if s.pos < len(s.b) && s.b[s.pos] == '"' {
		s.pos++
		return s.b[start : s.pos-1], nil
	}
	s.scratch = append(s.scratch[:0], s.b[start:s.pos]...)
	for s.pos < len(s.b) {
		switch c := s.b[s.pos]; {
		case c == '"':
			s.pos++
			return s.scratch, nil
		case c < 0x20:
			return nil, s.syntaxError(at, "in string literal")
		case c != '\\':
			s.scratch = append(s.scratch, c)
			s.pos++
			continue
		}
		s.pos++ // the '\\'
		if s.pos == len(s.b) {
			break
		}
		switch c := s.b[s.pos]; c {
		case '"', '\\', '/':
			s.scratch = append(s.scratch, c)
		case 'b':
			s.scratch = append(s.scratch, '\b')
		case 'f':
			s.scratch = append(s.scratch, '\f')
		case 'n':
			s.scratch = append(s.scratch, '\n')
		case 'r':
			s.scratch = append(s.scratch, '\r')
		case 't':
			s.scratch = append(s.scratch, '\t')
		case 'u':
			r, n := hex4(s.b[s.pos+1:])
			if n < 4 {
				s.pos += 1 + n
				return nil, s.syntaxError(at, `in \u hexadecimal character escape`)
			}
			s.pos += 4
			if utf16.IsSurrogate(r) {
				r2, n := hex4(s.b[min(s.pos+3, len(s.b)):])
				if pair := utf16.DecodeRune(r, r2); n == 4 && bytes.HasPrefix(s.b[s.pos+1:], []byte(`\u`)) && pair != unicode.ReplacementChar {
					r = pair
					s.pos += 6
				} else {
					r = unicode.ReplacementChar
				}
			}
			s.scratch = utf8.AppendRune(s.scratch, r)
		default:
			return nil, s.syntaxError(at, "in string escape code")
		}
		s.pos++
	}
	return nil, s.syntaxError(at, "")
}

// hex4 returns the value of the hex digits that b begins with, at most four, and how many
// there are.
func hex4(b []byte) (r rune, n int) {
	for ; n < min(4, len(b)); n++ {
		c := b[n]
		switch {
		case isDigit(c):
			c -= '0'
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			c = (c | 0x20) - 'a' + 10
		default:
			return r, n
		}
		r = r<<4 | rune(c)
	}
	return r, n
}

// number consumes the JSON number that begins at pos and returns its text.
func (s *headerScanner) number(at place) ([]byte, error) {
	start := s.pos
	digits := func() {
		for s.pos < len(s.b) && isDigit(s.b[s.pos]) {
			s.pos++
		}
	}
	s.skip('-')
	switch {
	case s.skip('0'):
	case s.pos < len(s.b) && isDigit(s.b[s.pos]):
		digits()
	default:
		return nil, s.syntaxError(at, "in numeric literal")
	}
	if s.skip('.') {
		if s.pos == len(s.b) || !isDigit(s.b[s.pos]) {
			return nil, s.syntaxError(at, "after decimal point in numeric literal")
		}
		digits()
	}
	if s.skip('e') || s.skip('E') {
		_ = s.skip('+') || s.skip('-')
		if s.pos == len(s.b) || !isDigit(s.b[s.pos]) {
			return nil, s.syntaxError(at, "in exponent of numeric literal")
		}
		digits()
	}
	return s.b[start:s.pos], nil
}

// skip consumes c if it is at pos, and reports whether it was.
func (s *headerScanner) skip(c byte) bool {
	if s.pos < len(s.b) && s.b[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// want reports that the value at pos is not what at needs, saying what it is, or, if it is
// not JSON, where it goes wrong.
func (s *headerScanner) want(what string, at place) error {
	var found string
	switch c := s.peek(); {
	case c == '{' || c == '[':
		found = fmt.Sprintf("'%c'", c)
	case c == '"':
		v, err := s.str(at)
		if err != nil {
			return err
		}
		found = "string " + quoted(string(v))
	case c == '-' || isDigit(c):
		num, err := s.number(at)
		if err != nil {
			return err
		}
		found = "number " + named(string(num))
	default:
		for _, lit := range []string{"null", "true", "false"} {
			if bytes.HasPrefix(s.b[s.pos:], []byte(lit)) {
				found = lit
			}
		}
		if found == "" {
			return s.syntaxError(at, "looking for beginning of value")
		}
	}
	return fmt.Errorf("safetensors: %v: want %s, found %s", at, what, found)
}

// syntaxError reports invalid JSON at pos, in context: the character there, or the end of
// the header.
func (s *headerScanner) syntaxError(at place, context string) error {
	if s.pos >= len(s.b) {
		return fmt.Errorf("safetensors: invalid JSON in header at byte %d (%v): unexpected EOF", s.pos, at)
	}
	return fmt.Errorf("safetensors: invalid JSON in header at byte %d (%v): invalid character %s %s", s.pos, at, quoteChar(s.b[s.pos:]), context)
}

// quoteChar quotes the character that b begins with, as encoding/json's errors do.
func quoteChar(b []byte) string {
	r, _ := utf8.DecodeRune(b)
	switch r {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(r))
	return "'" + q[1:len(q)-1] + "'"
}
