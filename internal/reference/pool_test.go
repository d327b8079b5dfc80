package reference

import (
	"math"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
)

// pool is a square pooling window k with stride s and padding p.
func pool(k, s, p int) *compiler.Pool {
	return &compiler.Pool{KH: k, KW: k, SH: s, SW: s, PH: p, PW: p}
}

// square is the shape of one channel of h×h values.
func square(h int) compiler.Shape { return compiler.Shape{C: 1, H: h, W: h} }

// The pooling tests below use the 4×4 input x[h][w] = 4h + w + 1:
//
//	 1  2  3  4
//	 5  6  7  8
//	 9 10 11 12
//	13 14 15 16

// TestMaxPoolHand checks max pooling by hand, including padding, which must never win, and the
// edge windows of ceil mode.
func TestMaxPoolHand(t *testing.T) {
	x := seq(16)
	neg := scaled(x, -1)
	for _, tc := range []struct {
		name string
		x    []float32
		p    *compiler.Pool
		out  int
		want []float64
	}{
		{"2/2", x, pool(2, 2, 0), 2, []float64{6, 8, 14, 16}},
		// Rows and columns −1 … 1 and 1 … 3. On −x the top-left window holds −1 −2 −5 −6 and
		// padding: a zero pad would win with 0.
		{"3/2 padding 1, negative input", neg, pool(3, 2, 1), 2, []float64{-1, -2, -5, -6}},
		// (4 − 3)/2 + 1 = 1.5: ceil keeps a window at rows 2 … 4, clipped to 2 … 3.
		{"3/2 ceil", x, pool(3, 2, 0), 2, []float64{11, 12, 15, 16}},
		// (4 + 2 − 3)/2 + 1 = 2.5: the third window starts at row 3 and holds row 3 only.
		{"3/2 padding 1 ceil", x, pool(3, 2, 1), 3, []float64{
			6, 8, 8,
			14, 16, 16,
			14, 16, 16,
		}},
		{"3/2 padding 1 ceil, negative input", neg, pool(3, 2, 1), 3, []float64{
			-1, -2, -4,
			-5, -6, -8,
			-13, -14, -16,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertValues(t, tc.want, MaxPool(tc.x, 1, square(4), tc.p, square(tc.out)))
		})
	}
}

// TestMaxPoolNaN checks that a NaN anywhere in a window wins, as in PyTorch.
func TestMaxPoolNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := []float32{1, nan, 3, 4}
	got := MaxPool(x, 1, compiler.Shape{C: 1, H: 1, W: 4}, &compiler.Pool{KH: 1, KW: 2, SH: 1, SW: 2}, compiler.Shape{C: 1, H: 1, W: 2})
	assertValues(t, []float64{math.NaN(), 4}, got)
}

// TestAvgPoolHand checks average pooling by hand. Padding counts in the divisor
// (count_include_pad), but a window's part beyond the padding, which only ceil mode creates,
// does not.
func TestAvgPoolHand(t *testing.T) {
	x := seq(16)
	for _, tc := range []struct {
		name string
		p    *compiler.Pool
		out  int
		want []float64
	}{
		{"2/2", pool(2, 2, 0), 2, []float64{14.0 / 4, 22.0 / 4, 46.0 / 4, 54.0 / 4}},
		// Every window has 9 places: the top-left holds 1 + 2 + 5 + 6 and five of padding.
		{"3/2 padding 1", pool(3, 2, 1), 2, []float64{14.0 / 9, 30.0 / 9, 57.0 / 9, 99.0 / 9}},
		// The second row of windows is rows 2 … 4 of a 4-row input: 2 rows, so divisors 9, 6, 6, 4.
		{"3/2 ceil", pool(3, 2, 0), 2, []float64{54.0 / 9, 45.0 / 6, 72.0 / 6, 54.0 / 4}},
		// The third row of windows starts at row 3: rows 3 … 5 hold row 3, a row of padding
		// (counted) and a row beyond the padding (not counted), so its divisor is 2·3.
		{"3/2 padding 1 ceil", pool(3, 2, 1), 3, []float64{
			14.0 / 9, 30.0 / 9, 12.0 / 6,
			57.0 / 9, 99.0 / 9, 36.0 / 6,
			27.0 / 6, 45.0 / 6, 16.0 / 4,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertValues(t, tc.want, AvgPool(x, 1, square(4), tc.p, square(tc.out)))
		})
	}
}

// TestPoolImagesAndChannels checks that pooling keeps images and channels apart: two images of
// two channels, each channel a constant, pool to the same constants.
func TestPoolImagesAndChannels(t *testing.T) {
	in := compiler.Shape{C: 2, H: 3, W: 3}
	out := compiler.Shape{C: 2, H: 1, W: 1}
	var x []float32
	for _, v := range []float32{1, 2, 3, 4} { // image 0: channels 1, 2; image 1: channels 3, 4
		for range 9 {
			x = append(x, v)
		}
	}
	want := []float64{1, 2, 3, 4}
	assertValues(t, want, MaxPool(x, 2, in, pool(3, 3, 0), out), "maxpool")
	assertValues(t, want, AvgPool(x, 2, in, pool(3, 3, 0), out), "avgpool")
	assertValues(t, want, AdaptiveAvgPool(x, 2, in, out), "adaptive_avgpool")
}

// TestAdaptiveAvgPoolHand checks PyTorch's adaptive windows from 5 to 3: [⌊o·5/3⌋, ⌈(o+1)·5/3⌉)
// = [0, 2), [1, 4), [3, 5), overlapping. On x[h][w] = 10h + w a window's mean is
// 10·mean(rows) + mean(columns), with the means 0.5, 2 and 3.5.
func TestAdaptiveAvgPoolHand(t *testing.T) {
	for o, want := range [][2]int{{0, 2}, {1, 4}, {3, 5}} {
		start, end := adaptiveWindow(o, 5, 3)
		if start != want[0] || end != want[1] {
			t.Errorf("window %d of 5 → 3 is [%d, %d), want [%d, %d)", o, start, end, want[0], want[1])
		}
	}
	x := make([]float32, 25)
	for h := range 5 {
		for w := range 5 {
			x[h*5+w] = float32(10*h + w)
		}
	}
	assertValues(t, []float64{
		5.5, 7, 8.5,
		20.5, 22, 23.5,
		35.5, 37, 38.5,
	}, AdaptiveAvgPool(x, 1, square(5), square(3)))

	// 5 → 5 is the identity; 1×5 → 1×3 on 1 … 5 gives the means of 1 2, 2 3 4 and 4 5.
	assertValues(t, []float64{0, 1, 2, 3, 4, 10, 11, 12, 13, 14}, AdaptiveAvgPool(x[:10], 1, compiler.Shape{C: 1, H: 2, W: 5}, compiler.Shape{C: 1, H: 2, W: 5}), "identity")
	assertValues(t, []float64{1.5, 3, 4.5}, AdaptiveAvgPool(seq(5), 1, compiler.Shape{C: 1, H: 1, W: 5}, compiler.Shape{C: 1, H: 1, W: 3}), "1×5 → 1×3")
}

// TestMaxPoolBackwardTies checks where MaxPoolBackward sends the gradient of a window whose
// maximum is tied: to the first maximum in row-major order, as PyTorch's CPU kernel does. In
//
//	0 5 5
//	5 0 5
//	5 5 0
//
// the 2×2 windows (stride 1) pick (0,1), (0,1), (1,0) and (1,2); column-major order would pick
// (1,0) first in the top-left window, and taking the last maximum would pick (1,0), (1,1)… So
// dy = 1 2 3 4 gives dx(0,1) = 1 + 2, dx(1,0) = 3, dx(1,2) = 4, and 0 elsewhere.
func TestMaxPoolBackwardTies(t *testing.T) {
	in := compiler.Shape{C: 1, H: 3, W: 3}
	out := compiler.Shape{C: 1, H: 2, W: 2}
	p := &compiler.Pool{KH: 2, KW: 2, SH: 1, SW: 1}
	x := []float64{0, 5, 5, 5, 0, 5, 5, 5, 0}
	dx := MaxPoolBackward(x, 1, in, p, out, []float64{1, 2, 3, 4})
	assert.Equal(t, []float64{0, 3, 0, 3, 0, 4, 0, 0, 0}, dx)
}
