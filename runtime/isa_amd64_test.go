//go:build !noasm

package runtime

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/cpu"
)

// TestISAFlags: NETC_ISA limits the instruction sets to what a smaller CPU has, never beyond
// what this one has, whatever its case; other values change nothing.
func TestISAFlags(t *testing.T) {
	avx512, avx2 := cpu.X86.HasAVX512F, cpu.X86.HasAVX2 && cpu.X86.HasFMA
	for limit, want := range map[string][2]bool{
		"": {avx512, avx2}, "avx512": {avx512, avx2}, "AVX2": {false, avx2}, "avx2": {false, avx2},
		"go": {false, false}, "sse": {avx512, avx2},
	} {
		a, b := isaFlags(limit)
		assert.Equal(t, want, [2]bool{a, b}, "NETC_ISA=%q", limit)
	}
}
