package runtime

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stFile builds a safetensors file from a JSON header, padded with spaces to a multiple
// of 8 bytes as the reference writer pads it, and the data buffer.
func stFile(header string, data []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	return slices.Concat(le64(uint64(len(header))), []byte(header), data)
}

func le64(n uint64) []byte {
	return binary.LittleEndian.AppendUint64(nil, n)
}

func f32le(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// TestSafetensorsReferenceBytes checks the writer against files as the reference
// implementation (the Python and Rust safetensors libraries) lays them out, byte for
// byte, and the reader on the same files. The header lengths and padding are spelt
// out by hand rather than computed.
func TestSafetensorsReferenceBytes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		params   []Param
		metadata map[string]string
		file     string
	}{{
		name:   "one vector",
		params: []Param{{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}},
		// 54 bytes of JSON and 2 spaces.
		file: "\x38\x00\x00\x00\x00\x00\x00\x00" + `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  ` +
			"\x00\x00\x80\x3f\x00\x00\x00\x40",
	}, {
		// The reference library's test_serialization: 64 bytes of JSON, no padding.
		name:   "header already aligned",
		params: []Param{{Name: "attn.0", Shape: []int{1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}},
		file: "\x40\x00\x00\x00\x00\x00\x00\x00" + `{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}` +
			"\x00\x00\x00\x00\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40\x00\x00\xa0\x40",
	}, {
		// test_serialization_forced_alignement: 65 bytes of JSON and 7 spaces.
		name:   "seven spaces of padding",
		params: []Param{{Name: "attn0", Shape: []int{1, 1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}},
		file: "\x48\x00\x00\x00\x00\x00\x00\x00" + `{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ` +
			"\x00\x00\x00\x00\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40\x00\x00\xa0\x40",
	}, {
		// test_empty.
		name: "no tensors",
		file: "\x08\x00\x00\x00\x00\x00\x00\x00" + `{}      `,
	}, {
		// test_empty with metadata: 35 bytes of JSON and 5 spaces.
		name:     "metadata only",
		metadata: map[string]string{"framework": "pt"},
		file:     "\x28\x00\x00\x00\x00\x00\x00\x00" + `{"__metadata__":{"framework":"pt"}}     `,
	}, {
		// Metadata first with sorted keys, then tensors sorted by name, their data
		// in the same order, whatever the order of the params.
		name: "sorted",
		params: []Param{
			{Name: "b", Shape: []int{}, Data: []float32{3}},
			{Name: "a", Shape: []int{1, 1}, Data: []float32{-2}},
		},
		metadata: map[string]string{"z": "1", "format": "pt"},
		// 147 bytes of JSON and 5 spaces.
		file: "\x98\x00\x00\x00\x00\x00\x00\x00" +
			`{"__metadata__":{"format":"pt","z":"1"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}     ` +
			"\x00\x00\x00\xc0\x00\x00\x40\x40",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSafetensors(&buf, tc.params, tc.metadata); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.file {
				t.Errorf("WriteSafetensors wrote\n%q\nwant\n%q", got, tc.file)
			}

			params := make([]Param, len(tc.params))
			for i, p := range tc.params {
				params[i] = Param{Name: p.Name, Shape: p.Shape, Data: make([]float32, len(p.Data))}
			}
			if err := ReadSafetensorsWith(strings.NewReader(tc.file), params, SafetensorsOptions{}); err != nil {
				t.Fatal(err)
			}
			for i, p := range params {
				if !slices.Equal(p.Data, tc.params[i].Data) {
					t.Errorf("%s: read %v, want %v", p.Name, p.Data, tc.params[i].Data)
				}
			}
			h, err := ReadSafetensorsHeader(strings.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Metadata) != len(tc.metadata) {
				t.Errorf("metadata %v, want %v", h.Metadata, tc.metadata)
			}
			for k, v := range tc.metadata {
				if h.Metadata[k] != v {
					t.Errorf("metadata %v, want %v", h.Metadata, tc.metadata)
				}
			}
		})
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	special := []float32{
		0, float32(math.Copysign(0, -1)), 1, -1,
		float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(0x7fc12345), math.Float32frombits(0xffbfffff), // NaNs with payloads
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32,
	}
	r := NewRNG(1)
	big := make([]float32, 3*chunkBytes/4+5) // spans several chunks, ending mid-chunk
	r.FillNormal(big, 0, 1)
	params := []Param{
		{Name: "fc.weight", Shape: []int{len(big)}, Data: big},
		{Name: "conv1.weight", Shape: []int{len(special), 1}, Data: special},
		{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
		{Name: "scale", Shape: []int{}, Data: []float32{0.5}},
	}
	metadata := map[string]string{"format": "pt", "netc": "alexnet"}

	var file bytes.Buffer
	if err := WriteSafetensors(&file, params, metadata); err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(params)
	slices.Reverse(reversed)
	var again bytes.Buffer
	if err := WriteSafetensors(&again, reversed, metadata); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file.Bytes(), again.Bytes()) {
		t.Error("WriteSafetensors output depends on the order of the params")
	}

	// Read through a reader that cannot seek and returns one byte at a time.
	fresh := make([]Param, len(params))
	for i, p := range params {
		fresh[i] = Param{Name: p.Name, Shape: p.Shape, Data: make([]float32, len(p.Data))}
	}
	const refused = "safetensors: conv1.weight[4,0] (flat index 4) is +Inf, and 4 more of its values are not finite; weights must be finite"
	if err := ReadSafetensorsWith(bytes.NewReader(file.Bytes()), fresh, SafetensorsOptions{}); err == nil || err.Error() != refused {
		t.Fatalf("by default: error %v, want %s", err, refused)
	}
	allow := SafetensorsOptions{AllowNonFinite: true}
	if err := ReadSafetensorsWith(iotest.OneByteReader(bytes.NewReader(file.Bytes())), fresh, allow); err != nil {
		t.Fatal(err)
	}
	for i, p := range params {
		for j := range p.Data {
			if got, want := math.Float32bits(fresh[i].Data[j]), math.Float32bits(p.Data[j]); got != want {
				t.Fatalf("%s[%d]: read bits %#08x, wrote %#08x", p.Name, j, got, want)
			}
		}
	}

	h, err := ReadSafetensorsHeader(bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ti := range h.Tensors {
		names = append(names, ti.Name)
	}
	if want := []string{"conv1.weight", "empty", "fc.weight", "scale"}; !slices.Equal(names, want) {
		t.Errorf("header tensors %v, want %v", names, want)
	}
	if h.Metadata["netc"] != "alexnet" || len(h.Metadata) != 2 {
		t.Errorf("metadata %v, want %v", h.Metadata, metadata)
	}
}

// TestSafetensorsNames checks that names are escaped in the header as the reference
// implementation escapes them and read back unchanged.
func TestSafetensorsNames(t *testing.T) {
	name := "layer \"1\"\\ü\n\t\x01\x7f<&>"
	params := []Param{{Name: name, Shape: []int{1}, Data: []float32{1}}}
	var file bytes.Buffer
	if err := WriteSafetensors(&file, params, map[string]string{"\x1f": "é"}); err != nil {
		t.Fatal(err)
	}
	want := `{"__metadata__":{"\u001f":"é"},"layer \"1\"\\ü\n\t\u0001` + "\x7f" + `<&>":`
	if !strings.Contains(file.String(), want) {
		t.Errorf("header %q does not contain %q", file.String(), want)
	}
	params[0].Data[0] = 0
	if err := ReadSafetensorsWith(&file, params, SafetensorsOptions{}); err != nil {
		t.Fatal(err)
	}
	if params[0].Data[0] != 1 {
		t.Errorf("read %v, want 1", params[0].Data[0])
	}
}

// TestReadSafetensorsConverts reads F16, BF16 and F64 tensors into float32 params, an F64
// beyond float32's range only when non-finite values are allowed.
func TestReadSafetensorsConverts(t *testing.T) {
	data := slices.Concat(
		[]byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00}, // F16: 1, -2, 2⁻²⁴
		[]byte{0x80, 0x3f, 0x49, 0x40},             // BF16: 1, 3.140625
		binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1)),
		binary.LittleEndian.AppendUint64(nil, math.Float64bits(1e300)),
	)
	file := stFile(`{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},`+
		`"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]},`+
		`"d":{"dtype":"F64","shape":[2],"data_offsets":[10,26]}}`, data)
	params := []Param{
		{Name: "h", Shape: []int{3}, Data: make([]float32, 3)},
		{Name: "b", Shape: []int{2}, Data: make([]float32, 2)},
		{Name: "d", Shape: []int{2}, Data: make([]float32, 2)},
	}
	const refused = "safetensors: d[1] is 1e+300, beyond float32's range; weights must be finite"
	if err := ReadSafetensorsWith(bytes.NewReader(file), params, SafetensorsOptions{}); err == nil || err.Error() != refused {
		t.Fatalf("by default: error %v, want %s", err, refused)
	}
	if err := ReadSafetensorsWith(bytes.NewReader(file), params, SafetensorsOptions{AllowNonFinite: true}); err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]float32{{1, -2, 0x1p-24}, {1, 3.140625}, {0.1, float32(math.Inf(1))}} {
		if !slices.Equal(params[i].Data, want) {
			t.Errorf("%s: read %v, want %v", params[i].Name, params[i].Data, want)
		}
	}
}

// TestF16ToF32 checks every binary16 value against a conversion written from the
// definition of the format.
func TestF16ToF32(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		exp, mant := int(h>>10&0x1f), float64(h&0x3ff)
		var want float64
		switch exp {
		case 0:
			want = sign * math.Ldexp(mant, -24)
		case 31:
			want = sign * math.Inf(1)
			if mant != 0 {
				want = math.NaN()
			}
		default:
			want = sign * math.Ldexp(1+mant/1024, exp-15)
		}
		got := f16ToF32(h)
		switch {
		case math.IsNaN(want):
			if bits := math.Float32bits(got); !math.IsNaN(float64(got)) || bits&0x7fffff != uint32(h&0x3ff)<<13 || bits>>31 != uint32(h>>15) {
				t.Errorf("f16ToF32(%#04x) = %#08x, want a NaN with the same sign and payload", h, bits)
			}
		case float64(got) != want || math.Signbit(float64(got)) != (sign < 0):
			t.Errorf("f16ToF32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

// twoTensors is the header of a valid file holding a [2] and b [1 2], and its data.
const twoTensors = `{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}}`

var twoTensorsData = f32le(1, 2, 3, 4)

// twoParams returns fresh params for a [2] and b [1 2], filled with 7s.
func twoParams() []Param {
	return []Param{
		{Name: "a", Shape: []int{2}, Data: []float32{7, 7}},
		{Name: "b", Shape: []int{1, 2}, Data: []float32{7, 7}},
	}
}

// headerWith builds a header holding tensors, given as JSON members, and the metadata of
// twoTensors.
func headerWith(tensors ...string) string {
	return `{"__metadata__":{"k":"v"},` + strings.Join(tensors, ",") + "}"
}

const (
	tensorA = `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	tensorB = `"b":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}`
)

// brokenFiles are files ReadSafetensorsWith must reject into twoParams(), each with the
// substrings its error must contain.
var brokenFiles = []struct {
	name string
	file []byte
	want []string
}{
	{"empty file", nil, []string{"safetensors: file truncated in the header length: got 0 of 8 bytes"}},
	{"header length 2^60", slices.Concat(le64(1<<60), []byte("{}")), []string{"header length 1152921504606846976 is over the limit of 100000000 bytes"}},
	{"header length 2^64-1", le64(math.MaxUint64), []string{"is over the limit"}},
	{"header length beyond file", slices.Concat(le64(1000), []byte("{}")), []string{"file truncated in the header: got 2 of 1000 bytes"}},
	{"header length zero", le64(0), []string{"safetensors: invalid JSON in header at byte 0 (top level): unexpected EOF"}},
	{"header not JSON", stFile(`{"a":{"dtype":"F32",}}`, nil), []string{"safetensors: invalid JSON in header at byte 20 (a: field name): invalid character '}'"}},
	{"header cut short", stFile(`{"a":{"dtype":"F32"`, nil), []string{"unexpected EOF"}},
	{"header not an object", stFile(`[1]`, nil), []string{"top level: want '{', found '['"}},
	{"header not UTF-8", stFile("{\"\xff\":1}", nil), []string{"header is not valid UTF-8"}},
	{"junk after the header JSON", stFile(twoTensors+" x", twoTensorsData), []string{"header: unexpected 'x' after the JSON object, at byte 136; only spaces may follow"}},
	{"two JSON values", stFile(twoTensors+"{}", twoTensorsData), []string{"header: unexpected '{' after the JSON object"}},
	{"tensor not an object", stFile(headerWith(`"a":null`), nil), []string{"a: want '{', found null"}},
	{"dtype I32", stFile(headerWith(strings.Replace(tensorA, "F32", "I32", 1), tensorB), twoTensorsData), []string{"a: dtype I32 in file; can load only F32, F16, BF16 and F64"}},
	{"unknown dtype", stFile(headerWith(strings.Replace(tensorA, "F32", "F33", 1), tensorB), twoTensorsData), []string{`a: unknown dtype "F33"`}},
	{"dtype not a string", stFile(headerWith(strings.Replace(tensorA, `"F32"`, "32", 1), tensorB), twoTensorsData), []string{"a: dtype: want a string, found number 32"}},
	{"shape mismatch", stFile(headerWith(tensorA, strings.Replace(tensorB, "[1,2]", "[2,1]", 1)), twoTensorsData), []string{"b: shape [2 1] in file, model has [1 2]"}},
	{"missing tensor", stFile(headerWith(tensorA), twoTensorsData[:8]), []string{"b: missing from file"}},
	{"extra tensor", stFile(headerWith(tensorA, tensorB, `"c":{"dtype":"F32","shape":[],"data_offsets":[16,20]}`), f32le(1, 2, 3, 4, 5)), []string{"c: in file, but the model has no such param"}},
	{"all mismatches at once", stFile(headerWith(`"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}`, `"c":{"dtype":"F32","shape":[],"data_offsets":[12,16]}`), f32le(1, 2, 3, 4)), []string{
		"safetensors: a: shape [3] in file, model has [2]\nsafetensors: b: missing from file\nsafetensors: c: in file, but the model has no such param",
	}},
	{"negative dimension", stFile(headerWith(strings.Replace(tensorA, "[2]", "[-2]", 1), tensorB), twoTensorsData), []string{"a: shape: -2 is not an integer from 0 to 9223372036854775807"}},
	{"fractional dimension", stFile(headerWith(strings.Replace(tensorA, "[2]", "[2.0]", 1), tensorB), twoTensorsData), []string{"a: shape: 2.0 is not an integer"}},
	{"dimension beyond int64", stFile(headerWith(strings.Replace(tensorA, "[2]", "[18446744073709551616]", 1), tensorB), twoTensorsData), []string{"a: shape: 18446744073709551616 is not an integer"}},
	{"shape not integers", stFile(headerWith(strings.Replace(tensorA, "[2]", `["2"]`, 1), tensorB), twoTensorsData), []string{`a: shape: want an integer, found string "2"`}},
	{"element count overflows", stFile(headerWith(strings.Replace(tensorA, "[2]", "[4294967296,4294967296]", 1), tensorB), twoTensorsData), []string{"a: shape [4294967296 4294967296] of F32 is too large"}},
	{"byte size overflows", stFile(headerWith(strings.Replace(tensorA, "[2]", "[4611686018427387904]", 1), tensorB), twoTensorsData), []string{"a: shape [4611686018427387904] of F32 is too large"}},
	{"offsets overlap", stFile(headerWith(tensorA, strings.Replace(tensorB, "[8,16]", "[4,12]", 1)), twoTensorsData), []string{"b: data_offsets [4 12] overlap those of a, which end at 8"}},
	{"offsets leave a hole", stFile(headerWith(tensorA, strings.Replace(tensorB, "[8,16]", "[12,20]", 1)), f32le(1, 2, 0, 3, 4)), []string{"b: data_offsets [12 20] leave bytes 8 to 12 of the data buffer unused"}},
	{"offsets not from zero", stFile(headerWith(strings.Replace(tensorA, "[0,8]", "[4,12]", 1), strings.Replace(tensorB, "[8,16]", "[12,20]", 1)), f32le(0, 1, 2, 3, 4)), []string{"a: data_offsets [4 12] leave bytes 0 to 4"}},
	{"offsets end before begin", stFile(headerWith(strings.Replace(tensorA, "[0,8]", "[8,0]", 1), tensorB), twoTensorsData), []string{"a: data_offsets [8 0] end before they begin"}},
	{"offsets disagree with shape", stFile(headerWith(strings.Replace(tensorA, "[0,8]", "[0,12]", 1), strings.Replace(tensorB, "[8,16]", "[12,20]", 1)), f32le(1, 2, 0, 3, 4)), []string{"a: data_offsets [0 12] span 12 bytes, but shape [2] of F32 needs 8"}},
	{"three offsets", stFile(headerWith(strings.Replace(tensorA, "[0,8]", "[0,8,8]", 1), tensorB), twoTensorsData), []string{"a: data_offsets [0 8 8] should be two numbers"}},
	{"negative offset", stFile(headerWith(strings.Replace(tensorA, "[0,8]", "[-8,0]", 1), tensorB), twoTensorsData), []string{"a: data_offsets: -8 is not an integer"}},
	{"offsets beyond the file", stFile(twoTensors, twoTensorsData[:12]), []string{"file truncated in the data of b: got 4 of 8 bytes"}},
	{"trailing bytes", stFile(twoTensors, append(slices.Clone(twoTensorsData), 0)), []string{"trailing bytes after the 16-byte data buffer"}},
	{"duplicate tensor", stFile(headerWith(tensorA, tensorA, tensorB), twoTensorsData), []string{"a: duplicate key in header"}},
	{"duplicate field", stFile(headerWith(strings.Replace(tensorA, `"dtype":"F32"`, `"dtype":"F32","dtype":"F32"`, 1), tensorB), twoTensorsData), []string{`a: duplicate field "dtype"`}},
	{"missing field", stFile(headerWith(strings.Replace(tensorA, `"shape":[2],`, "", 1), tensorB), twoTensorsData), []string{"a: no shape"}},
	{"unknown field", stFile(headerWith(strings.Replace(tensorA, `"data_offsets"`, `"offsets"`, 1), tensorB), twoTensorsData), []string{`a: unknown field "offsets"; want dtype, shape and data_offsets`}},
	{"metadata not strings", stFile(`{"__metadata__":{"k":1}}`, nil), []string{"__metadata__: k: want a string, found number 1"}},
	{"metadata duplicate key", stFile(`{"__metadata__":{"k":"1","k":"2"}}`, nil), []string{`__metadata__: duplicate key "k"`}},
	{"metadata twice", stFile(`{"__metadata__":{},"__metadata__":{}}`, nil), []string{"__metadata__: duplicate key in header"}},
}

func TestReadSafetensorsBroken(t *testing.T) {
	for _, tc := range brokenFiles {
		t.Run(tc.name, func(t *testing.T) {
			params := twoParams()
			err := ReadSafetensorsWith(bytes.NewReader(tc.file), params, SafetensorsOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\ndoes not contain\n%v", err, want)
				}
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "safetensors: ") || strings.HasSuffix(line, ".") {
					t.Errorf("error line %q does not start with \"safetensors: \" or ends with a period", line)
				}
			}
			// Only a failure while streaming the data may have touched the params.
			if msg := err.Error(); !strings.Contains(msg, "in the data of") && !strings.Contains(msg, "trailing") {
				for _, p := range params {
					if !slices.Equal(p.Data, []float32{7, 7}) {
						t.Errorf("%s: Data changed to %v by a file rejected for its header", p.Name, p.Data)
					}
				}
			}
		})
	}
}

// TestReadSafetensorsTruncated cuts a valid file at every byte.
func TestReadSafetensorsTruncated(t *testing.T) {
	file := stFile(twoTensors, twoTensorsData)
	for n := range len(file) {
		err := ReadSafetensorsWith(bytes.NewReader(file[:n]), twoParams(), SafetensorsOptions{})
		if err == nil || !strings.Contains(err.Error(), "safetensors: file truncated in ") {
			t.Errorf("file cut to %d of %d bytes: error %v, want one saying it is truncated", n, len(file), err)
		}
	}
	params := twoParams()
	if err := ReadSafetensorsWith(bytes.NewReader(file), params, SafetensorsOptions{}); err != nil {
		t.Fatalf("whole file: %v", err)
	}
	if !slices.Equal(params[0].Data, []float32{1, 2}) || !slices.Equal(params[1].Data, []float32{3, 4}) {
		t.Errorf("read %v and %v, want [1 2] and [3 4]", params[0].Data, params[1].Data)
	}
}

// TestReadSafetensorsAccepted lists files that are unusual but valid.
func TestReadSafetensorsAccepted(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
	}{
		// JSON objects are unordered, and the reference implementation sorts the
		// tensors by offset: header order need not be data order.
		{"keys out of data order", stFile(headerWith(tensorB, tensorA), twoTensorsData)},
		{"no metadata", stFile(`{`+tensorA+","+tensorB+`}`, twoTensorsData)},
		{"whitespace in the header", stFile("{\n  "+tensorA+",\n  "+tensorB+"\n}\n", twoTensorsData)},
		{"extra zero-size tensor", stFile(headerWith(tensorA, tensorB, `"z":{"dtype":"F32","shape":[0,5],"data_offsets":[8,8]}`), twoTensorsData)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := twoParams()
			if strings.Contains(tc.name, "zero-size") {
				params = append(params, Param{Name: "z", Shape: []int{0, 5}})
			}
			if err := ReadSafetensorsWith(bytes.NewReader(tc.file), params, SafetensorsOptions{}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(params[0].Data, []float32{1, 2}) || !slices.Equal(params[1].Data, []float32{3, 4}) {
				t.Errorf("read %v and %v, want [1 2] and [3 4]", params[0].Data, params[1].Data)
			}
		})
	}
}

func TestReadSafetensorsHeader(t *testing.T) {
	r := bytes.NewReader(stFile(headerWith(tensorB, tensorA, `"c":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}`), f32le(1, 2, 3, 4, 5, 6)))
	h, err := ReadSafetensorsHeader(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []SafetensorsTensor{
		{Name: "a", DType: "F32", Shape: []int{2}, DataOffsets: [2]int64{0, 8}},
		{Name: "b", DType: "F32", Shape: []int{1, 2}, DataOffsets: [2]int64{8, 16}},
		{Name: "c", DType: "I64", Shape: []int{1}, DataOffsets: [2]int64{16, 24}},
	}
	if len(h.Tensors) != len(want) {
		t.Fatalf("tensors %v, want %v", h.Tensors, want)
	}
	for i, ti := range h.Tensors {
		if ti.Name != want[i].Name || ti.DType != want[i].DType || !slices.Equal(ti.Shape, want[i].Shape) || ti.DataOffsets != want[i].DataOffsets {
			t.Errorf("tensor %d: %+v, want %+v", i, ti, want[i])
		}
	}
	if h.Metadata["k"] != "v" {
		t.Errorf("metadata %v, want map[k:v]", h.Metadata)
	}
	if rest, _ := io.ReadAll(r); len(rest) != 24 {
		t.Errorf("%d bytes left after the header, want the 24 of the data", len(rest))
	}
}

func TestReadSafetensorsModelErrors(t *testing.T) {
	file := stFile(twoTensors, twoTensorsData)
	params := append(twoParams(), Param{Name: "a", Shape: []int{2}, Data: make([]float32, 2)})
	if err := ReadSafetensorsWith(bytes.NewReader(file), params, SafetensorsOptions{}); err == nil || !strings.Contains(err.Error(), "a: two params have this name") {
		t.Errorf("duplicate param names: error %v", err)
	}
	params = twoParams()
	params[1].Data = params[1].Data[:1]
	if err := ReadSafetensorsWith(bytes.NewReader(file), params, SafetensorsOptions{}); err == nil || !strings.Contains(err.Error(), "b: model param holds 1 values, shape [1 2] needs 2") {
		t.Errorf("short Data: error %v", err)
	}
	errRead := errors.New("disk on fire")
	r := io.MultiReader(bytes.NewReader(file[:len(file)-4]), iotest.ErrReader(errRead))
	if err := ReadSafetensorsWith(r, twoParams(), SafetensorsOptions{}); !errors.Is(err, errRead) || !strings.Contains(err.Error(), "safetensors: reading the data of b: disk on fire") {
		t.Errorf("failing reader: error %v, want one wrapping %v", err, errRead)
	}
}

func TestWriteSafetensorsErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		params   []Param
		metadata map[string]string
		want     string
	}{
		{"duplicate name", append(twoParams(), twoParams()[0]), nil, "safetensors: a: two params have this name"},
		{"reserved name", []Param{{Name: "__metadata__", Shape: []int{}, Data: []float32{1}}}, nil, `safetensors: a param cannot be named "__metadata__"`},
		{"name not UTF-8", []Param{{Name: "\xff", Shape: []int{}, Data: []float32{1}}}, nil, `safetensors: param name "\xff" is not valid UTF-8`},
		{"metadata not UTF-8", nil, map[string]string{"k": "\xff"}, `safetensors: metadata entry "k": "\xff" is not valid UTF-8`},
		{"short Data", []Param{{Name: "a", Shape: []int{2, 3}, Data: make([]float32, 5)}}, nil, "safetensors: a: Data holds 5 values, shape [2 3] needs 6"},
		{"negative dimension", []Param{{Name: "a", Shape: []int{-1, -1}, Data: make([]float32, 1)}}, nil, "safetensors: a: invalid shape [-1 -1]"},
		{"overflowing shape", []Param{{Name: "a", Shape: []int{1 << 32, 1 << 32}}}, nil, "safetensors: a: invalid shape [4294967296 4294967296]"},
	} {
		if err := WriteSafetensors(io.Discard, tc.params, tc.metadata); err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.want)
		}
	}

	errWrite := errors.New("disk full")
	w := &failingWriter{budget: 124, err: errWrite} // the header is 120 bytes
	if err := WriteSafetensors(w, twoParams(), nil); !errors.Is(err, errWrite) || !strings.Contains(err.Error(), "safetensors: writing a: disk full") {
		t.Errorf("failing writer: error %v, want one wrapping %v", err, errWrite)
	}
}

// failingWriter accepts budget bytes, then fails with err.
type failingWriter struct {
	budget int
	err    error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.budget {
		w.budget = 0
		return 0, w.err
	}
	w.budget -= len(p)
	return len(p), nil
}

// allocated returns the number of bytes the program has allocated on the heap so
// far. Small allocations are counted a span at a time, so it can be off by tens of
// kilobytes either way; large ones are counted exactly.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// checkAllocation fails t if f allocates more than limit bytes. allocated counts the
// whole program, and the fuzzing engine allocates now and then on its own, so f is
// tried up to three times: a real excess repeats every time.
func checkAllocation(t *testing.T, what string, inputLen int, limit uint64, f func()) {
	t.Helper()
	least := uint64(math.MaxUint64)
	for try := 0; try < 3 && least > limit; try++ {
		before := allocated()
		f()
		least = min(least, allocated()-before)
	}
	if least > limit {
		t.Fatalf("%s allocated %d bytes for %d bytes of input", what, least, inputLen)
	}
}

// TestReadSafetensorsAllocation checks that a header length is not trusted before the
// bytes arrive: not past the 100 MB limit, and not under it either.
func TestReadSafetensorsAllocation(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"header length 2^60", slices.Concat(le64(1<<60), []byte(twoTensors))},
		{"header length just under the limit", slices.Concat(le64(maxSafetensorsHeader-8), []byte(twoTensors))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkAllocation(t, "ReadSafetensors", len(tc.file), 256<<10, func() {
				if ReadSafetensorsWith(bytes.NewReader(tc.file), twoParams(), SafetensorsOptions{}) == nil {
					t.Error("no error")
				}
			})
		})
	}

	file := le64(1 << 60)
	if n := testing.AllocsPerRun(10, func() { ReadSafetensorsHeader(bytes.NewReader(file)) }); n > 5 {
		t.Errorf("header length 2^60: %v allocations, want at most 5", n)
	}
}

// FuzzReadSafetensors checks that no input makes the readers panic, allocate much
// more than the input, or return an error not prefixed "safetensors: ", and that a
// file they accept survives being written and read again.
func FuzzReadSafetensors(f *testing.F) {
	f.Add(stFile(twoTensors, twoTensorsData))
	f.Add(stFile(headerWith(tensorB, tensorA), twoTensorsData))
	f.Add(stFile(`{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]},"d":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}`, make([]byte, 16)))
	f.Add(stFile(twoTensors, f32le(1, float32(math.NaN()), float32(math.Inf(-1)), 4)))
	f.Add(stFile(`{"\u0061":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b\ud83d\ude00\n":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}}`, twoTensorsData))
	for _, tc := range brokenFiles {
		f.Add(tc.file)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		// Generous, but far below what trusting a bogus length or shape would cost.
		limit := uint64(1<<20 + 128*len(file))
		checkErr := func(err error) {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "safetensors: ") {
					t.Fatalf("error line %q lacks the prefix", line)
				}
			}
		}

		var h SafetensorsHeader
		var err error
		checkAllocation(t, "ReadSafetensorsHeader", len(file), limit, func() {
			h, err = ReadSafetensorsHeader(bytes.NewReader(file))
		})
		// The header is accepted only if it is JSON, and called invalid JSON only if it is not.
		if len(file) >= 8 {
			if n := binary.LittleEndian.Uint64(file); n <= uint64(len(file)-8) {
				valid := json.Valid(file[8 : 8+n])
				if err == nil && !valid {
					t.Fatalf("header %q accepted, but it is not JSON", file[8:8+n])
				}
				if err != nil && strings.Contains(err.Error(), "invalid JSON") && valid {
					t.Fatalf("header %q: %v, but encoding/json finds it valid", file[8:8+n], err)
				}
			}
		}
		params := twoParams()
		if err != nil {
			checkErr(err)
		} else if total := elementsOf(h); total <= 1<<16 {
			params = params[:0]
			for _, ti := range h.Tensors {
				n, _ := elements(ti.Shape)
				params = append(params, Param{Name: ti.Name, Shape: ti.Shape, Data: make([]float32, n)})
			}
		}

		checkAllocation(t, "ReadSafetensors", len(file), limit, func() {
			err = ReadSafetensorsWith(bytes.NewReader(file), params, SafetensorsOptions{})
		})
		if err != nil {
			checkErr(err)
			return
		}

		var again bytes.Buffer
		if err := WriteSafetensors(&again, params, h.Metadata); err != nil {
			t.Fatalf("writing back what was read: %v", err)
		}
		fresh := make([]Param, len(params))
		for i, p := range params {
			fresh[i] = Param{Name: p.Name, Shape: p.Shape, Data: make([]float32, len(p.Data))}
		}
		if err := ReadSafetensorsWith(&again, fresh, SafetensorsOptions{}); err != nil {
			t.Fatalf("reading back what was written: %v", err)
		}
		for i, p := range params {
			for j := range p.Data {
				if math.Float32bits(p.Data[j]) != math.Float32bits(fresh[i].Data[j]) {
					t.Fatalf("%s[%d]: %v written, %v read back", p.Name, j, p.Data[j], fresh[i].Data[j])
				}
			}
		}
	})
}

// elementsOf returns the total number of elements of the tensors of h.
func elementsOf(h SafetensorsHeader) int {
	total := 0
	for _, ti := range h.Tensors {
		n, _ := elements(ti.Shape)
		total += n
	}
	return total
}

// TestReadSafetensorsAliases reads a file that names tensors as torchvision does into params
// named as a spec does.
func TestReadSafetensorsAliases(t *testing.T) {
	var file bytes.Buffer
	src := []Param{{Name: "features.0.weight", Shape: []int{2}, Data: []float32{1, 2}}, {Name: "b", Shape: []int{1}, Data: []float32{3}}}
	if err := WriteSafetensors(&file, src, nil); err != nil {
		t.Fatal(err)
	}
	dst := []Param{{Name: "conv1.weight", Shape: []int{2}, Data: make([]float32, 2)}, {Name: "b", Shape: []int{1}, Data: make([]float32, 1)}}
	if err := ReadSafetensorsWith(bytes.NewReader(file.Bytes()), dst, SafetensorsOptions{Aliases: map[string]string{"features.0.weight": "conv1.weight"}}); err != nil {
		t.Fatal(err)
	}
	if dst[0].Data[1] != 2 || dst[1].Data[0] != 3 {
		t.Fatalf("read %v", dst)
	}
	// Without the alias the name is unknown, and with a wrong shape the message names both.
	err := ReadSafetensorsWith(bytes.NewReader(file.Bytes()), dst, SafetensorsOptions{})
	if err == nil || !strings.Contains(err.Error(), "features.0.weight: in file, but the model has no such param") {
		t.Fatalf("got %v", err)
	}
	dst[0].Shape, dst[0].Data = []int{3}, make([]float32, 3)
	err = ReadSafetensorsWith(bytes.NewReader(file.Bytes()), dst, SafetensorsOptions{Aliases: map[string]string{"features.0.weight": "conv1.weight"}})
	if err == nil || !strings.Contains(err.Error(), "conv1.weight (as features.0.weight): shape [2] in file, model has [3]") {
		t.Fatalf("got %v", err)
	}
	// Both names in one file.
	var both bytes.Buffer
	two := []Param{{Name: "features.0.weight", Shape: []int{2}, Data: []float32{1, 2}}, {Name: "conv1.weight", Shape: []int{2}, Data: []float32{1, 2}}}
	if err := WriteSafetensors(&both, two, nil); err != nil {
		t.Fatal(err)
	}
	dst[0].Shape, dst[0].Data = []int{2}, make([]float32, 2)
	err = ReadSafetensorsWith(bytes.NewReader(both.Bytes()), dst[:1], SafetensorsOptions{Aliases: map[string]string{"features.0.weight": "conv1.weight"}})
	if err == nil || !strings.Contains(err.Error(), "in file twice") {
		t.Fatalf("got %v", err)
	}
}

// TestReadSafetensorsNonFinite checks that a NaN or an infinity anywhere in a tensor is an
// error naming the tensor as the file does and the index of the first one, unless allowed.
func TestReadSafetensorsNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	long := chunkBytes/4 + 7 // the second chunk begins at chunkBytes/4
	for _, tc := range []struct {
		name  string
		shape []int
		bad   map[int]float32 // index → value
		want  string
	}{
		{"NaN first", []int{8}, map[int]float32{0: nan}, "t[0] is NaN"},
		{"NaN inside", []int{8}, map[int]float32{3: nan}, "t[3] is NaN"},
		{"+Inf last", []int{8}, map[int]float32{7: inf}, "t[7] is +Inf"},
		{"-Inf and others after it", []int{8}, map[int]float32{2: -inf, 5: nan, 6: inf}, "t[2] is -Inf, and 2 more of its values are not finite"},
		{"scalar", []int{}, map[int]float32{0: nan}, "t is NaN"},
		{"four dimensions", []int{2, 3, 4, 5}, map[int]float32{67: -inf}, "t[1,0,1,2] (flat index 67) is -Inf"},
		{"in the second chunk", []int{long}, map[int]float32{chunkBytes/4 + 5: inf}, fmt.Sprintf("t[%d] is +Inf", chunkBytes/4+5)},
		{"across chunks", []int{long}, map[int]float32{9: nan, chunkBytes / 4: nan, long - 1: -inf}, "t[9] is NaN, and 2 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := elements(tc.shape)
			src := []Param{{Name: "t", Shape: tc.shape, Data: make([]float32, n)}, twoParams()[0]}
			for i := range n {
				src[0].Data[i] = float32(i)
			}
			for i, v := range tc.bad {
				src[0].Data[i] = v
			}
			var file bytes.Buffer
			if err := WriteSafetensors(&file, src, nil); err != nil {
				t.Fatal(err)
			}
			dst := []Param{{Name: "t", Shape: tc.shape, Data: make([]float32, n)}, twoParams()[0]}
			want := "safetensors: " + tc.want
			if err := ReadSafetensorsWith(bytes.NewReader(file.Bytes()), dst, SafetensorsOptions{}); err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line beginning %s", err, want)
			}
			if err := ReadSafetensorsWith(bytes.NewReader(file.Bytes()), dst, SafetensorsOptions{AllowNonFinite: true}); err != nil {
				t.Fatalf("allowed: %v", err)
			}
			for i, v := range src[0].Data {
				if math.Float32bits(dst[0].Data[i]) != math.Float32bits(v) {
					t.Fatalf("allowed: t[%d] read as %v, want %v", i, dst[0].Data[i], v)
				}
			}
		})
	}

	// Each dtype, a tensor named otherwise in the file, and every bad tensor reported,
	// sorted by name, before the error of trailing bytes.
	data := slices.Concat(
		[]byte{0x00, 0x3c, 0x00, 0x7e}, // F16: 1, NaN
		[]byte{0x80, 0xff},             // BF16: -Inf
		binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Inf(1))),
		f32le(1, nan),
	)
	file := stFile(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},`+
		`"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},`+
		`"d":{"dtype":"F64","shape":[],"data_offsets":[6,14]},`+
		`"features.0.weight":{"dtype":"F32","shape":[2],"data_offsets":[14,22]}}`, data)
	params := []Param{
		{Name: "h", Shape: []int{2}, Data: make([]float32, 2)},
		{Name: "b", Shape: []int{1}, Data: make([]float32, 1)},
		{Name: "d", Shape: []int{}, Data: make([]float32, 1)},
		{Name: "conv1.weight", Shape: []int{2}, Data: make([]float32, 2)},
	}
	aliases := map[string]string{"features.0.weight": "conv1.weight"}
	want := "safetensors: b[0] is -Inf; weights must be finite\n" +
		"safetensors: d is +Inf; weights must be finite\n" +
		"safetensors: features.0.weight[1] is NaN; weights must be finite\n" +
		"safetensors: h[1] is NaN; weights must be finite"
	if err := ReadSafetensorsWith(bytes.NewReader(file), params, SafetensorsOptions{Aliases: aliases}); err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	want += "\nsafetensors: trailing bytes after the 22-byte data buffer"
	if err := ReadSafetensorsWith(bytes.NewReader(append(file, 0)), params, SafetensorsOptions{Aliases: aliases}); err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	opts := SafetensorsOptions{Aliases: aliases, AllowNonFinite: true}
	if err := ReadSafetensorsWith(bytes.NewReader(file), params, opts); err != nil {
		t.Fatalf("allowed: %v", err)
	}
	if v := params[3].Data[1]; !math.IsNaN(float64(v)) {
		t.Errorf("allowed: conv1.weight[1] read as %v, want NaN", v)
	}
}

// TestReadSafetensorsSkip checks Skip: the tensors it names are read past, wherever they are in
// the file, and the others loaded; without it they are tensors the model lacks; a file
// truncated inside a skipped tensor is still an error.
func TestReadSafetensorsSkip(t *testing.T) {
	file := []Param{
		{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
		{Name: "a.momentum", Shape: []int{2}, Data: []float32{3, 4}},
		{Name: "b", Shape: []int{3}, Data: []float32{5, 6, 7}},
		{Name: "b.momentum", Shape: []int{3}, Data: []float32{8, 9, 10}},
	}
	var buf bytes.Buffer
	require.NoError(t, WriteSafetensors(&buf, file, map[string]string{TrainKey: "{}"}))
	model := []Param{{Name: "a", Shape: []int{2}, Data: make([]float32, 2)}, {Name: "b", Shape: []int{3}, Data: make([]float32, 3)}}
	momentum := func(name string) bool { return strings.HasSuffix(name, ".momentum") }

	require.NoError(t, ReadSafetensorsWith(bytes.NewReader(buf.Bytes()), model, SafetensorsOptions{Skip: momentum}))
	assert.Equal(t, []float32{1, 2}, model[0].Data)
	assert.Equal(t, []float32{5, 6, 7}, model[1].Data)

	err := ReadSafetensorsWith(bytes.NewReader(buf.Bytes()), model, SafetensorsOptions{})
	assert.ErrorContains(t, err, "a training checkpoint")

	h, err := ReadSafetensorsHeader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	last := h.Tensors[len(h.Tensors)-1]
	require.True(t, momentum(last.Name), "the file's last tensor, %s, is a skipped one", last.Name)
	err = ReadSafetensorsWith(bytes.NewReader(buf.Bytes()[:buf.Len()-6]), model, SafetensorsOptions{Skip: momentum})
	assert.ErrorContains(t, err, "file truncated in the data of "+named(last.Name))
}
