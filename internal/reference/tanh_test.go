package reference

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTanh checks tanh against values worked out by hand, (e^x − e^−x)/(e^x + e^−x): tanh 0.5 =
// (e − 1)/(e + 1) = 0.46211715726, tanh 1 = (e² − 1)/(e² + 1) = 0.76159415596, tanh −2 =
// −(e⁴ − 1)/(e⁴ + 1) = −0.96402758008; and that it saturates at ±1 in float32, and lets NaN
// through as PyTorch does.
func TestTanh(t *testing.T) {
	nan := float32(math.NaN())
	e := math.E
	assertValues(t, []float64{0, (e - 1) / (e + 1), (e*e - 1) / (e*e + 1), -(e*e*e*e - 1) / (e*e*e*e + 1), 1, -1, math.NaN()},
		Tanh([]float32{0, 0.5, 1, -2, 20, float32(math.Inf(-1)), nan}))
	assert.Equal(t, []float64{0.46211715726000974}, Tanh([]float64{0.5}), "float64 is not rounded to float32")
}

// TestTanhBackward checks dx = dy·(1 − y²) from the output y: at y = 0 (x = 0) the slope is 1, at
// y = ±0.5 it is 0.75, and at y = ±1, where tanh saturates, no gradient passes.
func TestTanhBackward(t *testing.T) {
	dx := TanhBackward([]float64{0, 0.5, -0.5, 1, -1}, []float64{3, 2, -4, 5, 5})
	assert.Equal(t, []float64{3, 1.5, -3, 0, 0}, dx)
}
