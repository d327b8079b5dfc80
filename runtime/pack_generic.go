//go:build !amd64 || noasm

package runtime

// transpose4 does nothing in this build, leaving all of the transpose to packStrided's loops.
func transpose4(dst []float32, width int, src []float32, ld, rows, cols int) (r, c int) {
	return 0, 0
}
