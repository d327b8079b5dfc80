package data

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
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
