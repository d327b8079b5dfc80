package preprocess

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"golang.org/x/image/draw"
)

// ResizeShorter returns img scaled, keeping its aspect ratio, so that its shorter side is side
// pixels; the longer side is rounded to the nearest pixel. The result's bounds start at (0, 0).
// An image whose shorter side is already side is copied unchanged.
//
// Scaling uses the Catmull-Rom cubic kernel (golang.org/x/image/draw.CatmullRom), and the
// result's pixels are bit for bit those of draw.CatmullRom.Scale (TestResizeMatchesDraw). When it
// shrinks an image it widens the kernel by the scale factor, so every source pixel contributes and
// fine detail is averaged rather than aliased. ApproxBiLinear is about four times faster but, when
// shrinking, blends only the four source pixels nearest each output pixel and skips the rest:
// ImageNet photos (typically 500×375, shrunk to a shorter side of 256) would come out with moiré
// and jagged edges, a distortion absent from the images the trained network will be shown later
// (TestResizeShorterAntiAliasing measures the difference). The price is about 10 ms per 500×375
// photo on one core (BenchmarkResizeShorter), twice its JPEG decoding (data's
// BenchmarkAugmenterTrain), and less in Config.Region, which computes only the central 256×256 of
// the 341×256 result: small beside a training step's 4.35 GFLOP per image.
//
// The result is as long as the aspect ratio makes it, which an image's size alone does not bound:
// a 1×16384 image, within Load's limits, scaled to a shorter side of 256 is 256×4194304 pixels,
// 4 GiB. ResizeSquare, which Config.Region uses, computes only the central square.
//
// ResizeShorter panics if side < 1 or img is empty.
func ResizeShorter(img image.Image, side int) *image.RGBA {
	size := shorterSize(img.Bounds(), side)
	return scale(img, size, image.Rectangle{Max: size})
}

// ResizeSquare returns the central side×side square of img scaled as ResizeShorter scales it:
// the pixels, and the bounds, of ResizeShorter(img, side).SubImage(CenterCrop(b, side, side)),
// where b is that whole result's bounds. Only the square is computed: whatever img's aspect
// ratio, ResizeSquare allocates the square, one source row and as many rows of the square's width
// as the kernel is tall, and takes the time of the square and the source pixels under it. A
// 1×16384 image scaled to 256 costs 400 KB and a few milliseconds, where ResizeShorter computes
// 256×4194304 pixels, 4 GiB, to keep 1/16384 of them. Every crop Config and data's Augmenter
// take lies in this square.
//
// ResizeSquare panics if side < 1 or img is empty.
func ResizeSquare(img image.Image, side int) *image.RGBA {
	size := shorterSize(img.Bounds(), side)
	return scale(img, size, CenterCrop(image.Rectangle{Max: size}, side, side))
}

// shorterSize returns the size of an image with bounds b scaled, keeping its aspect ratio, so
// that its shorter side is side: the longer side is rounded to the nearest integer, and is never
// below one pixel.
func shorterSize(b image.Rectangle, side int) image.Point {
	w, h := b.Dx(), b.Dy()
	if side < 1 || w < 1 || h < 1 {
		panic(fmt.Sprintf("preprocess: resizing a %d×%d image to side %d", w, h, side))
	}
	size := image.Pt(side, side)
	if w > h {
		size.X = max(1, int((int64(w)*int64(side)+int64(h)/2)/int64(h)))
	} else if h > w {
		size.Y = max(1, int((int64(h)*int64(side)+int64(w)/2)/int64(w)))
	}
	return size
}

// scale returns the rectangle part of img scaled to size, the pixels that
//
//	dst := image.NewRGBA(image.Rectangle{Max: size})
//	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
//
// would write there (or, if size is img's, draw.Draw's copy), computing only those. Like draw it
// scales rows, into a temporary image of float64 RGBA, then columns; but where draw holds every
// source row scaled to the whole width, scale holds only the columns of part, and only the few
// rows that one destination row reads (a ring of them, the kernel's height). The arithmetic is
// draw's, operation for operation, so the pixels are equal bit for bit.
func scale(img image.Image, size image.Point, part image.Rectangle) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(part)
	if size == b.Size() {
		draw.Draw(dst, part, img, b.Min.Add(part.Min), draw.Src)
		return dst
	}
	h := newAxis(size.X, b.Dx(), part.Min.X, part.Max.X)
	v := newAxis(size.Y, b.Dy(), part.Min.Y, part.Max.Y)
	w := part.Dx()
	x0 := h.spans[0].lo // the first source column part reads, as the last is h.spans[w-1].hi-1
	row := make([]color.RGBA64, h.spans[w-1].hi-x0)
	ring := make([][4]float64, v.height*w)
	// draw's fast paths for these images, which cannot be translucent, give their scaled rows an
	// alpha of exactly 1 rather than the sum of the weights times 0xffff over 0xffff.
	var opaque bool
	switch m := img.(type) {
	case *image.Gray:
		opaque = true
	case *image.YCbCr:
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440:
			opaque = true
		}
	}

	next := 0 // the next source row to scale into the ring
	for y, s := range v.spans {
		for next = max(next, s.lo); next < s.hi; next++ {
			readRow(img, b.Min.X+x0, b.Min.Y+next, row)
			tmp := ring[next%v.height*w:][:w]
			for x, hs := range h.spans {
				var pr, pg, pb, pa float64
				for _, t := range h.taps[hs.i:hs.j] {
					p := row[t.coord-x0]
					pr += float64(float64(p.R) * t.weight)
					pg += float64(float64(p.G) * t.weight)
					pb += float64(float64(p.B) * t.weight)
					pa += float64(float64(p.A) * t.weight)
				}
				pa *= hs.invFFFF
				if opaque {
					pa = 1
				}
				tmp[x] = [4]float64{pr * hs.invFFFF, pg * hs.invFFFF, pb * hs.invFFFF, pa}
			}
		}
		out := dst.Pix[y*dst.Stride:][:4*w]
		for x := range w {
			var pr, pg, pb, pa float64
			for _, t := range v.taps[s.i:s.j] {
				p := &ring[t.coord%v.height*w+x]
				pr += float64(p[0] * t.weight)
				pg += float64(p[1] * t.weight)
				pb += float64(p[2] * t.weight)
				pa += float64(p[3] * t.weight)
			}
			pr, pg, pb = min(pr, pa), min(pg, pa), min(pb, pa)
			out[4*x+0] = uint8(ftou(pr*s.inv) >> 8)
			out[4*x+1] = uint8(ftou(pg*s.inv) >> 8)
			out[4*x+2] = uint8(ftou(pb*s.inv) >> 8)
			out[4*x+3] = uint8(ftou(pa*s.inv) >> 8)
		}
	}
	return dst
}

// An axis holds the Catmull-Rom weights along one axis for a run of destination pixels, as
// draw's distrib does for all of them.
type axis struct {
	spans  []span
	taps   []tap
	height int // the most source pixels from one span's lo to its hi
}

// A span is what one destination pixel reads: taps[i:j], from the source pixels lo ≤ coord < hi.
// inv is 1 over the sum of their weights, invFFFF that over 0xffff.
type span struct {
	i, j, lo, hi int
	inv, invFFFF float64
}

// A tap is the weight of a source pixel, at coord from the image's Min.
type tap struct {
	coord  int
	weight float64
}

// newAxis returns the weights of the destination pixels from lo to hi (exclusive) of an axis
// scaled from sn source to dn destination pixels: those of draw's newDistrib(CatmullRom, dn, sn)
// for those pixels, computed as it computes them. lo and hi are non-decreasing from one
// destination pixel to the next.
func newAxis(dn, sn, lo, hi int) axis {
	k := draw.CatmullRom
	scale := float64(sn) / float64(dn)
	halfWidth, argScale := k.Support, 1.0
	if scale > 1 { // shrinking: widen the kernel so that every source pixel contributes
		halfWidth *= scale
		argScale = 1 / scale
	}
	a := axis{spans: make([]span, 0, hi-lo)}
	for x := lo; x < hi; x++ {
		center := float64((float64(x)+0.5)*scale) - 0.5
		s := span{i: len(a.taps), lo: max(0, int(math.Floor(center-halfWidth)))}
		s.hi = max(s.lo, min(sn, int(math.Ceil(center+halfWidth))))
		total := 0.0
		for c := s.lo; c < s.hi; c++ {
			t := (center - float64(c)) * argScale
			if t < 0 {
				t = -t
			}
			if t >= k.Support {
				continue
			}
			wt := k.At(t)
			if wt == 0 {
				continue
			}
			total += wt
			a.taps = append(a.taps, tap{c, wt})
		}
		s.j = len(a.taps)
		s.inv = 1 / total
		s.invFFFF = s.inv / 0xffff
		a.spans = append(a.spans, s)
		a.height = max(a.height, s.hi-s.lo)
	}
	return a
}

// readRow reads the len(row) pixels of img from (x, y) rightwards.
func readRow(img image.Image, x, y int, row []color.RGBA64) {
	if m, ok := img.(image.RGBA64Image); ok { // all the standard library's image types
		for i := range row {
			row[i] = m.RGBA64At(x+i, y)
		}
		return
	}
	for i := range row {
		r, g, b, a := img.At(x+i, y).RGBA()
		row[i] = color.RGBA64{uint16(r), uint16(g), uint16(b), uint16(a)}
	}
}

// ftou converts [0, 1] to [0, 0xffff], rounding and clamping, as draw does.
func ftou(f float64) uint16 {
	i := int32(float64(0xffff*f) + 0.5)
	if i > 0xffff {
		return 0xffff
	}
	if i > 0 {
		return uint16(i)
	}
	return 0
}
