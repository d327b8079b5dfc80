package reference

import (
	"math"
	"testing"
)

// TestReLU checks max(0, x), including NaN, which PyTorch lets through.
func TestReLU(t *testing.T) {
	nan := float32(math.NaN())
	assertValues(t, []float64{0, 0, 2, 0, math.NaN(), 0.25}, ReLU([]float32{-1, 0, 2, -0.5, nan, 0.25}))
}

// TestDropout checks that the mask multiplies: 0 drops a value, 1/(1−p) = 2 keeps it scaled.
func TestDropout(t *testing.T) {
	assertValues(t, []float64{0, 4, -6, 0}, Dropout([]float32{1, 2, -3, 4}, []float32{0, 2, 2, 0}))
}
