//go:build !amd64 || noasm

package runtime

// winogradSandwichAsm leaves the sandwich to its Go twin in this build.
func winogradSandwichAsm(u, t, x, l []float64, k, n int) bool { return false }
