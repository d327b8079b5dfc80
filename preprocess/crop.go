package preprocess

import (
	"fmt"
	"image"

	"github.com/netc-project/netc/runtime"
)

// The crop functions return rectangles within an image's bounds, not copies: convert one with
// ToCHW, which takes the rectangle, or cut it out with the image's SubImage method. They panic if
// a w×h crop does not fit in r; Config and data's Augmenter check sizes first and return an error.

// CenterCrop returns the w×h rectangle in the middle of r. When the margin is odd the extra pixel
// goes to the right or bottom (offsets are rounded down), as in Caffe.
func CenterCrop(r image.Rectangle, w, h int) image.Rectangle {
	mustFit(r, w, h)
	x, y := r.Min.X+(r.Dx()-w)/2, r.Min.Y+(r.Dy()-h)/2
	return image.Rect(x, y, x+w, y+h)
}

// RandomCrop returns a w×h rectangle within r at an offset drawn uniformly from all those that
// fit. It draws the horizontal offset, then the vertical one, from rng.
func RandomCrop(r image.Rectangle, w, h int, rng *runtime.RNG) image.Rectangle {
	mustFit(r, w, h)
	x := r.Min.X + rng.Intn(r.Dx()-w+1)
	y := r.Min.Y + rng.Intn(r.Dy()-h+1)
	return image.Rect(x, y, x+w, y+h)
}

// A Crop is one evaluation patch: a rectangle of the image, mirrored left to right if Flip.
type Crop struct {
	Rect image.Rectangle
	Flip bool
}

// TenCrop returns the paper's ten evaluation patches of size w×h within r: the top-left,
// top-right, bottom-left and bottom-right corners and the centre (as CenterCrop), then the same
// five mirrored.
func TenCrop(r image.Rectangle, w, h int) [10]Crop {
	mustFit(r, w, h)
	at := func(x, y int) image.Rectangle { return image.Rect(x, y, x+w, y+h) }
	var c [10]Crop
	c[0].Rect = at(r.Min.X, r.Min.Y)
	c[1].Rect = at(r.Max.X-w, r.Min.Y)
	c[2].Rect = at(r.Min.X, r.Max.Y-h)
	c[3].Rect = at(r.Max.X-w, r.Max.Y-h)
	c[4].Rect = CenterCrop(r, w, h)
	for i := range 5 {
		c[5+i] = Crop{Rect: c[i].Rect, Flip: true}
	}
	return c
}

// mustFit panics unless a w×h crop fits in r.
func mustFit(r image.Rectangle, w, h int) {
	if w < 1 || h < 1 || w > r.Dx() || h > r.Dy() {
		panic(fmt.Sprintf("preprocess: a %d×%d crop does not fit in a %d×%d image", w, h, r.Dx(), r.Dy()))
	}
}

// FlipHorizontal mirrors, in place, each row of the c×h×w image x (CHW, as ToCHW writes it).
// Flipping after the conversion rather than before serves every image type and channel count
// alike and copies nothing; since conversion and normalisation act on each pixel alone, the result
// is the same as converting a mirrored image.
func FlipHorizontal(x []float32, c, h, w int) {
	if len(x) != c*h*w {
		panic(fmt.Sprintf("preprocess: FlipHorizontal of %d values as %d×%d×%d", len(x), c, h, w))
	}
	for row := range c * h {
		r := x[row*w : (row+1)*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
	}
}
