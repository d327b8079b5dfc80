package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMaxPoolBlocked checks MaxPoolBlocked and MaxPoolBlockedBackward, with the row kernels of
// each instruction set the CPU has and with none (the Go twins), against the definition applied
// to each of the block's sixteen channel planes, bit for bit, on the geometries of TestMaxPool:
// ties, NaNs, infinities and signed zeros, with a guard after y and dx.
func TestMaxPoolBlocked(t *testing.T) {
	forEachISA(t, &poolISA, func(t *testing.T, isa ISA) {
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
				y, dx := make([]float32, 16*outs+1), make([]float32, 16*size+1)
				y[16*outs], dx[16*size] = 7, 7
				for i := range dx[:16*size] {
					dx[i] = 5 // cleared by the backward pass
				}
				MaxPoolBlocked(y[:16*outs], x, &p)
				MaxPoolBlockedBackward(dx[:16*size], x, dy, &p)
				require.Equal(t, floatBits(wantY), floatBits(y), "forward %+v trial %d", p, trial)
				require.Equal(t, floatBits(wantDx), floatBits(dx), "backward %+v trial %d", p, trial)
			}
		}
	})
}

// TestMaxPoolRowKernels runs the row kernels of each instruction set the CPU has on rows of n
// windows (kh×kw, sw apart) against maxWindowBlocked, window by window: y bit for bit, dx bit
// for bit but NaN for NaN, on inputs with ties, NaNs, infinities and signed zeros. y has a guard
// before and after that must stay; dx is random everywhere, guards and values outside every
// window included, and must change only as the twin changes it; x is NaN outside the windows
// (columns between windows when sw > kw, the column and row after them, guards before and
// after), which would show if a kernel read it.
func TestMaxPoolRowKernels(t *testing.T) {
	const guard, sentinel = 32, float32(-12345.5)
	type rowCase struct{ n, kh, kw, sw, trial int }
	var cases []rowCase
	for _, n := range []int{1, 2, 3, 7, 8, 9, 16, 17} {
		for kh := 1; kh <= 3; kh++ {
			for kw := 1; kw <= 4; kw++ {
				for sw := 1; sw <= 3; sw++ {
					for trial := range 6 {
						cases = append(cases, rowCase{n, kh, kw, sw, trial})
					}
				}
			}
		}
	}
	forEachISA(t, &poolISA, func(t *testing.T, isa ISA) {
		if isa == ISAGo {
			t.Skip("the twin has no row kernels")
		}
		rng := rand.New(rand.NewPCG(16, 16))
		for _, c := range cases {
			n, kh, kw, sw := c.n, c.kh, c.kw, c.sw
			what := fmt.Sprintf("%+v", c)
			p := Pool{H: kh + 1, W: (n-1)*sw + kw + 1, KH: kh, KW: kw, SH: 1, SW: sw, OutH: 1, OutW: n}
			size, row := p.H*p.W*16, p.W*16
			xBuf := make([]float32, guard+size+guard)
			for i := range xBuf {
				xBuf[i] = float32(math.NaN())
			}
			x := xBuf[guard : guard+size]
			values := poolInput(rng, size, c.trial, float32(math.Copysign(0, -1)), 0)
			for ox := range n {
				for ky := range kh {
					i := ky*row + ox*sw*16
					copy(x[i:i+kw*16], values[i:])
				}
			}
			dy := randSlice(rng, 16*n)

			yBuf := make([]float32, guard+16*n+guard)
			for i := range yBuf {
				yBuf[i] = sentinel
			}
			wantY := append([]float32(nil), yBuf...)
			dxBuf := randSlice(rng, guard+size+guard)
			wantDx := append([]float32(nil), dxBuf...)
			for ox := range n {
				maxWindowBlocked(wantY[guard:], nil, x, nil, &p, 0, ox)
				maxWindowBlocked(nil, wantDx[guard:], x, dy, &p, 0, ox)
			}
			maxPoolRow(yBuf[guard:], x, n, kh, kw, sw, row)
			maxPoolBackRow(dxBuf[guard:], x, dy, n, kh, kw, sw, row)
			for i := range wantY {
				require.Equal(t, math.Float32bits(wantY[i]), math.Float32bits(yBuf[i]), "%s: y[%d] = %v, want %v", what, i-guard, yBuf[i], wantY[i])
			}
			require.Equal(t, floatBits(wantDx), floatBits(dxBuf), "%s: dx", what)
		}
	})
}

// BenchmarkMaxPoolBlocked times a block of sixteen channels of AlexNet's first max pooling (55×55,
// 3×3 windows 2 apart), forward and backward, with each instruction set the CPU has.
func BenchmarkMaxPoolBlocked(b *testing.B) {
	p := Pool{H: 55, W: 55, KH: 3, KW: 3, SH: 2, SW: 2, OutH: 27, OutW: 27}
	rng := rand.New(rand.NewPCG(17, 17))
	x, dx := randSlice(rng, 16*p.H*p.W), make([]float32, 16*p.H*p.W)
	y, dy := make([]float32, 16*p.OutH*p.OutW), randSlice(rng, 16*p.OutH*p.OutW)
	benchISAs(b, &poolISA, func(b *testing.B) {
		b.Run("forward", func(b *testing.B) {
			for b.Loop() {
				MaxPoolBlocked(y, x, &p)
			}
		})
		b.Run("backward", func(b *testing.B) {
			for b.Loop() {
				MaxPoolBlockedBackward(dx, x, dy, &p)
			}
		})
	})
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

// TestReLUBackwardBlocked checks ReLUBackwardBlocked, in each instruction set the CPU has (then
// its Go tail) and as the Go twin, against its definition, bit for bit, with and without the
// mask, sums starting nonzero, lengths around the vector width and lengths that leave a tail,
// NaNs in y and g, and guards after g, y and sums that must stay.
func TestReLUBackwardBlocked(t *testing.T) {
	forEachISA(t, &reluISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(15, 15))
		for _, n := range []int{0, 5, 15, 16, 17, 31, 32, 33, 48, 64, 16*55*55 + 7} {
			for _, mask := range []bool{true, false} {
				g, y := randSlice(rng, n+1), randSlice(rng, n+1)
				for i := 0; i < n; i += 11 {
					y[i], g[(i*7)%n] = float32(math.NaN()), float32(math.NaN())
				}
				sums := randSlice(rng, 17)
				g[n], y[n], sums[16] = 7, 7, 7 // guards
				want, wantSums := append([]float32(nil), g...), append([]float32(nil), sums...)
				var ys []float32
				if mask {
					ys = y[:n]
				}
				for i := range want[:n] {
					if mask && y[i] <= 0 {
						want[i] = 0
					}
					wantSums[i%16] += want[i]
				}
				wantY := append([]float32(nil), y...)
				ReLUBackwardBlocked(g[:n], ys, sums[:16])
				require.Equal(t, floatBits(want), floatBits(g), "n %d mask %v", n, mask)
				require.Equal(t, floatBits(wantSums), floatBits(sums), "n %d mask %v", n, mask)
				require.Equal(t, floatBits(wantY), floatBits(y), "n %d mask %v", n, mask)
			}
		}
	})
}

// BenchmarkReLUBackwardBlocked times the ReLU mask and bias gradient of a block of sixteen of
// AlexNet's conv1 channels (55×55 pixels), with each instruction set the CPU has.
func BenchmarkReLUBackwardBlocked(b *testing.B) {
	const n = 16 * 55 * 55
	rng := rand.New(rand.NewPCG(18, 18))
	g, y, sums := randSlice(rng, n), randSlice(rng, n), make([]float32, 16)
	benchISAs(b, &reluISA, func(b *testing.B) {
		b.SetBytes(8 * n)
		for b.Loop() {
			ReLUBackwardBlocked(g, y, sums)
		}
	})
}
