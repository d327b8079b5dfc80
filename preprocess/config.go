package preprocess

import (
	"errors"
	"fmt"
	"image"
)

// Config is how a network's spec prepares an image for evaluation and prediction: the input's
// shape, the scaling, the crops and the normalisation. The package netc generates from a spec
// holds the spec's Config as Preprocessing; data's Augmenter embeds one and trains from the same
// scaled region, so that a model is evaluated, and later used, on images prepared as it was
// trained.
type Config struct {
	// Channels, Height and Width are the network's input: 1 (grey) or 3 (RGB) channels.
	Channels, Height, Width int
	// Resize is the shorter side images are scaled to first, as the spec's resize says; 0 for
	// none (see Region).
	Resize int
	// TenCrop selects the paper's ten crops (TenCrop) for evaluation rather than the centre
	// crop alone: Prepare writes ten images, whose softmax outputs are averaged.
	TenCrop bool
	// Mean and Std normalise each channel's values in [0, 1]: (v − Mean[c]) / Std[c]. A grey
	// input uses Mean[0] and Std[0].
	Mean, Std [3]float64
}

// Size returns the number of float32 values of one input image: Channels·Height·Width.
func (c Config) Size() int { return c.Channels * c.Height * c.Width }

// Crops returns the number of images Prepare writes per image: 10 for ten-crop evaluation, else 1.
func (c Config) Crops() int {
	if c.TenCrop {
		return 10
	}
	return 1
}

// Region returns the image crops are taken from and the part of it they lie in. With Resize set,
// that is the central Resize×Resize square of img scaled so that its shorter side is Resize, and
// only the square is computed (ResizeSquare): a 1×16384 image costs what a photograph does.
// Without Resize, an image whose shorter side is longer than the input's larger side is scaled
// in the same way to that side, so that the network sees the whole of a large image, at the
// scale it was trained at, rather than a small patch of its middle; so is an image smaller than
// the input, up; any other image is used as it is, its bounds the region. Only an empty image is
// an error (and, in a Config made by hand, a Resize smaller than the input).
func (c Config) Region(img image.Image) (image.Image, image.Rectangle, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, b, errors.New("the image is empty")
	}
	side := c.Resize
	large := min(b.Dx(), b.Dy()) > max(c.Height, c.Width)
	small := b.Dx() < c.Width || b.Dy() < c.Height
	if side == 0 && (large || small) {
		side = max(c.Height, c.Width)
	}
	src, region := img, b
	if side > 0 {
		r := ResizeSquare(img, side)
		src, region = r, r.Bounds()
	}
	if region.Dx() < c.Width || region.Dy() < c.Height {
		return nil, region, fmt.Errorf("image is %d×%d, smaller than the input %dx%dx%d; resize it in the spec's augment block",
			b.Dx(), b.Dy(), c.Channels, c.Height, c.Width)
	}
	return src, region, nil
}

// Prepare writes img's evaluation input into dst, which must hold Crops()·Size() values: the
// centre crop of its Region, or the ten crops of TenCrop, in that order, each normalised. The
// network's prediction for img is the mean of its softmax outputs over the crops
// (runtime.MeanSoftmax). It fails only if img is empty.
func (c Config) Prepare(img image.Image, dst []float32) error {
	if len(dst) != c.Crops()*c.Size() {
		panic(fmt.Sprintf("preprocess: Prepare into %d values; want %d crops × %d", len(dst), c.Crops(), c.Size()))
	}
	src, region, err := c.Region(img)
	if err != nil {
		return err
	}
	if !c.TenCrop {
		ToCHW(src, CenterCrop(region, c.Width, c.Height), c.Mean, c.Std, dst)
		return nil
	}
	size := c.Size()
	for i, crop := range TenCrop(region, c.Width, c.Height) {
		x := dst[i*size : (i+1)*size]
		ToCHW(src, crop.Rect, c.Mean, c.Std, x)
		if crop.Flip {
			FlipHorizontal(x, c.Channels, c.Height, c.Width)
		}
	}
	return nil
}
