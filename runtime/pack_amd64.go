//go:build !noasm

package runtime

// transpose4x16AVX512 is transposeGo in AVX-512: four rows of sixteen values are loaded,
// transposed in registers and stored as sixteen runs of four. It implements
//
//	for q := 0; q < rows; q++ { // rows%4 == 0
//		for p := 0; p < cols; p++ { // cols%16 == 0
//			dst[p*width+q] = src[q*ld+p]
//		}
//	}
//
//go:noescape
func transpose4x16AVX512(dst *float32, width int, src *float32, ld, rows, cols int)

// transpose4x8AVX2 is transpose4x16AVX512 in AVX2, four rows of eight values at a time, for cols
// a multiple of 8.
//
//go:noescape
func transpose4x8AVX2(dst *float32, width int, src *float32, ld, rows, cols int)

// transpose4 runs the transpose of gemmISA on the first rows&^3 rows and the first columns of a
// whole number of its vectors, after checking that src and dst hold them; it returns how many
// rows and columns it did.
func transpose4(dst []float32, width int, src []float32, ld, rows, cols int) (r, c int) {
	r, c = rows&^3, cols&^(gemmISA.Lanes()-1)
	if gemmISA == ISAGo || r == 0 || c == 0 {
		return 0, 0
	}
	_ = src[(r-1)*ld+c-1]
	_ = dst[(c-1)*width+r-1]
	if gemmISA == ISAAVX512 {
		transpose4x16AVX512(&dst[0], width, &src[0], ld, r, c)
	} else {
		transpose4x8AVX2(&dst[0], width, &src[0], ld, r, c)
	}
	return r, c
}
