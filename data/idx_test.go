package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idxBytes hand-builds an IDX file: magic 0x0000 08 len(dims), the sizes, then data.
func idxBytes(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

// gzipBytes compresses b.
func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// TestReadIDX reads hand-built files back, plain and gzipped, whatever their names.
func TestReadIDX(t *testing.T) {
	data := make([]byte, 3*2*4)
	for i := range data {
		data[i] = byte(i * 7)
	}
	file := idxBytes([]uint32{3, 2, 4}, data)
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"plain-idx3-ubyte":     file,
		"gzipped-idx3-ubyte":   gzipBytes(t, file),
		"misnamed-idx3.gz":     file,
		"no-suffix-idx3-ubyte": gzipBytes(t, file),
	} {
		x, err := ReadIDX(writeFile(t, dir, name, b))
		require.NoError(t, err, name)
		assert.Equal(t, &IDX{Dims: []int{3, 2, 4}, Data: data}, x, name)
	}

	// One dimension, as label files have; and an empty array.
	x, err := ReadIDX(writeFile(t, dir, "labels", idxBytes([]uint32{5}, []byte{9, 8, 7, 6, 5})))
	require.NoError(t, err)
	assert.Equal(t, &IDX{Dims: []int{5}, Data: []byte{9, 8, 7, 6, 5}}, x)
	x, err = ReadIDX(writeFile(t, dir, "empty", idxBytes([]uint32{0, 28, 28}, nil)))
	require.NoError(t, err)
	assert.Equal(t, []int{0, 28, 28}, x.Dims)
	assert.Empty(t, x.Data)
}

// TestReadIDXErrors checks every way an IDX file can be broken: each error names the file and
// says what is wrong.
func TestReadIDXErrors(t *testing.T) {
	good := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	badCRC := gzipBytes(t, good)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 in gzip's trailer
	badDeflate := gzipBytes(t, bytes.Repeat(good, 50))
	badDeflate[12] ^= 0xff
	tests := []struct {
		name string
		data []byte
		want string // regexp, after "path: "
	}{
		{"png", pngBytes(t, positions(2, 2)), `not an IDX file: magic number 0x89504e47 does not start with two zero bytes`},
		{"magic", append([]byte{0x01}, good[1:]...), `not an IDX file: magic number 0x01000802`},
		{"float", append([]byte{0, 0, 0x0d, 2}, good[4:]...), `IDX element type 0x0d \(float32\); only 0x08 \(unsigned byte\) is supported`},
		{"int32", append([]byte{0, 0, 0x0c, 2}, good[4:]...), `IDX element type 0x0c \(int32\)`},
		{"unknown", append([]byte{0, 0, 0x42, 2}, good[4:]...), `unknown IDX element type 0x42`},
		{"no-dims", []byte{0, 0, 8, 0}, `IDX header has no dimensions`},
		{"empty", nil, `truncated: IDX header: 0 of 4 bytes`},
		{"short-magic", good[:3], `truncated: IDX header: 3 of 4 bytes`},
		{"short-sizes", good[:9], `truncated: IDX header: 5 of 8 bytes of sizes`},
		{"short-data", good[:len(good)-2], `truncated: sizes 2×3 need 6 bytes of data, but there are only 4$`},
		{"short-data.gz", gzipBytes(t, good[:len(good)-2]), `truncated gzip data: sizes 2×3 need 6 bytes of data, but there are only 4$`},
		{"cut-stream.gz", gzipBytes(t, good)[:20], `truncated gzip data`},
		{"cut-header.gz", gzipBytes(t, good)[:5], `corrupt gzip data: invalid header|truncated gzip data`},
		{"long-data", append(bytes.Clone(good), 7), `sizes 2×3 need 6 bytes of data, but there are more`},
		{"long-data.gz", gzipBytes(t, append(bytes.Clone(good), 7, 8)), `sizes 2×3 need 6 bytes of data, but there are more`},
		{"checksum.gz", badCRC, `corrupt gzip data: checksum mismatch`},
		{"deflate.gz", badDeflate, `corrupt gzip data: flate: corrupt input`},
		{"overflow", idxBytes([]uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), `IDX sizes 4294967295×4294967295×4294967295 overflow 64 bits`},
		{"too-big", idxBytes([]uint32{65536, 65536}, nil), `IDX sizes 65536×65536 = 4294967296 bytes exceed the limit of 1073741824 \(1 GiB\)`},
		{"too-big.gz", gzipBytes(t, idxBytes([]uint32{100000, 28, 28, 28}, nil)), `IDX sizes 100000×28×28×28 = 2195200000 bytes exceed the limit`},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, tt.name, tt.data)
			x, err := ReadIDX(path)
			require.Error(t, err)
			assert.Nil(t, x)
			assert.Regexp(t, "^"+path+": ("+tt.want+")", err.Error())
		})
	}

	_, err := ReadIDX(dir + "/missing")
	assert.ErrorContains(t, err, "open "+dir+"/missing: no such file")
}

// TestReadIDXTrustsNoHeader checks that a header claiming almost a gigabyte, over a few bytes of
// data, is reported as truncated without allocating anything like what it claims.
func TestReadIDXTrustsNoHeader(t *testing.T) {
	for _, gz := range []bool{false, true} {
		b := idxBytes([]uint32{1 << 15, 1<<15 - 1}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
		if gz {
			b = gzipBytes(t, b)
		}
		path := writeFile(t, t.TempDir(), "liar", b)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(path)
		runtime.ReadMemStats(&after)
		assert.ErrorContains(t, err, "need 1073709056 bytes of data, but there are only 8")
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated, gzipped %v", gz)
	}
}
