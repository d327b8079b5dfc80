package data

import (
	"errors"
	"fmt"
	"image"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/runtime"
)

// Augmenter turns images into a network's input as its spec's augment block says: the paper's
// pipeline for training examples and its centre or ten crops for evaluation. An Augmenter is
// safe for concurrent use once its exported fields are set.
//
// For training, Train does, in order:
//
//  1. resize (if the spec asks) so that the shorter side is Resize, and keep the central
//     Resize×Resize square, as the paper does. Only the square is computed (ResizeSquare), so
//     the cost is bounded by the square and the source pixels under it, whatever the aspect
//     ratio: a 1×16384 image, which would scale to 256×4194304, is as cheap as a photograph;
//  2. crop the input's height × width: at random if the spec has a crop, else in the centre
//     (an image already the input's size is used whole);
//  3. mirror it left to right with probability ½, if the spec asks for flips;
//  4. shift its colours by PCA lighting, if the spec asks and the input is RGB;
//  5. convert to CHW float32 normalised by Mean and Std (ToCHW).
//
// Steps 2–5 happen in a single pass from the resized image into the batch: the crop is a
// rectangle, not a copy; lighting is folded into the mean (see Lighting); the flip mirrors the
// written values in place (see FlipHorizontal).
type Augmenter struct {
	// Mean and Std normalise each channel's values in [0, 1]: (v − Mean[c]) / Std[c]. They
	// come from the spec (ImageNet's by default) for RGB inputs. For grey inputs the spec's RGB
	// values do not apply; Mean is 0 and Std is 1, leaving values in [0, 1], and a data set's own
	// statistics can be set in Mean[0] and Std[0] (Fashion-MNIST's are 0.2860 and 0.3530).
	Mean, Std [3]float64
	// Eigval and Eigvec are the principal components PCA lighting shifts colours along:
	// ImageNet's unless replaced, for instance by those PCA computes from a training set.
	Eigval [3]float64
	Eigvec [3][3]float64

	input    compiler.Shape
	resize   int     // shorter side, 0 for none
	random   bool    // random crops when training, else centre crops
	flip     bool    // random mirror images when training
	lighting float64 // σ of the lighting α_i, 0 for none
	tencrop  bool    // Eval writes ten crops, not one
}

// NewAugmenter returns an Augmenter for a network whose images have the shape input (1 or 3
// channels) and whose spec's augment block is aug (compiler.Network's Input and Augment).
// Without an augment block, images must already be at least the input's size; they are
// centre-cropped to it and converted to values in [0, 1], with no random change.
func NewAugmenter(aug compiler.Augment, input compiler.Shape) (*Augmenter, error) {
	if input.Flat || (input.C != 1 && input.C != 3) || input.H < 1 || input.W < 1 {
		return nil, fmt.Errorf("input %v: images must be 1 (grey) or 3 (RGB) channels × height × width", input)
	}
	a := &Augmenter{
		Std:    [3]float64{1, 1, 1},
		Eigval: ImageNetEigval, Eigvec: ImageNetEigvec,
		input: input,
	}
	if !aug.Set {
		return a, nil
	}
	var errs []error
	if aug.Resize < 0 || aug.Crop < 0 || aug.Lighting < 0 {
		errs = append(errs, fmt.Errorf("augment: resize %d, crop %d and lighting %g must not be negative", aug.Resize, aug.Crop, aug.Lighting))
	}
	if aug.Crop != 0 && (aug.Crop != input.H || aug.Crop != input.W) {
		errs = append(errs, fmt.Errorf("augment: crop %d does not match the input %v", aug.Crop, input))
	}
	if aug.Resize > 0 && (aug.Resize < input.H || aug.Resize < input.W) {
		errs = append(errs, fmt.Errorf("augment: resize %d is smaller than the input %v", aug.Resize, input))
	}
	if input.C == 3 {
		for c, s := range aug.Std {
			if !(s > 0) {
				errs = append(errs, fmt.Errorf("augment: std %g of channel %d must be positive", s, c))
			}
		}
		a.Mean, a.Std = aug.Mean, aug.Std
		a.lighting = aug.Lighting
	}
	a.resize, a.random, a.flip = aug.Resize, aug.Crop != 0, aug.Flip
	a.tencrop = aug.Eval == compiler.EvalTenCrop
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// Size returns the number of float32 values of one input image: C·H·W.
func (a *Augmenter) Size() int { return int(a.input.Size()) }

// Crops returns the number of images Eval writes per example: 10 for ten-crop evaluation, else 1.
func (a *Augmenter) Crops() int {
	if a.tencrop {
		return 10
	}
	return 1
}

// choice is what Train draws at random for one use of an image.
type choice struct {
	rect  image.Rectangle // the crop
	flip  bool            // mirror it
	alpha [3]float64      // lighting's α_i
}

// Train writes one training example prepared from img into dst, which must hold Size() values.
// Its random choices come from rng, in this order: the crop's horizontal and vertical offsets, the
// flip, the three lighting α_i (each only when the spec asks for it). It fails only if img is too
// small for the input.
func (a *Augmenter) Train(img image.Image, rng *runtime.RNG, dst []float32) error {
	if len(dst) != a.Size() {
		panic(fmt.Sprintf("data: Augmenter.Train into %d values; want %d", len(dst), a.Size()))
	}
	src, region, err := a.region(img)
	if err != nil {
		return err
	}
	ch := choice{rect: CenterCrop(region, a.input.W, a.input.H)}
	if a.random {
		ch.rect = RandomCrop(region, a.input.W, a.input.H, rng)
	}
	if a.flip {
		ch.flip = rng.Uint64()>>63 == 1
	}
	if a.lighting > 0 {
		for i := range ch.alpha {
			ch.alpha[i] = a.lighting * rng.Normal()
		}
	}
	a.write(src, ch, dst)
	return nil
}

// Eval writes img's evaluation crops into dst, which must hold Crops()·Size() values: the centre
// crop, or the ten crops of TenCrop, in that order. The network's prediction for img is the
// average of its softmax outputs over the crops. It fails only if img is too small for the input.
func (a *Augmenter) Eval(img image.Image, dst []float32) error {
	if len(dst) != a.Crops()*a.Size() {
		panic(fmt.Sprintf("data: Augmenter.Eval into %d values; want %d crops × %d", len(dst), a.Crops(), a.Size()))
	}
	src, region, err := a.region(img)
	if err != nil {
		return err
	}
	if !a.tencrop {
		a.write(src, choice{rect: CenterCrop(region, a.input.W, a.input.H)}, dst)
		return nil
	}
	size := a.Size()
	for i, c := range TenCrop(region, a.input.W, a.input.H) {
		a.write(src, choice{rect: c.Rect, flip: c.Flip}, dst[i*size:(i+1)*size])
	}
	return nil
}

// region returns the image to crop from and the part of it crops are taken from: img's bounds,
// or, when resizing, the central square of the resized image, which is all ResizeSquare computes.
func (a *Augmenter) region(img image.Image) (image.Image, image.Rectangle, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, b, errors.New("the image is empty")
	}
	src, region := img, b
	if a.resize > 0 {
		r := ResizeSquare(img, a.resize)
		src, region = r, r.Bounds()
	}
	if region.Dx() < a.input.W || region.Dy() < a.input.H {
		return nil, region, fmt.Errorf("image is %d×%d, smaller than the input %v; resize it in the spec's augment block", b.Dx(), b.Dy(), a.input)
	}
	return src, region, nil
}

// write converts the crop ch of src, with ch's flip and lighting, into dst, which holds Size()
// values.
func (a *Augmenter) write(src image.Image, ch choice, dst []float32) {
	mean := a.Mean
	if ch.alpha != [3]float64{} && a.input.C == 3 {
		shift := Lighting(ch.alpha, a.Eigval, a.Eigvec)
		for c := range mean {
			mean[c] -= shift[c]
		}
	}
	toCHW(src, ch.rect, mean, a.Std, dst)
	if ch.flip {
		FlipHorizontal(dst, a.input.C, a.input.H, a.input.W)
	}
}
