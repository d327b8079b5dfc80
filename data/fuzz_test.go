package data

import (
	"bytes"
	"image"
	"image/color"
	"testing"

	"github.com/netc-project/netc/preprocess"
)

// fuzzLimits keeps the fuzzer's images small, so that a mutated header cannot make every run
// allocate hundreds of megabytes; the limit check itself is the same code as Load's.
var fuzzLimits = limits{side: 256, pixels: 4096}

// FuzzDecode feeds arbitrary bytes to the decoder path behind Load and, when they decode, the
// image to every step that reads pixels (preprocess's ToCHW, ResizeShorter and ResizeSquare, ColorStats). Nothing may panic;
// decoded images must be within the limits. Run it with
//
//	go test ./data -run '^$' -fuzz FuzzDecode -fuzztime 2m -parallel 1
func FuzzDecode(f *testing.F) {
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	gray.Pix = []uint8{0, 50, 100, 150, 200, 250}
	paletted := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White, color.RGBA{255, 0, 0, 255}})
	paletted.Pix[5] = 2
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 3))
	nrgba.Pix[3] = 128
	gray16 := image.NewGray16(image.Rect(0, 0, 2, 2))
	gray16.Pix[0] = 0xff

	var seeds [][]byte
	for _, img := range []image.Image{positions(5, 4), gray, paletted, nrgba, gray16} {
		seeds = append(seeds, pngBytes(f, img))
	}
	seeds = append(seeds, jpegBytes(f, positions(17, 9)), jpegBytes(f, gray))
	for _, s := range seeds[:len(seeds):len(seeds)] {
		seeds = append(seeds, s[:len(s)/2], s[:len(s)-1])
		broken := bytes.Clone(s)
		broken[len(broken)*2/3] ^= 0x55
		seeds = append(seeds, broken)
	}
	seeds = append(seeds, nil, []byte{0xff, 0xd8}, pngMagic, []byte("not an image"), pngHeader(300, 2))
	for _, s := range seeds {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := decode(bytes.NewReader(b), fuzzLimits)
		if err != nil {
			if img != nil {
				t.Fatalf("an image and an error: %v", err)
			}
			return
		}
		r := img.Bounds()
		if r.Dx() < 1 || r.Dy() < 1 || r.Dx() > fuzzLimits.side || r.Dy() > fuzzLimits.side || r.Dx()*r.Dy() > fuzzLimits.pixels {
			t.Fatalf("decoded a %v image beyond the limits", r)
		}
		dst := make([]float32, 3*r.Dx()*r.Dy())
		preprocess.ToCHW(img, img.Bounds(), [3]float64{0.5, 0.5, 0.5}, [3]float64{0.25, 0.25, 0.25}, dst)
		preprocess.ToCHW(img, img.Bounds(), [3]float64{}, [3]float64{1, 1, 1}, dst[:r.Dx()*r.Dy()])
		var s ColorStats
		s.Add(img)
		preprocess.ResizeShorter(img, 5)
		preprocess.ResizeSquare(img, 5)
	})
}

// FuzzReadIDX feeds arbitrary bytes, plain and gzipped, to the IDX reader: nothing may panic, and
// an array read must have exactly as many elements as its sizes say.
func FuzzReadIDX(f *testing.F) {
	good := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for _, s := range [][]byte{good, good[:7], good[:len(good)-1], append(bytes.Clone(good), 0), idxBytes([]uint32{0xffffffff, 2}, nil), []byte{0, 0, 8, 0}} {
		f.Add(s)
		f.Add(gzipBytes(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := readIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if len(x.Data) != n {
			t.Fatalf("sizes %v but %d elements", x.Dims, len(x.Data))
		}
	})
}
