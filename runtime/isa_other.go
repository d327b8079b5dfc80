//go:build noasm || !amd64

package runtime

// KernelISA is "" in this build: the kernels netc generates run their Go twins.
func KernelISA() string { return "" }

// hasISA reports whether the kernels of isa can run: without assembly, only the Go twins.
func hasISA(isa int) bool { return isa == isaGo }

// bestISA returns isaGo, the Go twins, the only kernels in this build.
func bestISA() int { return isaGo }
