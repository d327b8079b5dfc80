//go:build !noasm

package runtime

// transpose4x16AVX512 is transpose4x16Go in AVX-512: four rows of sixteen values are loaded,
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

// transpose4x16 runs transpose4x16AVX512 on the first rows&^3 rows and cols&^15 columns,
// after checking that src and dst hold them; it returns how many rows and columns it did.
func transpose4x16(dst []float32, width int, src []float32, ld, rows, cols int) (r, c int) {
	r, c = rows&^3, cols&^15
	if gemmISA != ISAAVX512 || r == 0 || c == 0 {
		return 0, 0
	}
	_ = src[(r-1)*ld+c-1]
	_ = dst[(c-1)*width+r-1]
	transpose4x16AVX512(&dst[0], width, &src[0], ld, r, c)
	return r, c
}
