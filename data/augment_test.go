package data

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/preprocess"
	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// paperAugment is the AlexNet spec's augment block scaled down: resize 10, crop 8, flips,
// lighting 0.1, ImageNet's mean and std, ten-crop evaluation.
var paperAugment = compiler.Augment{
	Set: true, Resize: 10, Crop: 8, Flip: true, Lighting: 0.1,
	Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225},
	Eval: compiler.EvalTenCrop,
}

// TestNewAugmenterErrors checks that settings the data cannot follow are refused, saying why.
func TestNewAugmenterErrors(t *testing.T) {
	rgb8 := compiler.Shape{C: 3, H: 8, W: 8}
	with := func(f func(*compiler.Augment)) compiler.Augment {
		a := paperAugment
		f(&a)
		return a
	}
	tests := []struct {
		aug   compiler.Augment
		input compiler.Shape
		want  string
	}{
		{paperAugment, compiler.Shape{C: 4, H: 8, W: 8}, "input 4x8x8: images must be 1 (grey) or 3 (RGB) channels × height × width"},
		{paperAugment, compiler.Shape{C: 784, H: 1, W: 1, Flat: true}, "input 784: images must be"},
		{with(func(a *compiler.Augment) { a.Crop = 7 }), rgb8, "augment: crop 7 does not match the input 3x8x8"},
		{with(func(a *compiler.Augment) { a.Resize = 6 }), rgb8, "augment: resize 6 is smaller than the input 3x8x8"},
		{with(func(a *compiler.Augment) { a.Lighting = -1 }), rgb8, "augment: resize 10, crop 8 and lighting -1 must not be negative"},
		{with(func(a *compiler.Augment) { a.Std[1] = 0 }), rgb8, "augment: std 0 of channel 1 must be positive"},
	}
	for _, tt := range tests {
		a, err := NewAugmenter(tt.aug, tt.input)
		assert.Nil(t, a)
		assert.ErrorContains(t, err, tt.want)
	}
}

// TestAugmenterNoBlock checks a network without an augment block: images of the input's size are
// used whole, as values in [0, 1], in training and evaluation alike; larger ones are centre-cropped,
// after scaling their shorter side to the input's larger side when it is longer than that.
func TestAugmenterNoBlock(t *testing.T) {
	a, err := NewAugmenter(compiler.Augment{}, compiler.Shape{C: 1, H: 2, W: 3})
	require.NoError(t, err)
	assert.Equal(t, 6, a.Size())
	assert.Equal(t, 1, a.Crops())
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	g.Pix = []uint8{0, 51, 102, 153, 204, 255}
	want := []float32{0, 0.2, 0.4, 0.6, 0.8, 1}
	rng := runtime.NewRNG(1)
	got := make([]float32, 6)
	require.NoError(t, a.Train(g, &rng, got))
	assert.InDeltaSlice(t, want, got, 1e-7)
	require.NoError(t, a.Eval(g, got))
	assert.InDeltaSlice(t, want, got, 1e-7)

	wide := image.NewGray(image.Rect(0, 0, 5, 2)) // its shorter side is no longer than the input's
	copy(wide.Pix[1:], g.Pix[:3])
	copy(wide.Pix[5+1:], g.Pix[3:])
	require.NoError(t, a.Train(wide, &rng, got))
	assert.InDeltaSlice(t, want, got, 1e-7)

	big := image.NewGray(image.Rect(0, 0, 8, 6)) // scaled to 4×3, of which the central 3×3 square
	for i := range big.Pix {
		big.Pix[i] = uint8(i * 5)
	}
	square := preprocess.ResizeSquare(big, 3)
	preprocess.ToCHW(square, preprocess.CenterCrop(square.Bounds(), 3, 2), a.Mean, a.Std, want)
	require.NoError(t, a.Train(big, &rng, got))
	assert.Equal(t, want, got)
	require.NoError(t, a.Eval(big, got))
	assert.Equal(t, want, got)

	small := image.NewGray(image.Rect(0, 0, 2, 2)) // smaller than the input: scaled up to 3×3
	for i := range small.Pix {
		small.Pix[i] = uint8(40 * i)
	}
	up := preprocess.ResizeSquare(small, 3)
	preprocess.ToCHW(up, preprocess.CenterCrop(up.Bounds(), 3, 2), a.Mean, a.Std, want)
	require.NoError(t, a.Eval(small, got))
	assert.Equal(t, want, got)
}

// TestAugmenterTrainReplay checks Train against its documented steps, replaying its random
// draws from a generator with the same seed: resize, central square, random crop, flip,
// lighting, normalisation.
func TestAugmenterTrainReplay(t *testing.T) {
	a, err := NewAugmenter(paperAugment, compiler.Shape{C: 3, H: 8, W: 8})
	require.NoError(t, err)
	src := positions(25, 15)
	resized := preprocess.ResizeShorter(src, 10) // 17×10, central square at x 3
	square := image.Rect(3, 0, 13, 10)
	flips := 0
	for seed := range uint64(40) {
		rng, replay := runtime.NewRNG(seed), runtime.NewRNG(seed)
		got := make([]float32, a.Size())
		require.NoError(t, a.Train(src, &rng, got))

		rect := preprocess.RandomCrop(square, 8, 8, &replay)
		flip := replay.Uint64()>>63 == 1
		alpha := [3]float64{0.1 * replay.Normal(), 0.1 * replay.Normal(), 0.1 * replay.Normal()}
		shift := Lighting(alpha, ImageNetEigval, ImageNetEigvec)
		want := make([]float32, a.Size())
		mean := paperAugment.Mean
		for c := range mean {
			mean[c] -= shift[c]
		}
		preprocess.ToCHW(resized, rect, mean, paperAugment.Std, want)
		if flip {
			preprocess.FlipHorizontal(want, 3, 8, 8)
			flips++
		}
		assert.Equal(t, want, got, "seed %d", seed)
		assert.Equal(t, rng, replay, "seed %d: draws left over", seed)
	}
	assert.True(t, flips > 5 && flips < 35, "%d flips in 40", flips)
}

// TestAugmenterEval checks evaluation: the ten crops of the resized image's central square, in
// TenCrop's order, with no randomness; or the centre crop alone.
func TestAugmenterEval(t *testing.T) {
	a, err := NewAugmenter(paperAugment, compiler.Shape{C: 3, H: 8, W: 8})
	require.NoError(t, err)
	require.Equal(t, 10, a.Crops())
	src := positions(15, 25)
	resized := preprocess.ResizeShorter(src, 10) // 10×17, central square at y 3
	square := image.Rect(0, 3, 10, 13)
	size := a.Size()
	got := make([]float32, 10*size)
	require.NoError(t, a.Eval(src, got))
	for i, c := range preprocess.TenCrop(square, 8, 8) {
		want := make([]float32, size)
		preprocess.ToCHW(resized, c.Rect, paperAugment.Mean, paperAugment.Std, want)
		if c.Flip {
			preprocess.FlipHorizontal(want, 3, 8, 8)
		}
		assert.Equal(t, want, got[i*size:(i+1)*size], "crop %d", i)
	}
	assert.Panics(t, func() { a.Eval(src, got[:size]) })

	center := paperAugment
	center.Eval = compiler.EvalCenter
	a, err = NewAugmenter(center, compiler.Shape{C: 3, H: 8, W: 8})
	require.NoError(t, err)
	require.Equal(t, 1, a.Crops())
	require.NoError(t, a.Eval(src, got[:size]))
	assert.Equal(t, got[4*size:5*size], got[:size], "the centre crop is ten-crop's fifth")
}

// TestAugmenterGrey checks the grey path: crops and flips as for RGB, no lighting, and the
// normalisation of the spec's one value of mean and std.
func TestAugmenterGrey(t *testing.T) {
	aug := compiler.Augment{Set: true, Crop: 4, Flip: true, Lighting: 0.5, Mean: [3]float64{0.5}, Std: [3]float64{0.25, 1, 1}, Eval: compiler.EvalCenter}
	a, err := NewAugmenter(aug, compiler.Shape{C: 1, H: 4, W: 4})
	require.NoError(t, err)
	assert.Equal(t, [3]float64{0.5, 0, 0}, a.Mean)
	assert.Equal(t, [3]float64{0.25, 1, 1}, a.Std)

	src := image.NewGray(image.Rect(0, 0, 6, 4))
	for i := range src.Pix {
		src.Pix[i] = uint8(10 * i)
	}
	// Every output must be one of the 3 crops of src, mirrored or not: it is not scaled, since its
	// shorter side is the input's.
	var candidates [][]float32
	for y := range 1 {
		for x := range 3 {
			for _, flip := range []bool{false, true} {
				c := make([]float32, 16)
				preprocess.ToCHW(src, image.Rect(x, y, x+4, y+4), a.Mean, a.Std, c)
				if flip {
					preprocess.FlipHorizontal(c, 1, 4, 4)
				}
				candidates = append(candidates, c)
			}
		}
	}
	seen := map[int]bool{}
	got := make([]float32, 16)
	for seed := range uint64(200) {
		rng := runtime.NewRNG(seed)
		require.NoError(t, a.Train(src, &rng, got))
		k := -1
		for i, c := range candidates {
			if assert.ObjectsAreEqual(c, got) {
				k = i
			}
		}
		require.GreaterOrEqual(t, k, 0, "seed %d: not a crop of the image: %v", seed, got)
		seen[k] = true
	}
	assert.Len(t, seen, 6, "every crop and mirror image turns up")
	assert.InDelta(t, (0.0/255-0.5)/0.25, candidates[0][0], 1e-6)
}

// TestAugmenterDeterminism checks that Train depends on the generator alone.
func TestAugmenterDeterminism(t *testing.T) {
	a, err := NewAugmenter(paperAugment, compiler.Shape{C: 3, H: 8, W: 8})
	require.NoError(t, err)
	src := positions(31, 20)
	x1, x2, x3 := make([]float32, a.Size()), make([]float32, a.Size()), make([]float32, a.Size())
	r1, r2, r3 := runtime.NewRNG(9), runtime.NewRNG(9), runtime.NewRNG(10)
	require.NoError(t, a.Train(src, &r1, x1))
	require.NoError(t, a.Train(src, &r2, x2))
	require.NoError(t, a.Train(src, &r3, x3))
	assert.Equal(t, x1, x2)
	assert.NotEqual(t, x1, x3)
}

// TestAugmenterThinImages feeds 1×16384 and 16384×1 PNGs, within Load's limits, through what
// classify does to an image (Load, then ten-crop Eval with torchvision AlexNet's augment block)
// and through a training Loader (Files, Train with the paper's block). Scaled to a shorter side
// of 256 each would be a 4 GiB image; only its central square may be computed, so each must cost
// a few megabytes, and give the crops of the image's middle.
func TestAugmenterThinImages(t *testing.T) {
	classify := specAugmenter(t, "alexnet_torchvision.net")
	paper := specAugmenter(t, "alexnet.net")
	dir := t.TempDir()
	for _, size := range []image.Point{{1, 16384}, {16384, 1}} {
		// A ramp along the long side, 127 to 128 in the middle.
		img := image.NewGray(image.Rectangle{Max: size})
		for i := range img.Pix {
			img.Pix[i] = uint8(i * 256 / len(img.Pix))
		}
		path := writeFile(t, dir, fmt.Sprintf("%dx%d.png", size.X, size.Y), pngBytes(t, img))

		x := make([]float32, classify.Crops()*classify.Size())
		var err error
		bytes, took := cost(func() {
			var img image.Image
			if img, err = Load(path); err == nil {
				err = classify.Eval(img, x)
			}
		})
		require.NoError(t, err, path)
		t.Logf("%s: Load and Eval allocated %d bytes in %v", path, bytes, took)
		assert.Less(t, bytes, uint64(4<<20), "%s: bytes allocated by Load and Eval", path)
		for i, v := range x { // every value 127 or 128 of 255, normalised
			c := i / (224 * 224) % 3
			lo, hi := (127.0/255-classify.Mean[c])/classify.Std[c], (128.0/255-classify.Mean[c])/classify.Std[c]
			if float64(v) < lo-1e-6 || float64(v) > hi+1e-6 {
				t.Fatalf("%s: value %d is %g, not in [%g, %g]", path, i, v, lo, hi)
			}
		}

		bytes, took = cost(func() {
			l, err := NewLoader(context.Background(), &Files{Paths: []string{path, path}, Labels: []int32{0, 1}}, paper,
				LoaderConfig{Batch: 2, Seed: 1, Train: true, Epochs: 2, Workers: 1, Prefetch: 1})
			require.NoError(t, err)
			defer l.Close()
			for b, err := l.Next(); err != io.EOF; b, err = l.Next() {
				require.NoError(t, err)
				require.Equal(t, 2, b.N)
			}
		})
		t.Logf("%s: a Loader's 2 epochs of 2 allocated %d bytes in %v", path, bytes, took)
		assert.Less(t, bytes, uint64(16<<20), "%s: bytes allocated by a Loader's 2 epochs of 2", path)
	}
}

// specAugmenter returns the Augmenter of the augment block of the spec in ../specs.
func specAugmenter(t *testing.T, name string) *Augmenter {
	path := filepath.Join("..", "specs", name)
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	net, err := compiler.Compile(path, src)
	require.NoError(t, err)
	a, err := NewAugmenter(net.Augment, net.Input)
	require.NoError(t, err)
	return a
}

// cost returns the bytes allocated while f runs, by any goroutine, and the time it takes.
func cost(f func()) (uint64, time.Duration) {
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	start := time.Now()
	f()
	took := time.Since(start)
	goruntime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// BenchmarkAugmenterTrain times one AlexNet training example from a typical ImageNet JPEG
// (500×375): decoding it, then the paper's augmentation at 256 → 227.
func BenchmarkAugmenterTrain(b *testing.B) {
	aug := paperAugment
	aug.Resize, aug.Crop = 256, 227
	a, err := NewAugmenter(aug, compiler.Shape{C: 3, H: 227, W: 227})
	require.NoError(b, err)
	photo := image.NewRGBA(image.Rect(0, 0, 500, 375))
	for i := range photo.Pix {
		photo.Pix[i] = uint8(i * 7 / 5)
	}
	file := bytes.NewReader(jpegBytes(b, photo))
	dst := make([]float32, a.Size())
	rng := runtime.NewRNG(1)
	var img image.Image
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			file.Seek(0, io.SeekStart)
			img, err = decode(file, defaultLimits)
			require.NoError(b, err)
		}
	})
	b.Run("augment", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, a.Train(img, &rng, dst))
		}
	})
}
