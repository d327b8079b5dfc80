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
