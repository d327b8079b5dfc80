//go:build !amd64 || noasm

package runtime

// runKernel runs the pure-Go twin on one full tile; see sgemmKernelGo for the arguments.
func runKernel(kc int, a, b, c []float32, ldc int, colBias []float32, flags int) {
	k := &kernels[ISAGo]
	sgemmKernelGo(k.mr, k.nr, kc, a, b, c, ldc, colBias, flags)
}

// storeTileAsm leaves storeTile to its Go twin in this build.
func storeTileAsm(t []float32, tld, mr, nr int, c []float32, ldc int, colBias []float32, flags int) bool {
	return false
}
