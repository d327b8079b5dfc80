package preprocess

import (
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRegion checks the scaling: the spec's resize when it has one; without, an image larger
// than the input (its shorter side longer than the input's larger side) scaled to the input, and
// any other used as it is.
func TestRegion(t *testing.T) {
	c := Config{Channels: 3, Height: 8, Width: 8, Std: [3]float64{1, 1, 1}}
	for _, tt := range []struct {
		name   string
		img    *image.RGBA
		scaled int // the side it is scaled to, 0 for none
	}{
		{"the input's size", positions(8, 8), 0},
		{"wider, as tall as the input", positions(20, 8), 0},
		{"larger", positions(64, 48), 8},
		{"larger, at an offset", positions(30, 20).SubImage(image.Rect(3, 4, 30, 20)).(*image.RGBA), 8},
	} {
		src, region, err := c.Region(tt.img)
		require.NoError(t, err, tt.name)
		if tt.scaled == 0 {
			assert.Same(t, tt.img, src, tt.name)
			assert.Equal(t, tt.img.Bounds(), region, tt.name)
			continue
		}
		want := ResizeSquare(tt.img, tt.scaled)
		assert.Equal(t, want, src, tt.name)
		assert.Equal(t, want.Bounds(), region, tt.name)
	}

	c.Resize = 10
	src, region, err := c.Region(positions(8, 12))
	require.NoError(t, err)
	assert.Equal(t, ResizeSquare(positions(8, 12), 10), src, "the spec's resize, up as well as down")
	assert.Equal(t, 10, region.Dx())

	c.Resize = 0
	src, region, err = c.Region(positions(8, 7)) // smaller than the input: scaled up
	require.NoError(t, err)
	assert.Equal(t, ResizeSquare(positions(8, 7), 8), src, "an image smaller than the input, scaled up to it")
	assert.Equal(t, image.Rect(0, 0, 8, 8), region)
	_, _, err = c.Region(image.NewRGBA(image.Rectangle{}))
	assert.EqualError(t, err, "the image is empty")
}

// TestPrepare checks the evaluation crops: the centre of the region, or the ten crops of
// TenCrop in order, mirrored ones flipped, each normalised.
func TestPrepare(t *testing.T) {
	c := Config{Channels: 3, Height: 8, Width: 8, Resize: 10, TenCrop: true,
		Mean: [3]float64{0.1, 0.2, 0.3}, Std: [3]float64{0.5, 0.6, 0.7}}
	require.Equal(t, 10, c.Crops())
	require.Equal(t, 192, c.Size())
	img := positions(15, 25)
	square := ResizeSquare(img, 10)
	got := make([]float32, 10*192)
	require.NoError(t, c.Prepare(img, got))
	for i, crop := range TenCrop(square.Bounds(), 8, 8) {
		want := make([]float32, 192)
		ToCHW(square, crop.Rect, c.Mean, c.Std, want)
		if crop.Flip {
			FlipHorizontal(want, 3, 8, 8)
		}
		assert.Equal(t, want, got[i*192:(i+1)*192], "crop %d", i)
	}
	assert.Panics(t, func() { c.Prepare(img, got[:192]) })

	c.TenCrop = false
	require.Equal(t, 1, c.Crops())
	center := make([]float32, 192)
	require.NoError(t, c.Prepare(img, center))
	assert.Equal(t, got[4*192:5*192], center, "the centre crop is ten-crop's fifth")
	assert.Error(t, c.Prepare(positions(2, 2).SubImage(image.Rect(0, 0, 0, 0)), center))
}
