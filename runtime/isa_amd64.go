//go:build !noasm

package runtime

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/cpu"
)

// hasAVX512 and hasAVX2 (with FMA) say which instruction sets the assembly kernels, the
// runtime's and those netc generates, may use: the CPU's, limited by the environment variable
// NETC_ISA when it is set at start-up — "avx2" runs as on a CPU without AVX-512, "go" as on one
// without either (every kernel's Go twin), "avx512" as the CPU allows — so that one machine can
// run, test and time every variant. Any other value is reported on standard error and ignored.
var hasAVX512, hasAVX2 = isaFlags(os.Getenv("NETC_ISA"))

// isaFlags returns hasAVX512 and hasAVX2 for the CPU limited by limit, NETC_ISA's value. The
// AVX-512 kernels use the foundation and, here and there, DQ (VEXTRACTF32X8), BW (KMOVD,
// KSHIFTRD), VL and BMI2 (PDEPL), which every AVX-512 CPU but the Xeon Phi has: a CPU that lacks
// one runs the AVX2 kernels.
func isaFlags(limit string) (avx512, avx2 bool) {
	x := cpu.X86
	avx512 = x.HasAVX512F && x.HasAVX512DQ && x.HasAVX512BW && x.HasAVX512VL && x.HasBMI2
	avx2 = x.HasAVX2 && x.HasFMA
	switch strings.ToLower(limit) {
	case "", "avx512":
	case "avx2":
		avx512 = false
	case "go":
		avx512, avx2 = false, false
	default:
		fmt.Fprintf(os.Stderr, "netc: NETC_ISA=%q is not avx512, avx2 or go; ignored\n", limit)
	}
	return avx512, avx2
}

// HasISA reports whether the kernels of i can run here: the Go twins always, AVX2 and AVX-512
// where the CPU has them and NETC_ISA allows them.
func HasISA(i ISA) bool {
	switch i {
	case ISAAVX512:
		return hasAVX512
	case ISAAVX2:
		return hasAVX2
	}
	return i == ISAGo
}
