package runtime

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReadSafetensorsManyErrors reads a header of a million zero-size tensors that the
// model has no params for: it must cost time and memory in proportion to the header, and
// give a message that lists ten of them and counts the rest.
func TestReadSafetensorsManyErrors(t *testing.T) {
	const n = 1_000_000
	// Copies of one entry, each then numbered: t0000000, t0000001, …
	entry := []byte(`,"t0000000":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}`)
	entries := bytes.Repeat(entry, n)
	for i := range n {
		strconv.AppendInt(entries[i*len(entry)+2:i*len(entry)+2], int64(10_000_000+i), 10)
		entries[i*len(entry)+2] = 't'
	}
	header := slices.Concat([]byte("{"+tensorA+","+tensorB), entries, []byte("}"))
	for len(header)%8 != 0 {
		header = append(header, ' ')
	}
	file := append(append(le64(uint64(len(header))), header...), twoTensorsData...)

	var err error
	// The header, read into a buffer that grows as it arrives, and the million
	// SafetensorsTensors of 72 bytes, with their names and shapes, took 213 MB; a general
	// JSON decoder took 1.9 GB, and its message was 64 MB.
	limit := uint64(3*len(file) + 96*n + 16<<20)
	checkAllocation(t, "ReadSafetensors", len(file), limit, func() {
		err = ReadSafetensorsWith(bytes.NewReader(file), twoParams(), SafetensorsOptions{})
	})
	var want []string
	for i := range maxListed {
		want = append(want, fmt.Sprintf("safetensors: t%07d: in file, but the model has no such param", i))
	}
	want = append(want, "safetensors: … and 999,990 more tensors in file that the model has no param for")
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("error\n%.2000v\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

// TestSafetensorsLongErrors checks that names and other text from a file, however long, are
// cut in messages, and lists of numbers shortened.
func TestSafetensorsLongErrors(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	cut := strings.Repeat("x", maxQuoted) + "…"
	ones := strings.Repeat("1,", 100_000) + "1"
	for _, tc := range []struct {
		name   string
		file   []byte
		params []Param
		want   string
	}{
		{"unknown tensor", stFile(headerWith(tensorA, tensorB, `"`+long+`":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}`), twoTensorsData), nil,
			"safetensors: " + cut + ": in file, but the model has no such param"},
		{"name with newlines", stFile(headerWith(tensorA, tensorB, `"a\nb`+long+`":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}`), twoTensorsData), nil,
			`safetensors: "a\nb` + strings.Repeat("x", maxQuoted-3) + `"…: in file`},
		{"name in escapes", stFile(headerWith(tensorA, tensorB, `"`+strings.Repeat(`\u0078`, 1<<18)+`":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}`), twoTensorsData), nil,
			"safetensors: " + cut + ": in file"},
		{"missing param", stFile(twoTensors, twoTensorsData), []Param{{Name: long, Shape: []int{0}}}, "safetensors: " + cut + ": missing from file"},
		{"long dtype", stFile(headerWith(strings.Replace(tensorA, "F32", long, 1), tensorB), twoTensorsData), nil,
			`safetensors: a: unknown dtype "` + cut[:len(cut)-len("…")] + `"…`},
		{"long field name", stFile(headerWith(strings.Replace(tensorA, "data_offsets", long, 1), tensorB), twoTensorsData), nil,
			`safetensors: a: unknown field "` + cut[:len(cut)-len("…")] + `"…; want dtype, shape and data_offsets`},
		{"long number", stFile(headerWith(strings.Replace(tensorA, "[2]", "["+strings.Repeat("9", 1<<20)+"]", 1), tensorB), twoTensorsData), nil,
			"safetensors: a: shape: " + strings.Repeat("9", maxQuoted) + "… is not an integer"},
		{"long string for a number", stFile(headerWith(strings.Replace(tensorA, "[2]", `["`+long+`"]`, 1), tensorB), twoTensorsData), nil,
			`safetensors: a: shape: want an integer, found string "` + cut[:len(cut)-len("…")] + `"…`},
		{"long shape", stFile(headerWith(strings.Replace(tensorA, "[2]", "["+ones+",2]", 1), tensorB), twoTensorsData), nil,
			"safetensors: a: shape [1 1 1 1 1 1 1 1 1 1 … and 99,992 more] in file, model has [2]"},
		{"long offsets", stFile(headerWith(strings.Replace(tensorA, "[0,8]", "["+ones+"]", 1), tensorB), twoTensorsData), nil,
			"safetensors: a: data_offsets [1 1 1 1 1 1 1 1 1 1 … and 99,991 more] should be two numbers"},
		{"duplicate long name", stFile(headerWith(tensorA, tensorB, `"`+long+`":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}`, `"`+long+`":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}`), twoTensorsData), nil,
			"safetensors: " + cut + ": duplicate key in header"},
		{"overlap of long names", stFile(headerWith(`"`+long+`":`+tensorA[4:], `"`+long+`y":`+tensorA[4:]), twoTensorsData[:8]), nil,
			"safetensors: " + cut + ": data_offsets [0 8] overlap those of " + cut + ", which end at 8"},
		{"metadata key twice", stFile(`{"__metadata__":{"`+long+`":"","`+long+`":""}}`, nil), nil,
			`safetensors: __metadata__: duplicate key "` + cut[:len(cut)-len("…")] + `"…`},
		{"metadata value not a string", stFile(`{"__metadata__":{"`+long+`":1}}`, nil), nil,
			"safetensors: __metadata__: " + cut + ": want a string, found number 1"},
		{"not finite", stFile(`{"`+long+`":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32le(float32(math.NaN()))), []Param{{Name: long, Shape: []int{1}, Data: make([]float32, 1)}},
			"safetensors: " + cut + "[0] is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := tc.params
			if params == nil {
				params = twoParams()
			}
			err := ReadSafetensorsWith(bytes.NewReader(tc.file), params, SafetensorsOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n%.1000v\ndoes not contain\n%s", err, tc.want)
			}
			if err != nil && len(err.Error()) > 1<<10 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}

	if err := WriteSafetensors(io.Discard, []Param{{Name: long + "\xff"}}, nil); err == nil || err.Error() != `safetensors: param name "`+cut[:len(cut)-len("…")]+`"… is not valid UTF-8` {
		t.Errorf("writing: error %.1000v", err)
	}
}

func TestSafetensorsNamed(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"conv1.weight", "conv1.weight"},
		{"layer 1 (ü)", "layer 1 (ü)"},
		{"", `""`},
		{"a\nb", `"a\nb"`},
		{"\xff", `"\xff"`},
		{strings.Repeat("é", 30), strings.Repeat("é", 20) + "…"},
		{strings.Repeat("x", 39) + "é", strings.Repeat("x", 39) + "…"},
		{strings.Repeat("x", 40), strings.Repeat("x", 40)},
	} {
		if got := named(tc.in); got != tc.want {
			t.Errorf("named(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := dims([]int{1, 2}), "[1 2]"; got != want {
		t.Errorf("dims = %s, want %s", got, want)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 999_990: "999,990", 1_234_567: "1,234,567"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %s, want %s", n, got, want)
		}
	}
}
