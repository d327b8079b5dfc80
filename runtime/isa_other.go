//go:build noasm || !amd64

package runtime

// HasISA reports whether the kernels of i can run here: in this build, only the Go twins.
func HasISA(i ISA) bool { return i == ISAGo }
