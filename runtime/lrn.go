package runtime

import (
	"fmt"
	"math"
)

// Local response normalisation across channels, one channel's row of pixels at a time:
//
//	b = a · (k + α·Σ a²)^−β
//
// the sum running over a window of channels at the same pixel. The generated code sums each
// window's squares into a row of scratch space with LRNSquaresAdd (recomputing every window from its
// channels, so that no rounding error is carried from one window to the next), then scales the
// channel with LRNScale. Each has AVX-512 and AVX2+FMA assembly, chosen at run time, and a
// pure-Go twin that the noasm build tag selects. LRNScale's assembly covers β = 0.75 (AlexNet's),
// 0.5 and 1; any other β takes the twin, which is math.Pow in float64.

// lrnISA is the instruction set of LRN's kernels.
var lrnISA = BestISA()

// The βs that LRNScale's assembly computes, passed to it as its mode.
const (
	lrnBeta075 = iota // t^−0.75 = r·√r, r = 1/√t
	lrnBeta05         // t^−0.5 = r
	lrnBeta1          // t^−1: a division
)

// lrnBetas is the β of each mode.
var lrnBetas = [...]float32{lrnBeta075: 0.75, lrnBeta05: 0.5, lrnBeta1: 1}

// lrnMode returns the assembly mode for beta, and whether there is one.
func lrnMode(beta float32) (mode int, ok bool) {
	for mode, b := range lrnBetas {
		if b == beta {
			return mode, true
		}
	}
	return 0, false
}

// LRNSquaresAdd adds x[i]² to sums[i] for every i. The square is rounded before the sum (no fused
// multiply-add), so that every build gives the same bits. It panics unless len(x) == len(sums).
func LRNSquaresAdd(sums, x []float32) {
	checkLRNLen("LRNSquaresAdd", "x", len(x), len(sums))
	squares(sums, x, 1)
}

// LRNScale sets b[i] = a[i] · (k + alpha·sums[i])^−beta for every i: the normalisation of one
// channel's row of pixels, given the sum of squares over the channel's window at each pixel.
// t = k + alpha·sums[i] is rounded to float32 once (a fused multiply-add). For β = 0.75, 0.5 and
// 1 the assembly computes a·t^−β within 1.2e-7 relative (two roundings; TestLRNAccuracy), and
// leaves any block with a t that is not a positive normal float32 to the twin; any other β is
// the twin, math.Pow in float64, within one rounding. b may be a. It panics unless a and sums
// are as long as b.
func LRNScale(b, a, sums []float32, k, alpha, beta float32) {
	checkLRNLen("LRNScale", "a", len(a), len(b))
	checkLRNLen("LRNScale", "sums", len(sums), len(b))
	mode, ok := lrnMode(beta)
	if !ok {
		lrnScaleGo(b, a, sums, k, alpha, beta)
		return
	}
	lrnScale(b, a, sums, k, alpha, mode)
}

// checkLRNLen panics unless a slice's length n is want.
func checkLRNLen(fn, name string, n, want int) {
	if n != want {
		panic(fmt.Sprintf("runtime: %s: len(%s) = %d, want %d", fn, name, n, want))
	}
}

// squaresGo is the pure-Go twin of the squares kernels (sign is 1, or −1 in the tests that show
// why the generated code does not slide the window):
//
//	for i := range sums {
//		sums[i] += sign * float32(x[i]*x[i])
//	}
//
// The conversion rounds the square, keeping the compiler from fusing it into the sum.
func squaresGo(sums, x []float32, sign float32) {
	x = x[:len(sums)]
	for i, v := range x {
		sums[i] += sign * float32(v*v)
	}
}

// lrnScaleGo is the pure-Go twin of the LRNScale kernels, and LRNScale for any β:
//
//	for i := range b {
//		t := float64(float32(math.FMA(float64(alpha), float64(sums[i]), float64(k))))
//		b[i] = float32(float64(a[i]) * math.Pow(t, -float64(beta)))
//	}
//
// t is fused as in the assembly (the product is exact in float64, so only the two roundings of
// the sum could differ, and that rarely). For the βs the assembly has, t^−β is by square roots,
// as exact as math.Pow (within an ulp or two of float64) and much faster.
func lrnScaleGo(b, a, sums []float32, k, alpha, beta float32) {
	a, sums = a[:len(b)], sums[:len(b)]
	for i, s := range sums {
		t := float64(float32(math.FMA(float64(alpha), float64(s), float64(k))))
		var y float64 // t^−β
		switch beta {
		case 0.75:
			y = 1 / math.Sqrt(t*math.Sqrt(t))
		case 0.5:
			y = 1 / math.Sqrt(t)
		case 1:
			y = 1 / t
		default:
			y = math.Pow(t, -float64(beta))
		}
		b[i] = float32(float64(a[i]) * y)
	}
}

// LRNWindowSquares sets, for n pixels of an image in the channel-blocked layout, the sums of
// squares over each channel's window: with a the image's values from its first pixel of
// interest (channel cb·16 + l of pixel q at a[(cb·pixels + q)·16 + l]),
//
//	sums[(cb·n + q)·16 + l] = Σ_{c' = c−before … c+after, 0 ≤ c' < 16·blocks} a_{c'}(q)²,  c = cb·16 + l
//
// for q < n: the chunk's sums per block, contiguous, for LRNScale to take with the chunk's
// values block by block. Per pixel, the squares go into row — 16·blocks + 32 values, whose first
// and last 16 the caller keeps zero — and each window is summed from it in order, c' ascending
// (rounding each square, no fused multiply-add, so that every build gives the same bits). The
// window reaches at most 16 channels each way. It panics on slices too short or a window too
// wide.
func LRNWindowSquares(sums, a, row []float32, blocks, pixels, n, before, after int) {
	windowBlocked("LRNWindowSquares", sums, a, row, blocks, pixels, n, before, after, true)
}

// LRNWindowSums is LRNWindowSquares summing the values themselves, not their squares: LRN's
// backward pass sums its terms over the windows each channel lies in.
func LRNWindowSums(sums, a, row []float32, blocks, pixels, n, before, after int) {
	windowBlocked("LRNWindowSums", sums, a, row, blocks, pixels, n, before, after, false)
}

// LRNSubProduct sets x[i] = x[i] − (c·a[i])·t[i], each operation rounded to float32 as
// written (no fused multiply-add), so that the assembly (sixteen values at a time in AVX-512,
// eight in AVX2) gives its Go twin's results bit for bit. It is LRN's backward pass taking the
// terms of a window an input lies in.
func LRNSubProduct(x, a, t []float32, c float32) {
	a, t = a[:len(x)], t[:len(x)]
	done := subProductAsm(x, a, t, c)
	subProductGo(x[done:], a[done:], t[done:], c)
}

// subProductGo is LRNSubProduct in Go: the twin of the assembly, and its tail.
func subProductGo(x, a, t []float32, c float32) {
	a, t = a[:len(x)], t[:len(x)]
	for i := range x {
		p := c * a[i]
		x[i] -= p * t[i]
	}
}

func windowBlocked(fn string, sums, a, row []float32, blocks, pixels, n, before, after int, square bool) {
	switch {
	case before < 0 || after < 0 || before > 16 || after > 16 || blocks < 1 || n < 0 || pixels < n:
		panic(fmt.Sprintf("runtime: %s: %d blocks, %d of %d pixels, window %d…%d", fn, blocks, n, pixels, before, after))
	case n == 0:
		return
	}
	checkLRNLen(fn, "row", min(len(row), 16*blocks+32), 16*blocks+32)
	checkLRNLen(fn, "sums", min(len(sums), blocks*n*16), blocks*n*16)
	checkLRNLen(fn, "a", min(len(a), ((blocks-1)*pixels+n)*16), ((blocks-1)*pixels+n)*16)
	lrnWindow(sums, a, row, blocks, pixels, n, before, after, square)
}

// lrnWindowGo is the pure-Go twin of the window kernels.
func lrnWindowGo(sums, a, row []float32, blocks, pixels, n, before, after int, square bool) {
	for q := range n {
		for cb := range blocks {
			for l := range 16 {
				v := a[(cb*pixels+q)*16+l]
				if square {
					v *= v
				}
				row[16+cb*16+l] = v
			}
		}
		for c := range 16 * blocks {
			var s float32
			for _, v := range row[16+c-before : 16+c+after+1] {
				s += v
			}
			sums[(c/16*n+q)*16+c%16] = s
		}
	}
}
