//go:build !noasm

package runtime

// sgemmDot4x4AVX512 is sgemmDotGo in AVX-512: sixteen zmm accumulators, sixteen values of each
// row per step, the last k%16 through a mask. It implements
//
//	for r := 0; r < 4; r++ {
//		for s := 0; s < 4; s++ {
//			var sum float32
//			for p := 0; p < k; p++ {
//				sum += a[r][p] * b[s][p]
//			}
//			out[r*4+s] = sum
//		}
//	}
//
// where a[r] is the row at ar and b[s] the row at bs, summing p in sixteen interleaved partial sums.
//
//go:noescape
func sgemmDot4x4AVX512(k int, a0, a1, a2, a3, b0, b1, b2, b3 *float32, out *[16]float32)

// dot4x4 runs sgemmDot4x4AVX512 on rows a[0..3] and b[0..3], each at least k long (k > 0).
func dot4x4(k int, a, b *[4][]float32, out *[16]float32) {
	_, _, _, _ = a[0][k-1], a[1][k-1], a[2][k-1], a[3][k-1]
	_, _, _, _ = b[0][k-1], b[1][k-1], b[2][k-1], b[3][k-1]
	sgemmDot4x4AVX512(k, &a[0][0], &a[1][0], &a[2][0], &a[3][0], &b[0][0], &b[1][0], &b[2][0], &b[3][0], out)
}

// dotAVX512 is dotGo in AVX-512, each row read as one stream: four accumulators over 64 values a
// step, then sixteen, then the last k%16 through a mask. It implements
//
//	var sum float32
//	for p := 0; p < k; p++ {
//		sum += a[p] * b[p]
//	}
//	return sum
//
// summing p in 64 interleaved partial sums. k > 0.
//
//go:noescape
func dotAVX512(k int, a, b *float32) float32

// dotAVX2 is dotAVX512 in AVX2 with FMA: 32 interleaved partial sums, and one for the last k%8
// values. k > 0.
//
//go:noescape
func dotAVX2(k int, a, b *float32) float32

// dot runs the dot-product kernel of gemmISA (dotAVX512, dotAVX2, else dotGo) on a and b, each
// at least k long (k > 0).
func dot(k int, a, b []float32) float32 {
	_, _ = a[k-1], b[k-1]
	switch gemmISA {
	case ISAAVX512:
		return dotAVX512(k, &a[0], &b[0])
	case ISAAVX2:
		return dotAVX2(k, &a[0], &b[0])
	}
	return dotGo(k, a, b)
}
