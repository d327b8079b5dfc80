//go:build !noasm

package runtime

// squaresAVX512 is squaresGo in AVX-512, sixty-four values per step, then sixteen, then the
// last n%16 through a mask. It implements
//
//	for i := 0; i < n; i++ {
//		sums[i] += sign * float32(x[i]*x[i])
//	}
//
// where sums and x point at n values and sign is 1 or −1.
//
//go:noescape
func squaresAVX512(sums, x *float32, n int, sign float32)

// squaresAVX2 is squaresAVX512 in AVX2 and FMA: thirty-two values per step, then eight, then
// the last n%8 through VMASKMOVPS.
//
//go:noescape
func squaresAVX2(sums, x *float32, n int, sign float32)

// lrnScaleAVX512 is lrnScaleGo in AVX-512 for the β of mode (lrnBeta075, lrnBeta05, lrnBeta1),
// sixteen values per step, the last n%16 through a mask. It implements
//
//	for i := 0; i < n; i++ {
//		t := k + alpha*sums[i] // fused
//		if !(t >= 0x1p-126 && t <= math.MaxFloat32) {
//			return i &^ 15 // the twin does this block of sixteen
//		}
//		switch mode {
//		case lrnBeta075:
//			b[i] = a[i] * (r * math.Sqrt(r)) // r = 1/√t
//		case lrnBeta05:
//			b[i] = a[i] * r
//		case lrnBeta1:
//			b[i] = a[i] / t
//		}
//	}
//	return n
//
// in float32, writing nothing of the block it stops at. r comes from VRSQRT14PS, refined by a
// Newton step with its second-order term, and t^−β is rounded once, a·t^−β twice (see
// lrn_amd64.s), so that b is within 1.2e-7 relative of a·t^−β. A t that is zero, subnormal,
// negative, infinite or NaN, where 1/√t is not to be refined, gets the twin's exact answer.
//
//go:noescape
func lrnScaleAVX512(b, a, sums *float32, n int, k, alpha float32, mode int) int

// lrnScaleAVX2 is lrnScaleAVX512 in AVX2 and FMA, in blocks of eight (returning i &^ 7), the
// last n%8 through VMASKMOVPS; r comes from VRSQRTPS, good to 12 bits only, refined the same way.
//
//go:noescape
func lrnScaleAVX2(b, a, sums *float32, n int, k, alpha float32, mode int) int

// squares runs the squares kernel of lrnISA on sums and x (as long as sums); sign is 1 or −1.
func squares(sums, x []float32, sign float32) {
	if len(sums) == 0 {
		return
	}
	x = x[:len(sums)]
	switch lrnISA {
	case ISAAVX512:
		squaresAVX512(&sums[0], &x[0], len(sums), sign)
	case ISAAVX2:
		squaresAVX2(&sums[0], &x[0], len(sums), sign)
	default:
		squaresGo(sums, x, sign)
	}
}

// lrnScale runs the LRNScale kernel of lrnISA, for the β of mode, on b and on a and sums (as
// long as b), handing each block at which the kernel stops to the twin.
func lrnScale(b, a, sums []float32, k, alpha float32, mode int) {
	beta := lrnBetas[mode]
	n := len(b)
	a, sums = a[:n], sums[:n]
	for i := 0; i < n; {
		switch lrnISA {
		case ISAAVX512:
			i += lrnScaleAVX512(&b[i], &a[i], &sums[i], n-i, k, alpha, mode)
		case ISAAVX2:
			i += lrnScaleAVX2(&b[i], &a[i], &sums[i], n-i, k, alpha, mode)
		default:
			lrnScaleGo(b, a, sums, k, alpha, beta)
			return
		}
		if i < n {
			j := min(i+lrnISA.Lanes(), n)
			lrnScaleGo(b[i:j], a[i:j], sums[i:j], k, alpha, beta)
			i = j
		}
	}
}

// lrnWindowAVX512 is lrnWindowGo in AVX-512 for n > 0 pixels, with sq at row[16] (where the
// squares go) and win at row[16−before] (where channel 0's window starts), width = before +
// after + 1 values summed per window; square is 1, or 0 to sum the values themselves.
//
//go:noescape
func lrnWindowAVX512(sums, a, sq, win *float32, blocks, pixels, n, width, square int)

// lrnWindow22AVX512 is lrnWindowAVX512 for before = after = 2 (LRN of size 5, AlexNet's), the
// window crossing lanes in registers; square is 1, or 0 to sum the values themselves. The
// general kernel reads each window from a row it has just stored, with unaligned loads that
// stall on store forwarding: 30.6–31.0 ns per pixel of 96 channels against 7.3–7.5 here (128
// pixels at a time, a throw-away benchmark on one core).
//
//go:noescape
func lrnWindow22AVX512(sums, a *float32, blocks, pixels, n, square int)

// lrnWindowAVX2 is lrnWindowAVX512 in AVX2, a block as two registers.
//
//go:noescape
func lrnWindowAVX2(sums, a, sq, win *float32, blocks, pixels, n, width, square int)

// lrnWindow runs the window kernel of lrnISA (the caller has checked the lengths).
func lrnWindow(sums, a, row []float32, blocks, pixels, n, before, after int, square bool) {
	sq := 0
	if square {
		sq = 1
	}
	switch lrnISA {
	case ISAAVX512:
		if before == 2 && after == 2 {
			lrnWindow22AVX512(&sums[0], &a[0], blocks, pixels, n, sq)
			return
		}
		lrnWindowAVX512(&sums[0], &a[0], &row[16], &row[16-before], blocks, pixels, n, before+after+1, sq)
	case ISAAVX2:
		lrnWindowAVX2(&sums[0], &a[0], &row[16], &row[16-before], blocks, pixels, n, before+after+1, sq)
	default:
		lrnWindowGo(sums, a, row, blocks, pixels, n, before, after, square)
	}
}

// subProductAVX512 implements, for i < n (a multiple of 16), with each operation rounded,
//
//	x[i] = x[i] - (c*a[i])*t[i]
//
//go:noescape
func subProductAVX512(x, a, t *float32, n int, c float32)

// subProductAVX2 is subProductAVX512 in AVX2, eight values at a time, for n a multiple of 8.
//
//go:noescape
func subProductAVX2(x, a, t *float32, n int, c float32)

// subProductAsm updates the longest prefix of x that the assembly of lrnISA handles (a multiple
// of its width), and returns its length.
func subProductAsm(x, a, t []float32, c float32) int {
	n := len(x) &^ (lrnISA.Lanes() - 1)
	if lrnISA == ISAGo || n == 0 {
		return 0
	}
	if lrnISA == ISAAVX512 {
		subProductAVX512(&x[0], &a[0], &t[0], n, c)
	} else {
		subProductAVX2(&x[0], &a[0], &t[0], n, c)
	}
	return n
}
