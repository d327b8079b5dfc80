package modeltest

import (
	"image"
	"image/color"
	"slices"
	"testing"

	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/preprocess"
	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Predictor is a Model with the generated Predict.
type Predictor interface {
	Model
	Predict(img image.Image) ([]float64, error)
}

// CheckPredict checks the generated package's preprocessing and Predict: that its Preprocessing
// is the Config of the Augmenter training evaluates with (from the spec at path), and that
// Predict on an image larger than the input gives the mean softmax of Forward on that
// Augmenter's evaluation crops, bit for bit, and so on an image smaller than the input; and that
// an empty image is an error.
func CheckPredict(t *testing.T, m Predictor, preprocessing preprocess.Config, spec string) {
	n := Compile(t, spec)
	aug, err := data.NewAugmenter(n.Augment, n.Input)
	require.NoError(t, err)
	assert.Equal(t, aug.Config, preprocessing, "the generated Preprocessing is the spec's")

	Randomize(m, 5)
	side := 3 * max(aug.Height, aug.Width, aug.Resize) / 2
	img := image.NewRGBA(image.Rect(0, 0, side+7, side))
	for y := range side {
		for x := range side + 7 {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x * y), 255})
		}
	}
	x := make([]float32, aug.Crops()*aug.Size())
	require.NoError(t, aug.Eval(img, x))
	want := runtime.MeanSoftmax(slices.Clone(m.Forward(x, aug.Crops(), false)), aug.Crops(), n.Classes)
	got, err := m.Predict(img)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// An image smaller than the input is scaled up to it, as training's evaluation does.
	small := image.NewRGBA(image.Rect(0, 0, aug.Width-1, aug.Height))
	copy(small.Pix, img.Pix)
	require.NoError(t, aug.Eval(small, x))
	want = runtime.MeanSoftmax(slices.Clone(m.Forward(x, aug.Crops(), false)), aug.Crops(), n.Classes)
	got, err = m.Predict(small)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	_, err = m.Predict(image.NewRGBA(image.Rectangle{}))
	assert.ErrorContains(t, err, "empty")
}
