//go:build !amd64 || noasm

package runtime

// packConvGather does nothing in this build, leaving packConv to packConvGo.
func packConvGather(dst []float32, tab []int32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) bool {
	return false
}

// packConvTGather does nothing in this build, leaving packConvT to packConvTGo.
func packConvTGather(dst []float32, tab []int32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) bool {
	return false
}
