//go:build !noasm

package runtime

// subProductAVX512 implements, for i < n (a multiple of 16), with each operation rounded,
//
//	x[i] = x[i] - (c*a[i])*t[i]
//
//go:noescape
func subProductAVX512(x, a, t *float32, n int, c float32)

// subProductAsm updates the longest prefix of x that the assembly handles, and returns its length.
func subProductAsm(x, a, t []float32, c float32) int {
	n := len(x) &^ 15
	if lrnISA != ISAAVX512 || n == 0 {
		return 0
	}
	subProductAVX512(&x[0], &a[0], &t[0], n, c)
	return n
}
