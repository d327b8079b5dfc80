//go:build !amd64 || noasm

package runtime

// packConvGather does nothing in this build, leaving packConv and packConvT to their Go twins.
func packConvGather(trans bool, dst []float32, tab []int32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) bool {
	return false
}
