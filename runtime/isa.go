package runtime

import "fmt"

// ISA is an instruction set the assembly kernels are written in, the runtime's and those netc
// generates.
//
// Each family of the runtime's kernels runs in the instruction set of one package variable,
// BestISA at start-up: the GEMM's micro-kernels, dot products, packing and store step (gemmISA),
// LRN's (lrnISA), ToBlocks and FromBlocks (blocksISA), max pooling (poolISA), the ReLU masks
// (reluISA), SGD (sgdISA), Winograd's weight transforms (winogradISA). The tests set each in turn to every instruction set HasISA allows and
// compare every form with its Go twin; the packages netc generates keep theirs the same way
// (kernelISA).
type ISA int

// The instruction sets, narrowest first.
const (
	ISAGo     ISA = iota // the pure-Go twins
	ISAAVX2              // AVX2 with FMA
	ISAAVX512            // AVX-512
)

// isaNames are the instruction sets' names as NETC_ISA spells them.
var isaNames = [...]string{ISAGo: "go", ISAAVX2: "avx2", ISAAVX512: "avx512"}

// String returns the instruction set's name as NETC_ISA spells it: "go", "avx2" or "avx512".
func (i ISA) String() string {
	if i < 0 || int(i) >= len(isaNames) {
		return fmt.Sprintf("ISA(%d)", int(i))
	}
	return isaNames[i]
}

// Lanes returns the float32 lanes of one of the instruction set's vectors: 1 (Go), 8 or 16.
func (i ISA) Lanes() int {
	switch i {
	case ISAAVX512:
		return 16
	case ISAAVX2:
		return 8
	}
	return 1
}

// BestISA returns the widest instruction set HasISA allows: the widest the CPU has, limited by
// the build (noasm builds run the Go twins) and by NETC_ISA.
func BestISA() ISA {
	for _, i := range []ISA{ISAAVX512, ISAAVX2} {
		if HasISA(i) {
			return i
		}
	}
	return ISAGo
}
