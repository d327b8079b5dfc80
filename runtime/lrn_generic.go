//go:build !amd64 || noasm

package runtime

// squares is squaresGo in this build.
func squares(sums, x []float32, sign float32) { squaresGo(sums, x, sign) }

// lrnScale is lrnScaleGo in this build.
func lrnScale(b, a, sums []float32, k, alpha float32, mode int) {
	beta := lrnBetas[mode]
	lrnScaleGo(b, a, sums, k, alpha, beta)
}

// lrnWindow is lrnWindowGo in this build.
func lrnWindow(sums, a, row []float32, blocks, pixels, n, before, after int, square bool) {
	lrnWindowGo(sums, a, row, blocks, pixels, n, before, after, square)
}

// subProductAsm leaves everything to the Go twin in this build.
func subProductAsm(x, a, t []float32, c float32) int { return 0 }
