package train

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"github.com/netc-project/netc/runtime"
)

// The look of the filter grid: each kernel value is a square of pixels, so that a 5×5 or 11×11
// kernel comes out at least filterTile pixels wide; kernels are filterGap pixels apart, on a
// dark grey background.
const (
	filterTile = 48
	filterGap  = 2
)

var filterBackground = color.RGBA{48, 48, 48, 255}

// WriteFilters draws the kernels of a convolution's weight p (out × in × kh × kw, PyTorch's
// layout), as the AlexNet paper's figure of conv1's 96 kernels, into a PNG at path, atomically:
// one tile per output channel, in a grid as square as the count allows, each kernel scaled to
// the full range of grey (one input channel) or colour (three, as RGB) by its own minimum and
// maximum, so that its pattern shows whatever its size.
func WriteFilters(path string, p runtime.Param) error {
	img, err := filterGrid(p)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	err = writeAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
	if err != nil {
		return fmt.Errorf("writing filters %s: %w", path, err)
	}
	return nil
}

// filterGrid draws p's kernels as WriteFilters describes.
func filterGrid(p runtime.Param) (*image.RGBA, error) {
	if len(p.Shape) != 4 {
		return nil, fmt.Errorf("%s has shape %v; filters need 4 dimensions (out, in, height, width)", p.Name, p.Shape)
	}
	out, in, kh, kw := p.Shape[0], p.Shape[1], p.Shape[2], p.Shape[3]
	if in != 1 && in != 3 {
		return nil, fmt.Errorf("%s: kernels of %d input channels cannot be drawn; only of 1 (grey) or 3 (RGB)", p.Name, in)
	}
	if out < 1 || kh < 1 || kw < 1 || len(p.Data) != out*in*kh*kw {
		return nil, fmt.Errorf("%s: %d values do not fill shape %v", p.Name, len(p.Data), p.Shape)
	}
	scale := max(1, (filterTile+max(kh, kw)-1)/max(kh, kw))
	cols := gridColumns(out)
	rows := (out + cols - 1) / cols
	tw, th := kw*scale, kh*scale
	img := image.NewRGBA(image.Rect(0, 0, cols*(tw+filterGap)+filterGap, rows*(th+filterGap)+filterGap))
	draw.Draw(img, img.Bounds(), image.NewUniform(filterBackground), image.Point{}, draw.Src)
	size := in * kh * kw
	for f := range out {
		k := p.Data[f*size : (f+1)*size]
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range k {
			lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
		}
		level := func(v float32) uint8 {
			if !(hi > lo) { // a constant kernel, or NaN: mid grey
				return 128
			}
			return uint8(math.Round(255 * (float64(v) - lo) / (hi - lo)))
		}
		x0 := filterGap + (f%cols)*(tw+filterGap)
		y0 := filterGap + (f/cols)*(th+filterGap)
		for y := range th {
			for x := range tw {
				at := (y/scale)*kw + x/scale
				c := color.RGBA{A: 255}
				if in == 1 {
					c.R = level(k[at])
					c.G, c.B = c.R, c.R
				} else {
					c.R, c.G, c.B = level(k[at]), level(k[kh*kw+at]), level(k[2*kh*kw+at])
				}
				img.SetRGBA(x0+x, y0+y, c)
			}
		}
	}
	return img, nil
}

// gridColumns returns the number of columns for n tiles: the smallest divisor of n from √n up
// to 2√n, so that the grid is full and nearly square (8 for 32, 12 for 96), or ⌈√n⌉ if n has
// none there.
func gridColumns(n int) int {
	root := int(math.Ceil(math.Sqrt(float64(n))))
	for c := root; c <= 2*root; c++ {
		if n%c == 0 {
			return c
		}
	}
	return root
}
