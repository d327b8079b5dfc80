//go:build !noasm

package runtime

import "golang.org/x/sys/cpu"

// KernelISA is the instruction set that the assembly kernels netc generates per layer run in on
// this CPU: "AVX512", "AVX2" (with FMA), or "" for their Go twins.
func KernelISA() string {
	switch {
	case cpu.X86.HasAVX512F:
		return "AVX512"
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return "AVX2"
	}
	return ""
}
