package reference

import "testing"

// TestDropout checks that the mask multiplies: 0 drops a value, 1/(1−p) = 2 keeps it scaled.
func TestDropout(t *testing.T) {
	assertValues(t, []float64{0, 4, -6, 0}, Dropout([]float32{1, 2, -3, 4}, []float32{0, 2, 2, 0}))
}
