package reference

import (
	"math"
	"testing"

	"github.com/netc-project/netc/compiler"
)

// TestLRNHand checks LRN at the channel edges against hand-computed sums of squares, in both
// conventions. There are 4 channels and 2 pixels: pixel 0 holds 1 2 3 4 and pixel 1 holds
// 5 0 1 0, so a window that mixed pixels would show.
func TestLRNHand(t *testing.T) {
	shape := compiler.Shape{C: 4, H: 1, W: 2}
	x := []float32{
		1, 5, // channel 0: pixel 0, pixel 1
		2, 0,
		3, 1,
		4, 0,
	}
	const k, alpha, beta = 2.0, 0.3, 0.75
	for _, tc := range []struct {
		name  string
		size  int
		paper bool
		sums  []float64 // Σ a² over each channel's window, pixel 0 then pixel 1
	}{
		// size 3: channels c−1 … c+1, so channel 0 sees 1² + 2² and channel 3 sees 3² + 4².
		{"size 3", 3, false, []float64{5, 25, 14, 26, 29, 1, 25, 1}},
		{"size 3 paper", 3, true, []float64{5, 25, 14, 26, 29, 1, 25, 1}},
		// size 4: channels c−2 … c+1, more before than after.
		{"size 4", 4, false, []float64{5, 25, 14, 26, 30, 26, 29, 1}},
		{"size 4 paper", 4, true, []float64{5, 25, 14, 26, 30, 26, 29, 1}},
		// size 5 sees every channel from each channel here, and still divides α by 5.
		{"size 5", 5, false, []float64{14, 26, 30, 26, 30, 26, 29, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scale := alpha / float64(tc.size)
			if tc.paper {
				scale = alpha
			}
			want := make([]float64, len(x))
			for j, a := range x {
				want[j] = float64(a) / math.Pow(k+scale*tc.sums[j], beta)
			}
			l := &compiler.LRN{Size: tc.size, Alpha: alpha, Beta: beta, K: k, Paper: tc.paper}
			assertValues(t, want, LRN(x, 1, shape, l))
		})
	}

	// The first value spelled out: 1/(2 + (0.3/3)·5)^0.75 and 1/(2 + 0.3·5)^0.75.
	pytorch := LRN(x, 1, shape, &compiler.LRN{Size: 3, Alpha: alpha, Beta: beta, K: k})
	paper := LRN(x, 1, shape, &compiler.LRN{Size: 3, Alpha: alpha, Beta: beta, K: k, Paper: true})
	assertValues(t, []float64{0.50297337}, pytorch[:1], "pytorch convention")
	assertValues(t, []float64{0.39079497}, paper[:1], "paper convention")
}
