//go:build !amd64 || noasm

package runtime

// reluBackwardAsm leaves everything to the Go twin in this build.
func reluBackwardAsm(g, y []float32) (int, float32) { return 0, 0 }

// reluBackwardBlockedAsm leaves everything to the Go twin in this build.
func reluBackwardBlockedAsm(g, y, sums []float32) int { return 0 }
