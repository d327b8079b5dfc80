package preprocess

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/image/draw"
)

// TestToCHWLayout checks every value of a small RGB image against (v/255 − mean) / std, at index
// c·h·w + y·w + x.
func TestToCHWLayout(t *testing.T) {
	const w, h = 4, 3
	src := positions(w, h)
	mean, std := [3]float64{0.485, 0.456, 0.406}, [3]float64{0.229, 0.224, 0.225}
	got := make([]float32, 3*w*h)
	ToCHW(src, src.Bounds(), mean, std, got)
	for y := range h {
		for x := range w {
			v := [3]float64{float64(x + 1), float64(y + 1), 200}
			for c := range 3 {
				want := float32((v[c]/255 - mean[c]) / std[c])
				assert.InDelta(t, want, got[c*w*h+y*w+x], 1e-6, "channel %d at (%d, %d)", c, x, y)
			}
		}
	}
	// Plain [0, 1] values are exact.
	ToCHW(src, src.Bounds(), [3]float64{}, [3]float64{1, 1, 1}, got)
	assert.Equal(t, float32(2.0/255), chw(got, w, h, 0, 1, 2))
	assert.Equal(t, float32(3.0/255), chw(got, w, h, 1, 1, 2))
	assert.Equal(t, float32(200.0/255), chw(got, w, h, 2, 1, 2))
}

// TestToCHWChannels checks grey images in 3 channels (repeated, each normalised with its own
// mean and std) and colour images in 1 (luminance, normalised with mean[0] and std[0]).
func TestToCHWChannels(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{51, 255}
	mean, std := [3]float64{0.1, 0.2, 0.3}, [3]float64{0.5, 0.25, 2}

	got := make([]float32, 6)
	ToCHW(gray, gray.Bounds(), mean, std, got)
	assert.InDeltaSlice(t, []float32{
		(0.2 - 0.1) / 0.5, (1 - 0.1) / 0.5,
		(0.2 - 0.2) / 0.25, (1 - 0.2) / 0.25,
		(0.2 - 0.3) / 2, (1 - 0.3) / 2,
	}, got, 1e-6)

	got = got[:2]
	ToCHW(gray, gray.Bounds(), mean, std, got)
	assert.InDeltaSlice(t, []float32{(0.2 - 0.1) / 0.5, (1 - 0.1) / 0.5}, got, 1e-6)

	// Colour to grey: BT.601 luminance; a grey colour keeps its value exactly.
	rgb := image.NewRGBA(image.Rect(0, 0, 3, 1))
	rgb.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	rgb.SetRGBA(1, 0, color.RGBA{0, 0, 255, 255})
	rgb.SetRGBA(2, 0, color.RGBA{77, 77, 77, 255})
	got = make([]float32, 3)
	ToCHW(rgb, rgb.Bounds(), [3]float64{}, [3]float64{1, 1, 1}, got)
	assert.Equal(t, []float32{19595.0 / 65536, 7471.0 / 65536, 77.0 / 255}, got)
}

// TestToCHWImageTypes checks that the general path (any image.Image) gives what the fast paths
// give, for a JPEG's YCbCr, a PNG's NRGBA and a type only the At method reads.
func TestToCHWImageTypes(t *testing.T) {
	const w, h = 6, 5
	src := positions(w, h)
	mean, std := [3]float64{0.5, 0.4, 0.3}, [3]float64{0.2, 0.3, 0.4}
	want := make([]float32, 3*w*h)
	ToCHW(src, src.Bounds(), mean, std, want)

	nrgba := image.NewNRGBA(src.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), src, image.Point{}, draw.Src)
	got := make([]float32, 3*w*h)
	ToCHW(nrgba, nrgba.Bounds(), mean, std, got)
	assert.InDeltaSlice(t, want, got, 1e-6)

	ToCHW(atOnly{src}, src.Bounds(), mean, std, got)
	assert.InDeltaSlice(t, want, got, 1e-6)

	// YCbCr: compare with the same image converted to RGBA by the standard library; the two
	// round to 8 bits at different points.
	ycc := image.NewYCbCr(src.Bounds(), image.YCbCrSubsampleRatio444)
	for y := range h {
		for x := range w {
			c := src.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = yy, cb, cr
		}
	}
	rgba := image.NewRGBA(src.Bounds())
	draw.Draw(rgba, rgba.Bounds(), ycc, image.Point{}, draw.Src)
	ToCHW(rgba, rgba.Bounds(), mean, std, want)
	ToCHW(ycc, ycc.Bounds(), mean, std, got)
	assert.InDeltaSlice(t, want, got, 1.5/255/0.2)
}

// atOnly hides every method of an image but the three of image.Image.
type atOnly struct{ img image.Image }

func (a atOnly) ColorModel() color.Model { return a.img.ColorModel() }
func (a atOnly) Bounds() image.Rectangle { return a.img.Bounds() }
func (a atOnly) At(x, y int) color.Color { return a.img.At(x, y) }

// TestToCHWRect checks that converting a rectangle of an image equals converting the sub-image,
// for each fast path and the general one.
func TestToCHWRect(t *testing.T) {
	src := positions(9, 7)
	gray := image.NewGray(src.Bounds())
	draw.Draw(gray, gray.Bounds(), src, image.Point{}, draw.Src)
	r := image.Rect(2, 3, 7, 6)
	type subImager interface {
		SubImage(image.Rectangle) image.Image
	}
	for _, tt := range []struct {
		img image.Image // converted with its rectangle r
		sub subImager   // the same pixels, cut with SubImage
	}{{src, src}, {gray, gray}, {atOnly{src}, src}} {
		want, got := make([]float32, 3*5*3), make([]float32, 3*5*3)
		sub := tt.sub.SubImage(r)
		ToCHW(sub, sub.Bounds(), [3]float64{}, [3]float64{1, 1, 1}, want)
		ToCHW(tt.img, r, [3]float64{}, [3]float64{1, 1, 1}, got)
		assert.Equal(t, want, got, "%T", tt.img)
	}
	// The rectangle's first value is its top-left pixel: red x+1 = 3, green y+1 = 4.
	got := make([]float32, 3*5*3)
	ToCHW(src, r, [3]float64{}, [3]float64{1, 1, 1}, got)
	assert.Equal(t, float32(3.0/255), got[0])
	assert.Equal(t, float32(4.0/255), got[15])
}

// TestToCHWLength checks that a destination of the wrong size is a panic.
func TestToCHWLength(t *testing.T) {
	src := positions(4, 3)
	for _, n := range []int{0, 11, 13, 24, 35, 37, 48} {
		assert.Panics(t, func() { ToCHW(src, src.Bounds(), [3]float64{}, [3]float64{1, 1, 1}, make([]float32, n)) }, "len %d", n)
	}
}
