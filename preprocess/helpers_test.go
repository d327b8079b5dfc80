package preprocess

import (
	"image"
	"image/color"
)

// positions returns a w×h opaque image whose red is x + 1 and green y + 1 at (x, y), and blue
// 200, so that a crop's values say where it came from. w and h must be below 255.
func positions(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x + 1), uint8(y + 1), 200, 255})
		}
	}
	return img
}

// chw returns value (x, y) of channel c of a CHW image w wide and h high.
func chw(x []float32, w, h, c, px, py int) float32 { return x[c*w*h+py*w+px] }
