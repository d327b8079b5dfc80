package reference

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSoftmaxCrossEntropyHand checks the loss and probabilities by hand: logits [0 0] give
// probabilities ½ ½ and, for label 0, a loss of ln 2; logits [ln 3, 0] give ¾ ¼ and, for label
// 1, ln 4. The loss is their mean, 1.5·ln 2.
func TestSoftmaxCrossEntropyHand(t *testing.T) {
	logits := []float32{0, 0, float32(math.Log(3)), 0}
	loss, probs := SoftmaxCrossEntropy(logits, 2, 2, []int32{0, 1})
	assert.InDelta(t, 1.5*math.Ln2, loss, 1e-7)
	assert.InDeltaSlice(t, []float64{0.5, 0.5, 0.75, 0.25}, probs, 1e-7)
}

// TestSoftmaxCrossEntropyStable checks that huge logits neither overflow nor underflow into NaN
// or an infinite loss: [1000 0] with label 1 costs 1000, and [−1000 −1000] costs ln 2.
func TestSoftmaxCrossEntropyStable(t *testing.T) {
	loss, probs := SoftmaxCrossEntropy([]float32{1000, 0}, 1, 2, []int32{1})
	assert.InDelta(t, 1000, loss, 1e-9)
	assert.Equal(t, []float64{1, 0}, probs)

	loss, probs = SoftmaxCrossEntropy([]float32{-1000, -1000}, 1, 2, []int32{0})
	assert.InDelta(t, math.Ln2, loss, 1e-12)
	assert.Equal(t, []float64{0.5, 0.5}, probs)
}

// TestSoftmaxCrossEntropyBadLabel checks that a label outside the classes panics.
func TestSoftmaxCrossEntropyBadLabel(t *testing.T) {
	assert.Panics(t, func() { SoftmaxCrossEntropy([]float32{0, 0}, 1, 2, []int32{2}) })
}
