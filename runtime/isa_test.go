package runtime

import (
	"testing"
)

// testISAs are the instruction sets the tests run each kernel family in, the Go twins first.
var testISAs = []ISA{ISAGo, ISAAVX2, ISAAVX512}

// forEachISA runs f as a subtest for each of testISAs with *v, a family's instruction set, set
// to it, and restores *v; an instruction set the CPU, the build or NETC_ISA lacks is skipped.
func forEachISA(t *testing.T, v *ISA, f func(t *testing.T, isa ISA)) {
	saved := *v
	defer func() { *v = saved }()
	for _, isa := range testISAs {
		t.Run(isa.String(), func(t *testing.T) {
			if !HasISA(isa) {
				t.Skipf("this CPU, build or NETC_ISA has no %s kernels", isa)
			}
			*v = isa
			f(t, isa)
		})
	}
}

// benchISAs runs f as a sub-benchmark named after each of testISAs that the CPU, the build and
// NETC_ISA allow, with *v set to it, and restores *v.
func benchISAs(b *testing.B, v *ISA, f func(b *testing.B)) {
	saved := *v
	defer func() { *v = saved }()
	for _, isa := range testISAs {
		if !HasISA(isa) {
			continue
		}
		b.Run(isa.String(), func(b *testing.B) {
			*v = isa
			f(b)
		})
	}
}

// TestISANames: each instruction set's name and width.
func TestISANames(t *testing.T) {
	for isa, want := range map[ISA]struct {
		name  string
		lanes int
	}{ISAGo: {"go", 1}, ISAAVX2: {"avx2", 8}, ISAAVX512: {"avx512", 16}} {
		if isa.String() != want.name || isa.Lanes() != want.lanes {
			t.Errorf("ISA %d: %q, %d lanes; want %q, %d", int(isa), isa, isa.Lanes(), want.name, want.lanes)
		}
	}
	if !HasISA(ISAGo) || !HasISA(BestISA()) {
		t.Errorf("HasISA(ISAGo) = %v, HasISA(BestISA() = %v) = %v", HasISA(ISAGo), BestISA(), HasISA(BestISA()))
	}
}
