package preprocess

import (
	"image"
	"testing"

	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCenterCrop checks the centre crop's offset, rounded down when the margin is odd, and that
// it is relative to the rectangle's origin.
func TestCenterCrop(t *testing.T) {
	assert.Equal(t, image.Rect(14, 14, 241, 241), CenterCrop(image.Rect(0, 0, 256, 256), 227, 227))
	assert.Equal(t, image.Rect(16, 16, 240, 240), CenterCrop(image.Rect(0, 0, 256, 256), 224, 224))
	assert.Equal(t, image.Rect(57, 0, 284, 227), CenterCrop(image.Rect(0, 0, 341, 227), 227, 227))
	assert.Equal(t, image.Rect(11, 21, 13, 24), CenterCrop(image.Rect(10, 20, 15, 25), 2, 3))
	assert.Equal(t, image.Rect(10, 20, 15, 25), CenterCrop(image.Rect(10, 20, 15, 25), 5, 5))
}

// TestTenCrop checks the paper's ten crops exactly: at 256 → 227, corners at 0 and 29 and the
// centre at 14, then the same five mirrored.
func TestTenCrop(t *testing.T) {
	at := func(x, y int) image.Rectangle { return image.Rect(x, y, x+227, y+227) }
	five := []image.Rectangle{at(0, 0), at(29, 0), at(0, 29), at(29, 29), at(14, 14)}
	var want [10]Crop
	for i, r := range five {
		want[i], want[5+i] = Crop{Rect: r}, Crop{Rect: r, Flip: true}
	}
	assert.Equal(t, want, TenCrop(image.Rect(0, 0, 256, 256), 227, 227))

	// A rectangle not at the origin, and not square.
	got := TenCrop(image.Rect(100, 50, 110, 56), 4, 3)
	assert.Equal(t, image.Rect(100, 50, 104, 53), got[0].Rect)
	assert.Equal(t, image.Rect(106, 50, 110, 53), got[1].Rect)
	assert.Equal(t, image.Rect(100, 53, 104, 56), got[2].Rect)
	assert.Equal(t, image.Rect(106, 53, 110, 56), got[3].Rect)
	assert.Equal(t, image.Rect(103, 51, 107, 54), got[4].Rect)
	for i := range 5 {
		assert.Equal(t, Crop{Rect: got[i].Rect, Flip: true}, got[5+i])
		assert.False(t, got[i].Flip)
	}
}

// TestRandomCrop checks that random crops stay inside, reach every offset about equally often,
// and depend only on the generator's seed.
func TestRandomCrop(t *testing.T) {
	r := image.Rect(10, 20, 15, 24) // 5×4: a 3×3 crop has 3×2 offsets
	rng := runtime.NewRNG(7)
	counts := map[image.Point]int{}
	const n = 6000
	for range n {
		c := RandomCrop(r, 3, 3, &rng)
		require.Equal(t, image.Pt(3, 3), c.Size())
		require.True(t, c.In(r), "%v outside %v", c, r)
		counts[c.Min]++
	}
	assert.Len(t, counts, 6)
	for p, k := range counts {
		assert.InDelta(t, n/6, k, 150, "offset %v", p)
	}

	a, b := runtime.NewRNG(3), runtime.NewRNG(3)
	for range 20 {
		assert.Equal(t, RandomCrop(r, 2, 2, &a), RandomCrop(r, 2, 2, &b))
	}
	// A crop the size of the rectangle has only one place to go.
	assert.Equal(t, r, RandomCrop(r, 5, 4, &a))
}

// TestCropTooBig checks that a crop larger than the image is a panic with the sizes in it.
func TestCropTooBig(t *testing.T) {
	rng := runtime.NewRNG(1)
	r := image.Rect(0, 0, 10, 8)
	assert.PanicsWithValue(t, "preprocess: a 11×8 crop does not fit in a 10×8 image", func() { CenterCrop(r, 11, 8) })
	assert.Panics(t, func() { RandomCrop(r, 10, 9, &rng) })
	assert.Panics(t, func() { TenCrop(r, 0, 3) })
}

// TestFlipHorizontal checks the mirror of every row of every channel, for odd and even widths.
func TestFlipHorizontal(t *testing.T) {
	x := []float32{
		1, 2, 3, // channel 0
		4, 5, 6,
		7, 8, 9, // channel 1
		10, 11, 12,
	}
	FlipHorizontal(x, 2, 2, 3)
	assert.Equal(t, []float32{3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10}, x)

	y := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	FlipHorizontal(y, 1, 2, 4)
	assert.Equal(t, []float32{4, 3, 2, 1, 8, 7, 6, 5}, y)
	FlipHorizontal(y, 1, 2, 4)
	assert.Equal(t, []float32{1, 2, 3, 4, 5, 6, 7, 8}, y)

	assert.Panics(t, func() { FlipHorizontal(y, 3, 2, 4) })
}

// TestFlipMatchesMirroredImage checks that flipping the converted values equals converting the
// mirrored image.
func TestFlipMatchesMirroredImage(t *testing.T) {
	src := positions(7, 4)
	mirror := image.NewRGBA(src.Bounds())
	for y := range 4 {
		for x := range 7 {
			mirror.SetRGBA(6-x, y, src.RGBAAt(x, y))
		}
	}
	mean, std := [3]float64{0.4, 0.5, 0.6}, [3]float64{0.2, 0.3, 0.4}
	got, want := make([]float32, 3*7*4), make([]float32, 3*7*4)
	ToCHW(src, src.Bounds(), mean, std, got)
	FlipHorizontal(got, 3, 4, 7)
	ToCHW(mirror, mirror.Bounds(), mean, std, want)
	assert.Equal(t, want, got)
}
