package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoad decodes a PNG and a JPEG by content, whatever their names say.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	src := positions(5, 3)

	img, err := Load(writeFile(t, dir, "a.png", pngBytes(t, src)))
	require.NoError(t, err)
	assert.Equal(t, src.Bounds(), img.Bounds())
	assert.Equal(t, color.RGBAModel.Convert(src.At(4, 2)), color.RGBAModel.Convert(img.At(4, 2)))

	img, err = Load(writeFile(t, dir, "really-a-jpeg.png", jpegBytes(t, src)))
	require.NoError(t, err)
	assert.Equal(t, src.Bounds(), img.Bounds())
	assert.IsType(t, &image.YCbCr{}, img)
}

// pngHeader returns a PNG signature and a valid IHDR chunk for a w×h 8-bit RGB image, and no
// more: enough for DecodeConfig, not for the pixels.
func pngHeader(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8 bits, RGB
	chunk := append([]byte("IHDR"), ihdr[:]...)
	var b bytes.Buffer
	b.Write(pngMagic)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// jpegWithSize returns a valid small JPEG whose frame header claims w×h pixels.
func jpegWithSize(t *testing.T, w, h uint16) []byte {
	b := jpegBytes(t, positions(16, 16))
	i := bytes.Index(b, []byte{0xff, 0xc0}) // SOF0: length(2) precision(1) height(2) width(2)
	require.Positive(t, i)
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

// TestLoadErrors checks that broken files give errors that name the file and say what is wrong,
// and never a panic.
func TestLoadErrors(t *testing.T) {
	goodPNG := pngBytes(t, positions(16, 16))
	goodJPEG := jpegBytes(t, positions(16, 16))
	corruptPNG := bytes.Clone(goodPNG)
	corruptPNG[len(corruptPNG)-20] ^= 0xff // inside the IDAT chunk: its checksum fails

	tests := []struct {
		name string
		data []byte // nil: no file at all
		want string // regexp
	}{
		{"missing.png", nil, `^open .*missing\.png: no such file`},
		{"empty.jpg", []byte{}, `empty\.jpg: empty file; want a JPEG or PNG image$`},
		{"x.png", []byte("GIF89a, not a PNG"), `x\.png: not a JPEG or PNG image$`},
		{"photo.jpg", goodJPEG[:len(goodJPEG)/2], `photo\.jpg: truncated JPEG data$`},
		{"soi.jpg", goodJPEG[:2], `soi\.jpg: truncated JPEG data$`},
		{"cut.png", goodPNG[:len(goodPNG)-30], `cut\.png: truncated PNG data: not enough pixel data$`},
		{"magic.png", goodPNG[:8], `magic\.png: truncated PNG data$`},
		{"corrupt.png", corruptPNG, `corrupt\.png: png: invalid format: zlib: invalid checksum$`},
		{"wide.png", pngHeader(20000, 10), `wide\.png: image is 20000×10 pixels; the limit is 16384 per side$`},
		{"area.png", pngHeader(12000, 12000), `area\.png: image is 12000×12000 = 144000000 pixels; the limit is 100000000$`},
		{"wide.jpg", jpegWithSize(t, 20000, 16), `wide\.jpg: image is 20000×16 pixels; the limit is 16384 per side$`},
		{"zero.jpg", jpegWithSize(t, 0, 16), `zero\.jpg: `},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := dir + "/" + tt.name
			if tt.data != nil {
				path = writeFile(t, dir, tt.name, tt.data)
			}
			img, err := Load(path)
			require.Error(t, err)
			assert.Nil(t, img)
			assert.Regexp(t, tt.want, err.Error())
		})
	}
}

// TestLoadChecksSizeFirst checks that a header claiming a huge image is refused before the
// pixels are allocated.
func TestLoadChecksSizeFirst(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(writeFile(t, t.TempDir(), "huger.jpg", jpegWithSize(t, 16000, 7000)))
	runtime.ReadMemStats(&after)
	assert.ErrorContains(t, err, "16000×7000 = 112000000 pixels; the limit is 100000000")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated refusing a 112-Mpixel header")
}
