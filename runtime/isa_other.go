//go:build noasm || !amd64

package runtime

// KernelISA is "" in this build: the kernels netc generates run their Go twins.
func KernelISA() string { return "" }
