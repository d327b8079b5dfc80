//go:build !amd64 || noasm

package runtime

// sgdAsm leaves everything to the Go twin in this build.
func sgdAsm(rule SGDRule, w, g, v []float32, lr, mu, lambda float32) int { return 0 }
