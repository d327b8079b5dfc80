package reference

import (
	"math/rand/v2"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
)

// TestConv2DHand checks a 1-channel 4×4 convolution against values worked out by hand. The input
// is x[h][w] = 4h + w + 1 (1 … 16) and the kernel has two non-zero taps, w[0][1] = 1 and
// w[2][2] = 2, so y[oh][ow] = b + x[r][c+1] + 2·x[r+2][c+2] with r = oh·s − p, c = ow·s − p: a
// flipped kernel (true convolution) or a misplaced padding gives other values.
func TestConv2DHand(t *testing.T) {
	in := compiler.Shape{C: 1, H: 4, W: 4}
	x := append(seq(16), scaled(seq(16), 2)...) // image 1 is twice image 0
	w := []float32{
		0, 1, 0,
		0, 0, 0,
		0, 0, 2,
	}
	b := []float32{0.5}
	for _, tc := range []struct {
		name   string
		stride int
		pad    int
		out    int
		want   []float64 // image 0; image 1 is 2·(want − b) + b
	}{
		// y[0][0] = x[0][1] + 2·x[2][2] = 2 + 2·11; y[1][1] = x[1][2] + 2·x[3][3] = 7 + 2·16.
		{"stride 1", 1, 0, 2, []float64{24.5, 27.5, 36.5, 39.5}},
		// r = 2·oh − 1: y[0][0] = x[−1][0] + 2·x[1][1] = 0 + 2·6, y[1][0] = x[1][0] + 2·x[3][1] = 5 + 2·14.
		// (4 + 2·1 − 3)/2 + 1 = 2.5 rounds down to 2.
		{"stride 2 padding 1 floor", 2, 1, 2, []float64{12.5, 16.5, 33.5, 39.5}},
		// Ceil keeps a third row and column whose windows reach past the padded input and read
		// zeros: y[2][0] = x[3][0] + 2·x[5][1] = 13 + 0, y[0][2] = x[−1][4] + 2·x[1][5] = 0.
		{"stride 2 padding 1 ceil", 2, 1, 3, []float64{
			12.5, 16.5, 0.5,
			33.5, 39.5, 0.5,
			13.5, 15.5, 0.5,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &compiler.Conv{Out: 1, KH: 3, KW: 3, SH: tc.stride, SW: tc.stride, PH: tc.pad, PW: tc.pad, Groups: 1}
			out := compiler.Shape{C: 1, H: tc.out, W: tc.out}
			want := append([]float64(nil), tc.want...)
			for _, v := range tc.want {
				want = append(want, 2*(v-0.5)+0.5)
			}
			assertValues(t, want, Conv2D(x, 2, in, w, b, c, out))
		})
	}
}

// TestConv2DChannels checks that a 1×1 convolution mixes channels as the weights
// [out, in, 1, 1] say: y0 = x0 + 10·x1, y1 = −x0, with no bias.
func TestConv2DChannels(t *testing.T) {
	in := compiler.Shape{C: 2, H: 1, W: 3}
	x := []float32{1, 2, 3, 4, 5, 6} // x0 = 1 2 3, x1 = 4 5 6
	w := []float32{1, 10, -1, 0}
	c := &compiler.Conv{Out: 2, KH: 1, KW: 1, SH: 1, SW: 1, Groups: 1}
	got := Conv2D(x, 1, in, w, nil, c, compiler.Shape{C: 2, H: 1, W: 3})
	assertValues(t, []float64{41, 52, 63, -1, -2, -3}, got)
}

// TestConv2DGroups checks that a convolution with groups 2 is two convolutions side by side: the
// first half of the output channels sees only the first half of the input channels, with the
// first half of the weights, and likewise the second.
func TestConv2DGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 2
	in := compiler.Shape{C: 4, H: 5, W: 6}
	out := compiler.Shape{C: 6, H: 3, W: 6}
	x := uniform(rng, size(n, in), 1)
	w := uniform(rng, 6*2*3*2, 1) // [6, 4/2, 3, 2]
	b := uniform(rng, 6, 1)
	c := &compiler.Conv{Out: 6, KH: 3, KW: 2, SH: 2, SW: 1, PH: 1, PW: 1, Groups: 2}
	got := Conv2D(x, n, in, w, b, c, out)

	half := compiler.Shape{C: 2, H: 5, W: 6}
	halfOut := compiler.Shape{C: 3, H: 3, W: 6}
	hc := *c
	hc.Out, hc.Groups = 3, 1
	perImageIn, perImageOut := int(half.Size()), int(halfOut.Size())
	for g := range 2 {
		// Image i's input channels 2g, 2g+1, and output channels 3g … 3g+2.
		var xg []float32
		for i := range n {
			start := i*int(in.Size()) + g*perImageIn
			xg = append(xg, x[start:start+perImageIn]...)
		}
		wg := w[g*3*2*3*2 : (g+1)*3*2*3*2]
		yg := Conv2D(xg, n, half, wg, b[g*3:(g+1)*3], &hc, halfOut)
		for i := range n {
			start := i*int(out.Size()) + g*perImageOut
			assert.Equal(t, yg[i*perImageOut:(i+1)*perImageOut], got[start:start+perImageOut], "group %d, image %d", g, i)
		}
	}
}

// TestConv2DWholeImageIsLinear checks a convolution whose kernel covers the whole unpadded input
// against Linear: the weights [out, C, H, W] are the fully connected weights [out, C·H·W], and the
// image is read in C, H, W order by both.
func TestConv2DWholeImageIsLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 3
	in := compiler.Shape{C: 3, H: 4, W: 5}
	x := uniform(rng, size(n, in), 1)
	w := uniform(rng, 7*60, 1)
	b := uniform(rng, 7, 1)
	c := &compiler.Conv{Out: 7, KH: 4, KW: 5, SH: 1, SW: 1, Groups: 1}
	conv := Conv2D(x, n, in, w, b, c, compiler.Shape{C: 7, H: 1, W: 1})
	assert.Equal(t, Linear(x, n, 60, w, b, 7), conv)
}
