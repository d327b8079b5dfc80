package runtime

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads and writes the safetensors format
// (https://github.com/huggingface/safetensors):
//
//	8 bytes   N, the header length, a little-endian uint64
//	N bytes   a JSON object: tensor name → {"dtype", "shape", "data_offsets": [begin, end]},
//	          plus an optional "__metadata__" object of strings; padded with spaces
//	the rest  the byte buffer; offsets count from its start; values are little-endian
//
// The tensors must tile the buffer exactly: sorted by offset, each begins where the
// previous one ends, the first at 0, and the file ends with the last.

// maxSafetensorsHeader is the largest header length the readers accept, in bytes; the
// reference implementation has the same limit.
const maxSafetensorsHeader = 100_000_000

// chunkBytes is the size of the scratch buffer through which tensor data is streamed.
const chunkBytes = 64 << 10

// SafetensorsHeader is the parsed header of a safetensors file.
type SafetensorsHeader struct {
	Tensors  []SafetensorsTensor // in data order, sorted by DataOffsets
	Metadata map[string]string   // the "__metadata__" entry; nil if the file has none
}

// SafetensorsTensor describes one tensor of a safetensors file.
type SafetensorsTensor struct {
	Name        string
	DType       string   // as the file spells it: "F32", "BF16", "I64", …
	Shape       []int    // empty for a scalar
	DataOffsets [2]int64 // [begin, end) in the byte buffer that follows the header
}

// dtypeBits is the size in bits of one element of each dtype the format defines.
var dtypeBits = map[string]uint64{
	"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32,
	"I64": 64, "U64": 64, "F64": 64, "C64": 64,
}

// decoders are the dtypes ReadSafetensors can load into float32 Data, each with the
// function that converts a little-endian buffer of them.
var decoders = map[string]func(dst []float32, src []byte){
	"F32": func(dst []float32, src []byte) {
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	},
	"F64": func(dst []float32, src []byte) {
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	},
	"F16": func(dst []float32, src []byte) {
		for i := range dst {
			dst[i] = f16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	},
	"BF16": func(dst []float32, src []byte) {
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
		}
	},
}

// f16ToF32 converts an IEEE 754 binary16 value to float32, exactly.
func f16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // infinity or NaN: keep the payload
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0: // zero or subnormal: mant · 2⁻²⁴, exact in float32
		f := float32(mant) * 0x1p-24
		return math.Float32frombits(sign | math.Float32bits(f))
	default: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// WriteSafetensors writes params as F32 tensors, one per Param under its Name, with
// metadata, if it is not empty, as the "__metadata__" entry.
//
// The output depends only on the set of params and the metadata, not on their order:
// as in the reference implementation, tensors appear in the header sorted by name and
// their data is laid out in the same order; metadata comes first, its keys sorted; the
// header is compact JSON padded with spaces to a multiple of 8 bytes. Every Name must be
// unique, valid UTF-8 and not "__metadata__", and every Data must hold Size() values.
func WriteSafetensors(w io.Writer, params []Param, metadata map[string]string) error {
	params = slices.Clone(params)
	slices.SortFunc(params, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	var total int64
	for i, p := range params {
		n, ok := elements(p.Shape)
		switch {
		case !utf8.ValidString(p.Name):
			return fmt.Errorf("safetensors: param name %q is not valid UTF-8", p.Name)
		case p.Name == "__metadata__":
			return errors.New(`safetensors: a param cannot be named "__metadata__"`)
		case i > 0 && p.Name == params[i-1].Name:
			return fmt.Errorf("safetensors: %s: two params have this name", p.Name)
		case !ok:
			return fmt.Errorf("safetensors: %s: invalid shape %v", p.Name, p.Shape)
		case len(p.Data) != n:
			return fmt.Errorf("safetensors: %s: Data holds %d values, shape %v needs %d", p.Name, len(p.Data), p.Shape, n)
		}
		total += 4 * int64(n)
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("safetensors: metadata entry %q: %q is not valid UTF-8", k, v)
		}
	}

	header := appendHeader(make([]byte, 8, 8+256+64*len(params)), params, metadata)
	binary.LittleEndian.PutUint64(header, uint64(len(header)-8))
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("safetensors: writing the header: %w", err)
	}
	buf := make([]byte, min(total, chunkBytes))
	for _, p := range params {
		for data := p.Data; len(data) > 0; {
			n := min(len(data), len(buf)/4)
			for i, v := range data[:n] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*n]); err != nil {
				return fmt.Errorf("safetensors: writing %s: %w", p.Name, err)
			}
			data = data[n:]
		}
	}
	return nil
}

// appendHeader appends the JSON header for params, which are sorted by name, and
// metadata, padded with spaces so that its length is a multiple of 8, for example
//
//	{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
func appendHeader(b []byte, params []Param, metadata map[string]string) []byte {
	start := len(b)
	b = append(b, '{')
	if len(metadata) > 0 {
		b = append(b, `"__metadata__":{`...)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, metadata[k])
		}
		b = append(b, '}')
	}
	var offset int64
	for i, p := range params {
		if i > 0 || len(metadata) > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.Name)
		b = append(b, `:{"dtype":"F32","shape":[`...)
		for j, d := range p.Shape {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendInt(b, offset, 10)
		offset += 4 * int64(len(p.Data))
		b = append(b, ',')
		b = strconv.AppendInt(b, offset, 10)
		b = append(b, "]}"...)
	}
	b = append(b, '}')
	for (len(b)-start)%8 != 0 {
		b = append(b, ' ')
	}
	return b
}

// appendJSONString appends s as a JSON string, escaped as the reference implementation
// (serde_json) escapes it: only '"', '\\' and control characters, so that names outside
// ASCII are written byte for byte.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// ReadSafetensors reads a safetensors stream into the Data of params, matching tensors
// to params by Name. It accepts F32 tensors and converts F16, BF16 and F64 ones (F64
// rounds to nearest; values beyond float32's range become ±Inf); other dtypes are
// errors. It reads r once, front to back, to its end, and never seeks.
//
// The whole header is checked first (see ReadSafetensorsHeader), then matched against
// params: a tensor missing from the file, a tensor no param has, a shape that differs
// and a dtype that cannot be loaded are all reported, sorted by tensor name, in one
// joined error, and no Data is touched. Only then is the data streamed, in file order,
// straight into each param's Data through a small fixed buffer, so that reading
// allocates little beyond the header. If the data is then cut short, a read fails, or
// bytes follow the last tensor, the error says so but params already hold whatever was
// read up to that point: callers that must not be left with a mix of old and new
// values read into fresh buffers first.
func ReadSafetensors(r io.Reader, params []Param) error {
	return ReadSafetensorsAliased(r, params, nil)
}

// ReadSafetensorsAliased is ReadSafetensors for files that may name tensors otherwise:
// aliases maps a name in the file (torchvision's "features.0.weight") to the name of the param
// it fills ("conv1.weight"). A file may use either name for a param, but not both.
func ReadSafetensorsAliased(r io.Reader, params []Param, aliases map[string]string) error {
	h, err := ReadSafetensorsHeader(r)
	if err != nil {
		return err
	}
	byName := make(map[string]Param, len(params))
	var errs []error
	for _, p := range params {
		if _, dup := byName[p.Name]; dup {
			errs = append(errs, fmt.Errorf("safetensors: %s: two params have this name", p.Name))
		}
		byName[p.Name] = p
	}
	inFile := make(map[string]bool, len(h.Tensors))
	for i, t := range h.Tensors {
		if alias, ok := aliases[t.Name]; ok {
			h.Tensors[i].Name, t.Name = alias, fmt.Sprintf("%s (as %s)", alias, t.Name)
		}
		name := h.Tensors[i].Name
		p, ok := byName[name]
		switch {
		case inFile[name]:
			errs = append(errs, fmt.Errorf("safetensors: %s: in file twice, under two names", t.Name))
		case !ok:
			errs = append(errs, fmt.Errorf("safetensors: %s: in file, but the model has no such param", t.Name))
		case decoders[t.DType] == nil:
			errs = append(errs, fmt.Errorf("safetensors: %s: dtype %s in file; can load only F32, F16, BF16 and F64", t.Name, t.DType))
		case !slices.Equal(t.Shape, p.Shape):
			errs = append(errs, fmt.Errorf("safetensors: %s: shape %v in file, model has %v", t.Name, t.Shape, p.Shape))
		case int64(len(p.Data)) != (t.DataOffsets[1]-t.DataOffsets[0])/int64(dtypeBits[t.DType]/8):
			errs = append(errs, fmt.Errorf("safetensors: %s: model param holds %d values, shape %v needs %d", t.Name, len(p.Data), p.Shape, p.Size()))
		}
		inFile[name] = true
	}
	for _, p := range params {
		if !inFile[p.Name] {
			errs = append(errs, fmt.Errorf("safetensors: %s: missing from file", p.Name))
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return errors.Join(errs...)
	}

	var total int64
	if n := len(h.Tensors); n > 0 {
		total = h.Tensors[n-1].DataOffsets[1]
	}
	buf := make([]byte, min(total, chunkBytes))
	for _, t := range h.Tensors {
		decode, size := decoders[t.DType], int(dtypeBits[t.DType]/8)
		done := 0
		for data := byName[t.Name].Data; len(data) > 0; {
			n := min(len(data), len(buf)/size)
			m, err := io.ReadFull(r, buf[:n*size])
			if err != nil {
				return readError("the data of "+t.Name, done+m, t.DataOffsets[1]-t.DataOffsets[0], err)
			}
			decode(data[:n], buf[:m])
			data, done = data[n:], done+m
		}
	}
	var one [1]byte
	switch _, err := io.ReadFull(r, one[:]); err {
	case io.EOF:
		return nil
	case nil:
		return fmt.Errorf("safetensors: trailing bytes after the %d-byte data buffer", total)
	default:
		return fmt.Errorf("safetensors: reading past the data buffer: %w", err)
	}
}

// ReadSafetensorsHeader reads the header length and the header from r, leaving r at
// the start of the data buffer, and checks the header: a length of at most 100 MB,
// valid UTF-8 JSON holding one object, no duplicate keys, every tensor with exactly a
// known dtype, a shape of non-negative dimensions and data_offsets [begin, end] whose
// length matches shape × dtype size, and tensors that, sorted by offset, tile the data
// buffer from 0 with no gap or overlap. It does not read the data, so it cannot tell
// whether the file holds all of it, or more.
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

// readError reports a failed read of want bytes of what, of which got arrived.
func readError(what string, got int, want int64, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("safetensors: file truncated in %s: got %d of %d bytes", what, got, want)
	}
	return fmt.Errorf("safetensors: reading %s: %w", what, err)
}

// parseSafetensorsHeader parses and checks the JSON header; see ReadSafetensorsHeader.
func parseSafetensorsHeader(header []byte) (SafetensorsHeader, error) {
	var h SafetensorsHeader
	if !utf8.Valid(header) {
		return h, errors.New("safetensors: header is not valid UTF-8")
	}
	p := headerParser{dec: json.NewDecoder(bytes.NewReader(header))}
	p.dec.UseNumber()
	if err := p.delim('{', "top level"); err != nil {
		return h, err
	}
	seen := make(map[string]bool)
	for p.dec.More() {
		name, err := p.string("tensor name")
		if err != nil {
			return h, err
		}
		if seen[name] {
			return h, fmt.Errorf("safetensors: %s: duplicate key in header", name)
		}
		seen[name] = true
		if name == "__metadata__" {
			if h.Metadata, err = p.metadata(); err != nil {
				return h, err
			}
			continue
		}
		t, err := p.tensor(name)
		if err != nil {
			return h, err
		}
		h.Tensors = append(h.Tensors, t)
	}
	if err := p.delim('}', "top level"); err != nil {
		return h, err
	}
	switch tok, err := p.dec.Token(); {
	case err == nil:
		return h, fmt.Errorf("safetensors: header: unexpected %s after the JSON object; only spaces may follow", describe(tok))
	case err != io.EOF:
		return h, fmt.Errorf("safetensors: header: %v after the JSON object; only spaces may follow", err)
	}

	slices.SortFunc(h.Tensors, func(a, b SafetensorsTensor) int {
		return cmp.Or(cmp.Compare(a.DataOffsets[0], b.DataOffsets[0]), cmp.Compare(a.DataOffsets[1], b.DataOffsets[1]))
	})
	var end int64
	for i, t := range h.Tensors {
		switch begin := t.DataOffsets[0]; {
		case begin < end:
			return h, fmt.Errorf("safetensors: %s: data_offsets %v overlap those of %s, which end at %d", t.Name, t.DataOffsets[:], h.Tensors[i-1].Name, end)
		case begin > end:
			return h, fmt.Errorf("safetensors: %s: data_offsets %v leave bytes %d to %d of the data buffer unused", t.Name, t.DataOffsets[:], end, begin)
		}
		end = t.DataOffsets[1]
	}
	return h, nil
}

// headerParser walks the tokens of a JSON header, giving errors that say where in the
// header and what was expected.
type headerParser struct {
	dec *json.Decoder
}

// tensor parses the {"dtype", "shape", "data_offsets"} object of the tensor name and
// checks that its fields agree.
func (p *headerParser) tensor(name string) (SafetensorsTensor, error) {
	t := SafetensorsTensor{Name: name}
	if err := p.delim('{', name); err != nil {
		return t, err
	}
	var shape, offsets []int64
	seen := make(map[string]bool)
	for p.dec.More() {
		field, err := p.string(name + ": field name")
		if err != nil {
			return t, err
		}
		if seen[field] {
			return t, fmt.Errorf("safetensors: %s: duplicate field %q", name, field)
		}
		seen[field] = true
		switch field {
		case "dtype":
			t.DType, err = p.string(name + ": dtype")
		case "shape":
			shape, err = p.ints(name+": shape", strconv.IntSize)
		case "data_offsets":
			offsets, err = p.ints(name+": data_offsets", 64)
		default:
			err = fmt.Errorf("safetensors: %s: unknown field %q; want dtype, shape and data_offsets", name, field)
		}
		if err != nil {
			return t, err
		}
	}
	if err := p.delim('}', name); err != nil {
		return t, err
	}
	for _, field := range []string{"dtype", "shape", "data_offsets"} {
		if !seen[field] {
			return t, fmt.Errorf("safetensors: %s: no %s", name, field)
		}
	}

	bitsPer, ok := dtypeBits[t.DType]
	if !ok {
		return t, fmt.Errorf("safetensors: %s: unknown dtype %q", name, t.DType)
	}
	t.Shape = make([]int, len(shape))
	for i, d := range shape {
		t.Shape[i] = int(d)
	}
	if len(offsets) != 2 {
		return t, fmt.Errorf("safetensors: %s: data_offsets %v should be two numbers, [begin, end]", name, offsets)
	}
	t.DataOffsets = [2]int64{offsets[0], offsets[1]}
	if offsets[1] < offsets[0] {
		return t, fmt.Errorf("safetensors: %s: data_offsets %v end before they begin", name, offsets)
	}
	n, ok := elements(t.Shape)
	hi, bitCount := bits.Mul64(uint64(n), bitsPer)
	if !ok || hi != 0 || bitCount/8 > math.MaxInt64 {
		return t, fmt.Errorf("safetensors: %s: shape %v of %s is too large; its byte size overflows", name, t.Shape, t.DType)
	}
	if bitCount%8 != 0 {
		return t, fmt.Errorf("safetensors: %s: shape %v of %s does not fill a whole number of bytes", name, t.Shape, t.DType)
	}
	if size := int64(bitCount / 8); offsets[1]-offsets[0] != size {
		return t, fmt.Errorf("safetensors: %s: data_offsets %v span %d bytes, but shape %v of %s needs %d", name, offsets, offsets[1]-offsets[0], t.Shape, t.DType, size)
	}
	return t, nil
}

// metadata parses the "__metadata__" object, which maps strings to strings.
func (p *headerParser) metadata() (map[string]string, error) {
	if err := p.delim('{', "__metadata__"); err != nil {
		return nil, err
	}
	m := make(map[string]string)
	for p.dec.More() {
		k, err := p.string("__metadata__: key")
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("safetensors: __metadata__: duplicate key %q", k)
		}
		if m[k], err = p.string("__metadata__: " + k); err != nil {
			return nil, err
		}
	}
	return m, p.delim('}', "__metadata__")
}

// next returns the next token; where names the place in the header, for errors.
func (p *headerParser) next(where string) (json.Token, error) {
	tok, err := p.dec.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // Token reports the end of input as io.EOF even inside an object
	}
	if err != nil {
		return nil, fmt.Errorf("safetensors: invalid JSON in header at byte %d (%s): %v", p.dec.InputOffset(), where, err)
	}
	return tok, nil
}

// delim consumes the delimiter d.
func (p *headerParser) delim(d json.Delim, where string) error {
	tok, err := p.next(where)
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("safetensors: %s: want '%v', found %s", where, d, describe(tok))
	}
	return nil
}

// string consumes a string.
func (p *headerParser) string(where string) (string, error) {
	tok, err := p.next(where)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("safetensors: %s: want a string, found %s", where, describe(tok))
	}
	return s, nil
}

// ints consumes an array of integers in [0, 2^(bitSize-1)).
func (p *headerParser) ints(where string, bitSize int) ([]int64, error) {
	if err := p.delim('[', where); err != nil {
		return nil, err
	}
	var v []int64
	for p.dec.More() {
		tok, err := p.next(where)
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("safetensors: %s: want an integer, found %s", where, describe(tok))
		}
		i, err := strconv.ParseInt(num.String(), 10, bitSize)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("safetensors: %s: %s is not an integer from 0 to %d", where, num, uint64(1)<<(bitSize-1)-1)
		}
		v = append(v, i)
	}
	return v, p.delim(']', where)
}

// describe names a JSON token, for messages.
func describe(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("'%v'", tok)
	case string:
		return fmt.Sprintf("string %q", tok)
	case json.Number:
		return "number " + tok.String()
	case nil:
		return "null"
	default:
		return fmt.Sprint(tok)
	}
}

// elements returns the number of elements of a tensor of the given shape, and false if
// a dimension is negative or the count overflows an int.
func elements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			n = 0
		}
	}
	if n == 0 {
		return 0, true
	}
	for _, d := range shape {
		hi, lo := bits.Mul64(uint64(n), uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return 0, false
		}
		n = int(lo)
	}
	return n, true
}
