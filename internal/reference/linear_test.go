package reference

import "testing"

// TestLinearHand checks y = W·x + b on two images, by hand: with W = [[1 0 −1] [2 1 0]] and
// b = [0.5 −1], x = [1 2 3] gives [1 − 3 + 0.5, 2 + 2 − 1] and x = [0 1 −1] gives [1.5, 0].
func TestLinearHand(t *testing.T) {
	x := []float32{1, 2, 3, 0, 1, -1}
	w := []float32{1, 0, -1, 2, 1, 0}
	b := []float32{0.5, -1}
	assertValues(t, []float64{-1.5, 3, 1.5, 0}, Linear(x, 2, 3, w, b, 2))
	assertValues(t, []float64{-2, 4, 1, 1}, Linear(x, 2, 3, w, nil, 2), "without bias")
}
