package preprocess

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"
)

// TestResizeShorterSize checks the output size: shorter side exact, longer side rounded to the
// nearest pixel, bounds from (0, 0).
func TestResizeShorterSize(t *testing.T) {
	tests := []struct {
		w, h, side int
		want       image.Point
	}{
		{640, 480, 256, image.Pt(341, 256)}, // 341.33
		{480, 640, 256, image.Pt(256, 341)},
		{500, 375, 256, image.Pt(341, 256)}, // 341.33
		{375, 500, 256, image.Pt(256, 341)},
		{300, 300, 256, image.Pt(256, 256)},
		{5, 2, 3, image.Pt(8, 3)},         // 7.5 rounds up
		{2, 5, 3, image.Pt(3, 8)},         // likewise
		{32, 32, 256, image.Pt(256, 256)}, // upscaling
		{1000, 1, 1, image.Pt(1000, 1)},
		{1, 1000, 1, image.Pt(1, 1000)},
		{3, 1000, 1, image.Pt(1, 333)},
	}
	for _, tt := range tests {
		img := ResizeShorter(image.NewRGBA(image.Rect(10, 20, 10+tt.w, 20+tt.h)), tt.side)
		assert.Equal(t, image.Rectangle{Max: tt.want}, img.Bounds(), "%d×%d to %d", tt.w, tt.h, tt.side)
	}
}

// TestResizeShorterIdentity checks that an image already at size is copied exactly, whatever
// its type and origin.
func TestResizeShorterIdentity(t *testing.T) {
	src := positions(12, 7)
	sub := src.SubImage(image.Rect(2, 1, 12, 7)) // 10×6, origin (2, 1)
	got := ResizeShorter(sub, 6)
	for y := range 6 {
		for x := range 10 {
			assert.Equal(t, src.RGBAAt(x+2, y+1), got.RGBAAt(x, y))
		}
	}
}

// TestResizeShorterConstant checks that scaling preserves a flat colour, up and down.
func TestResizeShorterConstant(t *testing.T) {
	c := color.RGBA{10, 128, 250, 255}
	src := image.NewRGBA(image.Rect(0, 0, 37, 23))
	draw.Draw(src, src.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	for _, side := range []int{5, 23, 64} {
		got := ResizeShorter(src, side)
		for i := 0; i < len(got.Pix); i += 4 {
			assert.InDeltaSlice(t, []float64{10, 128, 250, 255},
				[]float64{float64(got.Pix[i]), float64(got.Pix[i+1]), float64(got.Pix[i+2]), float64(got.Pix[i+3])}, 1)
		}
	}
}

// TestResizeShorterAntiAliasing shows why ResizeShorter uses Catmull-Rom: shrinking pixel noise
// eightfold should average it (an 8×8 box mean of uniform noise has a standard deviation of about
// 74/8 ≈ 9), and Catmull-Rom does, while ApproxBiLinear keeps four source pixels per output pixel
// and passes most of the noise through as aliasing.
func TestResizeShorterAntiAliasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := image.NewGray(image.Rect(0, 0, 512, 512))
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.IntN(256))
	}
	std := func(img *image.RGBA) float64 {
		var s, ss float64
		n := float64(len(img.Pix) / 4)
		for i := 0; i < len(img.Pix); i += 4 {
			v := float64(img.Pix[i])
			s += v
			ss += v * v
		}
		return math.Sqrt(ss/n - (s/n)*(s/n))
	}
	good := ResizeShorter(src, 64)
	approx := image.NewRGBA(good.Bounds())
	draw.ApproxBiLinear.Scale(approx, approx.Bounds(), src, src.Bounds(), draw.Src, nil)
	assert.Less(t, std(good), 15.0, "Catmull-Rom")
	assert.Greater(t, std(approx), 30.0, "ApproxBiLinear")
}

// TestResizeMatchesDraw checks ResizeShorter, ResizeSquare and scale's other parts against the
// reference they reimplement, golang.org/x/image/draw's Catmull-Rom scaling of the whole image:
// every image type, shrinking, enlarging, both at once, copying, thin images and odd origins,
// equal bit for bit.
func TestResizeMatchesDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []struct{ w, h, side int }{
		{37, 23, 5}, {37, 23, 23}, {37, 23, 64}, {23, 37, 10}, {23, 37, 30}, {13, 13, 7}, {13, 13, 20},
		{5, 2, 3}, {2, 5, 3}, {1, 40, 8}, {40, 1, 8}, {1, 1, 4}, {97, 3, 2}, {3, 97, 9}, {64, 48, 17},
	}
	for _, sz := range sizes {
		for _, origin := range []image.Point{{}, {3, 5}} {
			r := image.Rectangle{Max: image.Pt(sz.w, sz.h)}.Add(origin)
			for name, img := range anyImages(rng, r) {
				what := fmt.Sprintf("%s %v to side %d", name, r, sz.side)
				size := shorterSize(r, sz.side)
				want := image.NewRGBA(image.Rectangle{Max: size})
				if size == r.Size() {
					draw.Draw(want, want.Bounds(), img, r.Min, draw.Src)
				} else {
					draw.CatmullRom.Scale(want, want.Bounds(), img, r, draw.Src, nil)
				}
				require.Equal(t, want, ResizeShorter(img, sz.side), what)

				square := CenterCrop(want.Bounds(), sz.side, sz.side)
				require.Equal(t, cut(want, square), ResizeSquare(img, sz.side), "%s: ResizeSquare", what)
				for range 3 {
					x0, y0 := rng.IntN(size.X), rng.IntN(size.Y)
					part := image.Rect(x0, y0, x0+1+rng.IntN(size.X-x0), y0+1+rng.IntN(size.Y-y0))
					require.Equal(t, cut(want, part), scale(img, size, part), "%s: part %v", what, part)
				}
			}
		}
	}
}

// cut returns a copy of the rectangle r of img, with r as its bounds.
func cut(img *image.RGBA, r image.Rectangle) *image.RGBA {
	c := image.NewRGBA(r)
	draw.Draw(c, r, img, r.Min, draw.Src)
	return c
}

// anyImages returns images with bounds r of every type the standard decoders make and more,
// filled at random (translucent where the type allows it), and one with no RGBA64At method.
func anyImages(rng *rand.Rand, r image.Rectangle) map[string]image.Image {
	byte := func() uint8 { return uint8(rng.IntN(256)) }
	fill := func(pix []uint8) {
		for i := range pix {
			pix[i] = byte()
		}
	}
	rgba, nrgba, gray, gray16 := image.NewRGBA(r), image.NewNRGBA(r), image.NewGray(r), image.NewGray16(r)
	rgba64, nrgba64, cmyk, alpha := image.NewRGBA64(r), image.NewNRGBA64(r), image.NewCMYK(r), image.NewAlpha(r)
	for _, pix := range [][]uint8{nrgba.Pix, gray.Pix, gray16.Pix, nrgba64.Pix, cmyk.Pix, alpha.Pix} {
		fill(pix)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ { // premultiplied: no colour above its alpha
			a := uint16(rng.IntN(1 << 16))
			rgba.Set(x, y, color.RGBA64{uint16(rng.IntN(int(a) + 1)), uint16(rng.IntN(int(a) + 1)), uint16(rng.IntN(int(a) + 1)), a})
			rgba64.Set(x, y, color.RGBA64{uint16(rng.IntN(int(a) + 1)), uint16(rng.IntN(int(a) + 1)), uint16(rng.IntN(int(a) + 1)), a})
		}
	}
	palette := color.Palette{color.Black, color.White, color.NRGBA{200, 30, 90, 255}, color.NRGBA{10, 250, 40, 100}}
	paletted := image.NewPaletted(r, palette)
	for i := range paletted.Pix {
		paletted.Pix[i] = uint8(rng.IntN(len(palette)))
	}
	imgs := map[string]image.Image{
		"RGBA": rgba, "NRGBA": nrgba, "Gray": gray, "Gray16": gray16, "RGBA64": rgba64, "NRGBA64": nrgba64,
		"CMYK": cmyk, "Alpha": alpha, "Paletted": paletted,
		"At only": struct{ image.Image }{nrgba},
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		ycc := image.NewNYCbCrA(r, ratio)
		for _, pix := range [][]uint8{ycc.Y, ycc.Cb, ycc.Cr, ycc.A} {
			fill(pix)
		}
		imgs["YCbCr "+ratio.String()] = &ycc.YCbCr
		imgs["NYCbCrA "+ratio.String()] = ycc
	}
	return imgs
}

// BenchmarkResizeShorter times the resize of a typical ImageNet photo, decoded from JPEG, to the
// paper's 256, with ResizeShorter's kernel and with ApproxBiLinear.
func BenchmarkResizeShorter(b *testing.B) {
	src := image.NewYCbCr(image.Rect(0, 0, 500, 375), image.YCbCrSubsampleRatio420)
	b.Run("CatmullRom", func(b *testing.B) {
		for b.Loop() {
			ResizeShorter(src, 256)
		}
	})
	b.Run("ApproxBiLinear", func(b *testing.B) {
		dst := image.NewRGBA(image.Rect(0, 0, 341, 256))
		for b.Loop() {
			draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		}
	})
}
