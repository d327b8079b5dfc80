package data

import (
	"errors"
	"fmt"
	"image"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/preprocess"
	"github.com/netc-project/netc/runtime"
)

// Augmenter turns images into a network's input as its spec's augment block says: the paper's
// pipeline for training examples and its centre or ten crops for evaluation. An Augmenter is
// safe for concurrent use once its exported fields are set.
//
// For training, Train does, in order:
//
//  1. scale the image as evaluation does (preprocess.Config.Region): with the spec's resize, so
//     that the shorter side is Resize, keeping the central Resize×Resize square, as the paper
//     does; without one, an image larger than the input, or smaller, has its shorter side scaled
//     to the input's. Only the square is computed, so the cost is bounded by the square and the source
//     pixels under it, whatever the aspect ratio: a 1×16384 image, which would scale to
//     256×4194304, is as cheap as a photograph;
//  2. crop the input's height × width: at random if the spec has a crop, else in the centre
//     (an image already the input's size is used whole);
//  3. mirror it left to right with probability ½, if the spec asks for flips;
//  4. shift its colours by PCA lighting, if the spec asks and the input is RGB;
//  5. convert to CHW float32 normalised by Mean and Std (preprocess.ToCHW).
//
// Steps 2–5 happen in a single pass from the scaled image into the batch: the crop is a
// rectangle, not a copy; lighting is folded into the mean (see Lighting); the flip mirrors the
// written values in place (see preprocess.FlipHorizontal).
//
// Evaluation (Eval) is the embedded Config's Prepare: what the generated package's Predict does
// with the same Config, its Preprocessing.
type Augmenter struct {
	// Config is the input's shape, the scaling, the evaluation crops and the normalisation: Mean
	// and Std are the spec's (for RGB inputs ImageNet's by default, for grey ones none: values
	// stay in [0, 1]). Whatever else is set in them applies to training and evaluation alike, but
	// not to the generated package's Predict, which prepares images as the spec says.
	preprocess.Config
	// Eigval and Eigvec are the principal components PCA lighting shifts colours along:
	// ImageNet's unless replaced, for instance by those PCA computes from a training set.
	Eigval [3]float64
	Eigvec [3][3]float64

	random   bool    // random crops when training, else centre crops
	flip     bool    // random mirror images when training
	lighting float64 // σ of the lighting α_i, 0 for none
}

// NewAugmenter returns an Augmenter for a network whose images have the shape input (1 or 3
// channels) and whose spec's augment block is aug (compiler.Network's Input and Augment).
// Without an augment block, images are scaled as preprocess.Config.Region says (only when larger
// or smaller than the input), centre-cropped to it and converted to values in [0, 1], with no
// random change.
func NewAugmenter(aug compiler.Augment, input compiler.Shape) (*Augmenter, error) {
	if input.Flat || (input.C != 1 && input.C != 3) || input.H < 1 || input.W < 1 {
		return nil, fmt.Errorf("input %v: images must be 1 (grey) or 3 (RGB) channels × height × width", input)
	}
	a := &Augmenter{
		Config: preprocess.Config{Channels: input.C, Height: input.H, Width: input.W, Std: [3]float64{1, 1, 1}},
		Eigval: ImageNetEigval, Eigvec: ImageNetEigvec,
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
	for c, s := range aug.Std[:input.C] {
		if !(s > 0) {
			errs = append(errs, fmt.Errorf("augment: std %g of channel %d must be positive", s, c))
		}
	}
	a.Mean, a.Std = aug.Mean, aug.Std
	if input.C == 3 {
		a.lighting = aug.Lighting
	}
	a.Resize, a.random, a.flip = aug.Resize, aug.Crop != 0, aug.Flip
	a.TenCrop = aug.Eval == compiler.EvalTenCrop
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
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
	src, region, err := a.Region(img)
	if err != nil {
		return err
	}
	ch := choice{rect: preprocess.CenterCrop(region, a.Width, a.Height)}
	if a.random {
		ch.rect = preprocess.RandomCrop(region, a.Width, a.Height, rng)
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
// crop, or the ten crops of TenCrop, in that order (preprocess.Config.Prepare). The network's
// prediction for img is the average of its softmax outputs over the crops. It fails only if img
// is empty.
func (a *Augmenter) Eval(img image.Image, dst []float32) error { return a.Prepare(img, dst) }

// write converts the crop ch of src, with ch's flip and lighting, into dst, which holds Size()
// values.
func (a *Augmenter) write(src image.Image, ch choice, dst []float32) {
	mean := a.Mean
	if ch.alpha != [3]float64{} && a.Channels == 3 {
		shift := Lighting(ch.alpha, a.Eigval, a.Eigvec)
		for c := range mean {
			mean[c] -= shift[c]
		}
	}
	preprocess.ToCHW(src, ch.rect, mean, a.Std, dst)
	if ch.flip {
		preprocess.FlipHorizontal(dst, a.Channels, a.Height, a.Width)
	}
}
