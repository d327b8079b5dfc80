package runtime

import (
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

// decoders are the dtypes ReadSafetensorsWith can load into float32 Data, each with the
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
			return fmt.Errorf("safetensors: param name %s is not valid UTF-8", quoted(p.Name))
		case p.Name == "__metadata__":
			return errors.New(`safetensors: a param cannot be named "__metadata__"`)
		case i > 0 && p.Name == params[i-1].Name:
			return fmt.Errorf("safetensors: %s: two params have this name", named(p.Name))
		case !ok:
			return fmt.Errorf("safetensors: %s: invalid shape %s", named(p.Name), dims(p.Shape))
		case len(p.Data) != n:
			return fmt.Errorf("safetensors: %s: Data holds %d values, shape %s needs %d", named(p.Name), len(p.Data), dims(p.Shape), n)
		}
		total += 4 * int64(n)
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("safetensors: metadata entry %s: %s is not valid UTF-8", quoted(k), quoted(v))
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
				return fmt.Errorf("safetensors: writing %s: %w", named(p.Name), err)
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

// ReadSafetensorsWith reads a safetensors stream into the Data of params, matching tensors
// to params by Name, or by the names opts.Aliases gives. It accepts F32 tensors and
// converts F16, BF16 and F64 ones (F64 rounds to nearest); other dtypes are errors. A
// value that is NaN or infinite, or an F64 beyond float32's range, is an error naming the
// tensor and the index of the first one, unless opts.AllowNonFinite. It reads r once,
// front to back, to its end, and never seeks.
//
// The whole header is checked first (see ReadSafetensorsHeader), then matched against
// params: a tensor missing from the file, a tensor no param has, a shape that differs
// and a dtype that cannot be loaded are all reported, sorted by tensor name, in one
// error, which lists at most ten errors of each kind and counts the rest, and no Data is
// touched. Only then is the data streamed, in file order, straight into each param's
// Data through a small fixed buffer, so that reading allocates little beyond the header.
// If values are not finite, the data is cut short, a read fails, or bytes follow the
// last tensor, the error says so but params already hold whatever was read up to that
// point: callers that must not be left with a mix of old and new values read into fresh
// buffers first.
func ReadSafetensorsWith(r io.Reader, params []Param, opts SafetensorsOptions) error {
	h, err := ReadSafetensorsHeader(r)
	if err != nil {
		return err
	}
	fill, err := match(h.Tensors, params, opts.Aliases, opts.Skip)
	if err != nil && isCheckpoint(h) && !slices.ContainsFunc(params, func(p Param) bool { return strings.HasSuffix(p.Name, ".momentum") }) {
		// Read as weights: say what the file is, rather than list the momentum as tensors the
		// model lacks.
		return fmt.Errorf("safetensors: a training checkpoint (%s metadata: the weights with the optimiser's momentum and the training state), not a weights file; load the weights file written beside it, or the checkpoint with train.ReadCheckpoint", TrainKey)
	}
	if err != nil {
		return err
	}
	return readData(r, h.Tensors, fill, opts.AllowNonFinite)
}

// SafetensorsOptions are the settings of ReadSafetensorsWith. The zero value reads the
// tensors under their params' names and refuses values that are not finite.
type SafetensorsOptions struct {
	// Aliases maps a name in the file (torchvision's "features.0.weight") to the name of
	// the param it fills ("conv1.weight"). A file may use either name for a param, but
	// not both.
	Aliases map[string]string

	// AllowNonFinite accepts values that are NaN or infinite, and F64 values beyond
	// float32's range, which read as ±Inf.
	AllowNonFinite bool

	// Skip, if set, says which tensors of the file (by their names in it) to read past rather
	// than load: a checkpoint's momentum, when only its weights are wanted.
	Skip func(name string) bool
}

// isCheckpoint reports whether a file is a training checkpoint: its metadata has TrainKey.
func isCheckpoint(h SafetensorsHeader) bool {
	_, ok := h.Metadata[TrainKey]
	return ok
}

// match returns the param each tensor fills, fill[i] for tensors[i], after checking that
// each has one, of its shape, that each param is filled once, and that each dtype can be
// loaded; it reports every mismatch it finds, but at most maxListed of each kind. A tensor skip
// reports true for fills nothing (nil).
func match(tensors []SafetensorsTensor, params []Param, aliases map[string]string, skip func(string) bool) ([]*Param, error) {
	var errs errorList
	index := make(map[string]int, len(params))
	for i, p := range params {
		if _, dup := index[p.Name]; dup {
			errs.add("params that share a name", p.Name, func() string {
				return fmt.Sprintf("safetensors: %s: two params have this name", named(p.Name))
			})
		}
		index[p.Name] = i
	}
	fill := make([]*Param, len(tensors))
	filled := make([]bool, len(params))
	for j, t := range tensors {
		if skip != nil && skip(t.Name) {
			continue // fill[j] stays nil: readData reads past it
		}
		name, aliased := aliases[t.Name]
		if !aliased {
			name = t.Name
		}
		shown := func() string { // the tensor as messages name it
			if aliased {
				return fmt.Sprintf("%s (as %s)", named(name), named(t.Name))
			}
			return named(name)
		}
		i, ok := index[name]
		if !ok {
			errs.add("tensors in file that the model has no param for", name, func() string {
				return fmt.Sprintf("safetensors: %s: in file, but the model has no such param", shown())
			})
			continue
		}
		p := &params[i]
		switch n, _ := elements(p.Shape); {
		case filled[i]:
			errs.add("tensors in file twice", name, func() string {
				return fmt.Sprintf("safetensors: %s: in file twice, under two names", shown())
			})
		case decoders[t.DType] == nil:
			errs.add("tensors of dtypes that cannot be loaded", name, func() string {
				return fmt.Sprintf("safetensors: %s: dtype %s in file; can load only F32, F16, BF16 and F64", shown(), t.DType)
			})
		case !slices.Equal(t.Shape, p.Shape):
			errs.add("tensors whose shapes differ from the model's", name, func() string {
				return fmt.Sprintf("safetensors: %s: shape %s in file, model has %s", shown(), dims(t.Shape), dims(p.Shape))
			})
		case len(p.Data) != n:
			errs.add("params whose Data does not fit their shape", name, func() string {
				return fmt.Sprintf("safetensors: %s: model param holds %d values, shape %s needs %d", shown(), len(p.Data), dims(p.Shape), n)
			})
		}
		fill[j], filled[i] = p, true
	}
	for i, p := range params {
		if !filled[i] {
			errs.add("params missing from file", p.Name, func() string {
				return fmt.Sprintf("safetensors: %s: missing from file", named(p.Name))
			})
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return fill, nil
}

// readData streams the data buffer, which r is at the start of, into the Data of fill[i]
// for each tensors[i], checking, unless allowNonFinite, that every value is finite.
func readData(r io.Reader, tensors []SafetensorsTensor, fill []*Param, allowNonFinite bool) error {
	var total int64
	if n := len(tensors); n > 0 {
		total = tensors[n-1].DataOffsets[1]
	}
	buf := make([]byte, min(total, chunkBytes))
	var errs errorList
	for i, t := range tensors {
		if fill[i] == nil { // skipped
			n := t.DataOffsets[1] - t.DataOffsets[0]
			if m, err := io.CopyN(io.Discard, r, n); err != nil {
				return errors.Join(errs.err(), readError("the data of "+named(t.Name), int(m), n, err))
			}
			continue
		}
		decode, size := decoders[t.DType], int(dtypeBits[t.DType]/8)
		var bad nonFinite
		done := 0
		for data := fill[i].Data; len(data) > 0; {
			n := min(len(data), len(buf)/size)
			m, err := io.ReadFull(r, buf[:n*size])
			if err != nil {
				return errors.Join(errs.err(), readError("the data of "+named(t.Name), done+m, t.DataOffsets[1]-t.DataOffsets[0], err))
			}
			decode(data[:n], buf[:m])
			if !allowNonFinite {
				bad.scan(data[:n], buf[:m], t.DType, done/size)
			}
			data, done = data[n:], done+m
		}
		if bad.count > 0 {
			errs.add("tensors with values that are not finite", t.Name, func() string { return bad.message(t) })
		}
	}
	var one [1]byte
	switch _, err := io.ReadFull(r, one[:]); err {
	case io.EOF:
		return errs.err()
	case nil:
		return errors.Join(errs.err(), fmt.Errorf("safetensors: trailing bytes after the %d-byte data buffer", total))
	default:
		return errors.Join(errs.err(), fmt.Errorf("safetensors: reading past the data buffer: %w", err))
	}
}

// nonFinite counts the values of a tensor that are NaN or infinite, and keeps the first.
type nonFinite struct {
	count int
	index int     // of the first, in the tensor's data
	value float32 // the first
	large float64 // the first as the file holds it, if it is an F64 beyond float32's range
}

// scan counts the values of data, the tensor's from index on, that are not finite; src is
// the data as the file holds it, of dtype.
func (b *nonFinite) scan(data []float32, src []byte, dtype string, index int) {
	for i, v := range data {
		if math.Float32bits(v)&0x7f800000 != 0x7f800000 {
			continue
		}
		if b.count == 0 {
			b.index, b.value = index+i, v
			if dtype == "F64" {
				if f := math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])); !math.IsInf(f, 0) && !math.IsNaN(f) {
					b.large = f
				}
			}
		}
		b.count++
	}
}

// message is the error for t, whose values b counted: "conv1.bias[3] is NaN".
func (b *nonFinite) message(t SafetensorsTensor) string {
	var what string
	switch v := float64(b.value); {
	case b.large != 0:
		what = fmt.Sprintf("%g, beyond float32's range", b.large)
	case math.IsNaN(v):
		what = "NaN"
	case v > 0:
		what = "+Inf"
	default:
		what = "-Inf"
	}
	var others string
	if b.count > 1 {
		others = fmt.Sprintf(", and %s more of its values are not finite", commas(b.count-1))
	}
	return fmt.Sprintf("safetensors: %s is %s%s; weights must be finite", element(t.Name, t.Shape, b.index), what, others)
}

// element names the element at index i of the data of the tensor name of the given shape:
// "scale", "conv1.bias[3]", "conv1.weight[1,0,2,2] (flat index 1234)".
func element(name string, shape []int, i int) string {
	switch {
	case len(shape) == 0:
		return named(name)
	case len(shape) == 1:
		return fmt.Sprintf("%s[%d]", named(name), i)
	case len(shape) > maxListed:
		return fmt.Sprintf("%s[…] (flat index %d)", named(name), i)
	}
	idx := make([]string, len(shape))
	for k, flat := len(shape)-1, i; k >= 0; k-- {
		idx[k] = strconv.Itoa(flat % shape[k])
		flat /= shape[k]
	}
	return fmt.Sprintf("%s[%s] (flat index %d)", named(name), strings.Join(idx, ","), i)
}

// readError reports a failed read of want bytes of what, of which got arrived.
func readError(what string, got int, want int64, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("safetensors: file truncated in %s: got %d of %d bytes", what, got, want)
	}
	return fmt.Errorf("safetensors: reading %s: %w", what, err)
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
