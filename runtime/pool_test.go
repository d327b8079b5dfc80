package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// maxPoolNaive is MaxPool and MaxPoolBackward from their definition, output by output.
func maxPoolNaive(y, dx, x, dy []float32, p *Pool) {
	clear(dx[:p.H*p.W])
	for oy := range p.OutH {
		for ox := range p.OutW {
			at := -1
			for ky := range p.KH {
				for kx := range p.KW {
					iy, ix := oy*p.SH-p.PH+ky, ox*p.SW-p.PW+kx
					if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
						continue
					}
					if v := x[iy*p.W+ix]; at < 0 || v > x[at] || v != v {
						at = iy*p.W + ix
					}
				}
			}
			y[oy*p.OutW+ox] = 0
			if at >= 0 {
				y[oy*p.OutW+ox] = x[at]
				dx[at] += dy[oy*p.OutW+ox]
			}
		}
	}
}

// testPools are the geometries the max-pooling tests take: AlexNet's and awkward ones (padding,
// ceil rounding that leaves windows past the image, windows wider than their stride, outputs past
// sixteen, strides the NCHW search gathers for).
var testPools = []Pool{
	{H: 55, W: 55, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 27, OutW: 27},
	{H: 13, W: 13, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 6, OutW: 6},
	{H: 24, W: 24, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 12, OutW: 12}, // ceil: the last window is cut
	{H: 7, W: 40, KH: 2, KW: 5, SH: 1, SW: 2, PH: 1, PW: 2, OutH: 8, OutW: 20},
	{H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1, OutH: 1, OutW: 1},
	{H: 9, W: 35, KH: 4, KW: 4, SH: 3, SW: 1, PH: 2, PW: 2, OutH: 4, OutW: 36},
	{H: 10, W: 31, KH: 3, KW: 3, SH: 3, SW: 3, PH: 1, PW: 1, OutH: 4, OutW: 11}, // gathers
	{H: 5, W: 70, KH: 1, KW: 3, SH: 1, SW: 2, PW: 1, OutH: 5, OutW: 35},
	{H: 4, W: 8, KH: 1, KW: 1, SH: 1, SW: 1, OutH: 4, OutW: 8},   // one vector of AVX2's
	{H: 3, W: 19, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 1, OutW: 9},  // and one lane more
	{H: 2, W: 18, KH: 2, KW: 2, SH: 1, SW: 1, OutH: 1, OutW: 17}, // sixteen lanes and one more
}

// poolInput returns n values for a max-pooling test's trial: random in [−1, 1), or, in odd
// trials, few distinct values (ties everywhere); from trial 4 on, a tenth of them replaced by
// specials (NaN, ±Inf, and whatever else the caller adds).
func poolInput(rng *rand.Rand, n, trial int, specials ...float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch {
		case trial%2 == 1:
			x[i] = float32(rng.IntN(3)) // ties everywhere
		default:
			x[i] = rng.Float32()*2 - 1
		}
	}
	specials = append([]float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}, specials...)
	if trial >= 4 {
		for range 1 + n/10 {
			x[rng.IntN(n)] = specials[rng.IntN(len(specials))]
		}
	}
	return x
}

// TestMaxPool checks MaxPool and MaxPoolBackward in each instruction set against the
// definition, bit for bit, x inside NaN guards, on AlexNet's and awkward geometries (padding, ceil
// rounding that leaves windows past the image, windows wider than their stride, outputs past
// sixteen), on planes with ties (few distinct values), NaNs and infinities, with a guard after
// dx.
func TestMaxPool(t *testing.T) {
	forEachISA(t, &poolISA, checkMaxPool)
}

// checkMaxPool runs TestMaxPool in one instruction set.
func checkMaxPool(t *testing.T, isa ISA) {
	rng := rand.New(rand.NewPCG(13, 13))
	for _, p := range testPools {
		for trial := range 6 {
			size := p.H * p.W
			xBuf, x := guarded(rng, size) // NaN around x: a value read from outside would show
			copy(x, poolInput(rng, size, trial))
			x = x[:size]
			dy := randSlice(rng, p.OutH*p.OutW)
			want, wantY := make([]float32, size+1), make([]float32, p.OutH*p.OutW+1)
			maxPoolNaive(wantY, want, x, dy, &p)
			want[size], wantY[p.OutH*p.OutW] = 7, 7
			got := randSlice(rng, size+1)
			got[size] = 7
			what := fmt.Sprintf("%s %+v trial %d", isa, p, trial)
			MaxPoolBackward(got[:size], x, dy, &p)
			for i := range want {
				require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "%s: dx[%d]", what, i)
			}
			gotY := randSlice(rng, len(wantY))
			gotY[len(gotY)-1] = 7
			MaxPool(gotY[:len(gotY)-1], x, &p)
			for i := range wantY {
				require.Equal(t, math.Float32bits(wantY[i]), math.Float32bits(gotY[i]), "%s: y[%d]", what, i)
			}
			requireGuards(t, xBuf, size, what+": x")
		}
	}
}

// TestMaxPoolBackwardNoAllocs checks that MaxPool and MaxPoolBackward allocate nothing.
func TestMaxPoolBackwardNoAllocs(t *testing.T) {
	p := Pool{H: 13, W: 13, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 6, OutW: 6}
	x, dy, dx := make([]float32, 169), make([]float32, 36), make([]float32, 169)
	require.Zero(t, testing.AllocsPerRun(10, func() { MaxPoolBackward(dx, x, dy, &p) }))
	require.Zero(t, testing.AllocsPerRun(10, func() { MaxPool(dy, x, &p) }))
}

func BenchmarkMaxPoolBackward(b *testing.B) {
	p := Pool{H: 55, W: 55, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 27, OutW: 27}
	rng := rand.New(rand.NewPCG(1, 1))
	x, dy, dx := randSlice(rng, 55*55), randSlice(rng, 27*27), make([]float32, 55*55)
	for b.Loop() {
		MaxPoolBackward(dx, x, dy, &p)
	}
}
