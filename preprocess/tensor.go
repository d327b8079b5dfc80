package preprocess

import (
	"fmt"
	"image"
	"image/color"
)

// Luminance weights of ITU-R BT.601 in 16-bit fixed point, summing to 1<<16, as color.GrayModel.
const lumR, lumG, lumB = 19595, 38470, 7471

// ToCHW writes the rectangle r of img (its bounds, or a crop within them, which need not be
// copied out first) as one image of a network's input: channel-major (CHW, the per-image part of
// NCHW) float32, each value the pixel's channel in [0, 1] normalised as (v − mean[c]) / std[c].
// The channel count comes from dst, which must hold exactly c·h·w values for r's w×h:
//
//   - c = 3: red, green and blue, a grey image's value repeated in each;
//   - c = 1: a grey image's value, or a colour image's luminance (ITU-R BT.601, as Go's
//     color.GrayModel), normalised with mean[0] and std[0].
//
// Colours are those the image reports, which for translucent pixels means premultiplied by
// alpha: composited over black. ToCHW panics if dst's length does not fit the rectangle.
func ToCHW(img image.Image, r image.Rectangle, mean, std [3]float64, dst []float32) {
	w, h := r.Dx(), r.Dy()
	c := 0
	if plane := w * h; plane > 0 {
		c = len(dst) / plane
	}
	if (c != 1 && c != 3) || len(dst) != c*w*h {
		panic(fmt.Sprintf("preprocess: ToCHW of a %d×%d image into %d values; want %d (3 channels) or %d (1)", w, h, len(dst), 3*w*h, w*h))
	}
	// Each value is v·scale + offset, with v the 8-bit (max 255) or 16-bit (max 65535) sample.
	var scale8, scale16, offset [3]float64
	for i := range c {
		scale8[i] = 1 / (255 * std[i])
		scale16[i] = 1 / (65535 * std[i])
		offset[i] = -mean[i] / std[i]
	}
	value := func(v float64, scale *[3]float64, ch int) float32 {
		return float32(v*scale[ch] + offset[ch])
	}
	plane := w * h
	switch m := img.(type) {
	case *image.RGBA: // what ResizeShorter and ResizeSquare return
		for y := range h {
			row := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			out := dst[y*w:]
			for x := range w {
				p := row[4*x : 4*x+3 : 4*x+3]
				if c == 3 {
					out[x] = value(float64(p[0]), &scale8, 0)
					out[plane+x] = value(float64(p[1]), &scale8, 1)
					out[2*plane+x] = value(float64(p[2]), &scale8, 2)
				} else {
					out[x] = value(float64(lumR*int(p[0])+lumG*int(p[1])+lumB*int(p[2]))/(1<<16), &scale8, 0)
				}
			}
		}
	case *image.Gray: // what IDX datasets hold
		for y := range h {
			row := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			out := dst[y*w:]
			for x := range w {
				v := float64(row[x])
				for ch := range c {
					out[ch*plane+x] = value(v, &scale8, ch)
				}
			}
		}
	default: // decoded JPEGs and PNGs used without resizing: slower, but exact
		rgba64, _ := img.(image.RGBA64Image)
		for y := range h {
			out := dst[y*w:]
			for x := range w {
				var px color.RGBA64
				if rgba64 != nil { // all the standard library's image types: no allocation
					px = rgba64.RGBA64At(r.Min.X+x, r.Min.Y+y)
				} else {
					cr, cg, cb, ca := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
					px = color.RGBA64{uint16(cr), uint16(cg), uint16(cb), uint16(ca)}
				}
				if c == 3 {
					out[x] = value(float64(px.R), &scale16, 0)
					out[plane+x] = value(float64(px.G), &scale16, 1)
					out[2*plane+x] = value(float64(px.B), &scale16, 2)
				} else {
					out[x] = value(float64(lumR*int(px.R)+lumG*int(px.G)+lumB*int(px.B))/(1<<16), &scale16, 0)
				}
			}
		}
	}
}
