package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMaxPoolBlocked checks MaxPoolBlocked and MaxPoolBlockedBackward (assembly where the CPU
// has it) and their Go twins against the definition applied to each of the block's sixteen
// channel planes, bit for bit, on the geometries of TestMaxPool: ties, NaNs, infinities and
// signed zeros, with a guard after y and dx.
func TestMaxPoolBlocked(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	pools := append(testPools,
		Pool{H: 27, W: 27, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 13, OutW: 13},
		Pool{H: 3, W: 2, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 3, OutW: 2}, // no whole window
	)
	for _, p := range pools {
		for trial := range 6 {
			size, outs := p.H*p.W, p.OutH*p.OutW
			x := poolInput(rng, 16*size, trial, float32(math.Copysign(0, -1)), 0)
			dy := randSlice(rng, 16*outs)
			// The definition, plane by plane.
			wantY, wantDx := make([]float32, 16*outs+1), make([]float32, 16*size+1)
			plane, planeY, planeDx, planeDy := make([]float32, size), make([]float32, outs), make([]float32, size), make([]float32, outs)
			for l := range 16 {
				for i := range size {
					plane[i] = x[i*16+l]
				}
				for o := range outs {
					planeDy[o] = dy[o*16+l]
				}
				maxPoolNaive(planeY, planeDx, plane, planeDy, &p)
				for o := range outs {
					wantY[o*16+l] = planeY[o]
				}
				for i := range size {
					wantDx[i*16+l] = planeDx[i]
				}
			}
			wantY[16*outs], wantDx[16*size] = 7, 7
			for _, twin := range []bool{false, true} {
				y, dx := make([]float32, 16*outs+1), make([]float32, 16*size+1)
				y[16*outs], dx[16*size] = 7, 7
				for i := range dx[:16*size] {
					dx[i] = 5 // cleared by the backward pass
				}
				maxPoolBlocked(y[:16*outs], nil, x, nil, &p, twin)
				maxPoolBlocked(nil, dx[:16*size], x, dy, &p, twin)
				require.Equal(t, floatBits(wantY), floatBits(y), "forward %+v trial %d twin %v", p, trial, twin)
				require.Equal(t, floatBits(wantDx), floatBits(dx), "backward %+v trial %d twin %v", p, trial, twin)
			}
		}
	}
}

// floatBits are x's values as bits, NaNs all one: equal slices of them are equal bit for bit, NaN
// for NaN.
func floatBits(x []float32) []uint32 {
	b := make([]uint32, len(x))
	for i, v := range x {
		b[i] = math.Float32bits(v)
		if v != v {
			b[i] = 0x7fc00000
		}
	}
	return b
}

// TestReLUBackwardBlocked checks ReLUBackwardBlocked (assembly where the CPU has it, then its Go
// tail) against its definition, bit for bit, with and without the mask, sums starting nonzero,
// lengths that leave a tail, NaNs in y and g.
func TestReLUBackwardBlocked(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	for _, n := range []int{0, 16, 48, 16*55*55 + 7, 5} {
		for _, mask := range []bool{true, false} {
			g, y := randSlice(rng, n), randSlice(rng, n)
			for i := 0; i < n; i += 11 {
				y[i], g[(i*7)%n] = float32(math.NaN()), float32(math.NaN())
			}
			sums := randSlice(rng, 16)
			want, wantSums := append([]float32(nil), g...), append([]float32(nil), sums...)
			var ys []float32
			if mask {
				ys = y
			}
			for i := range want {
				if mask && y[i] <= 0 {
					want[i] = 0
				}
				wantSums[i%16] += want[i]
			}
			ReLUBackwardBlocked(g, ys, sums)
			require.Equal(t, floatBits(want), floatBits(g), "n %d mask %v", n, mask)
			require.Equal(t, floatBits(wantSums), floatBits(sums), "n %d mask %v", n, mask)
		}
	}
}
