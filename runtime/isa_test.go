package runtime

import (
	"testing"
)

// testISAs are the instruction sets of the kernels selected through an ISA variable
// (blocksISA, maxPoolISA, reluISA), the Go twins first.
var testISAs = []int{isaGo, isaAVX2, isaAVX512}

// forEachISA runs f as a subtest for each of testISAs with *v set to it, and restores *v; an
// instruction set the CPU, the build or NETC_ISA lacks is skipped.
func forEachISA(t *testing.T, v *int, f func(t *testing.T, isa int)) {
	saved := *v
	defer func() { *v = saved }()
	for _, isa := range testISAs {
		t.Run(isaNames[isa], func(t *testing.T) {
			if !hasISA(isa) {
				t.Skipf("this CPU, build or NETC_ISA has no %s kernels", isaNames[isa])
			}
			*v = isa
			f(t, isa)
		})
	}
}

// benchISAs runs f as a sub-benchmark named after each of testISAs that the CPU, the build and
// NETC_ISA allow, with *v set to it, and restores *v.
func benchISAs(b *testing.B, v *int, f func(b *testing.B)) {
	saved := *v
	defer func() { *v = saved }()
	for _, isa := range testISAs {
		if !hasISA(isa) {
			continue
		}
		b.Run(isaNames[isa], func(b *testing.B) {
			*v = isa
			f(b)
		})
	}
}
