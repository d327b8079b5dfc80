package runtime

// The instruction sets of the runtime's kernels: the GEMM's (kernelGo… index its kernels),
// LRN's (lrnBest, or passed to its kernels), ToBlocks and FromBlocks (blocksISA), blocked max pooling (maxPoolISA),
// ReLUBackward and ReLUBackwardBlocked (reluISA), SGD (sgdISA). Each family starts with
// bestISA, the best the CPU, the build and NETC_ISA allow; the tests set it to each that hasISA
// reports, in turn, to compare every form with its Go twin.
const (
	isaGo     = iota // the pure-Go twins
	isaAVX2          // AVX2 (with FMA)
	isaAVX512        // AVX-512
)

// isaNames names each instruction set as NETC_ISA spells it.
var isaNames = [...]string{isaGo: "go", isaAVX2: "avx2", isaAVX512: "avx512"}

// isaLanes is each instruction set's vector width in float32 lanes.
var isaLanes = [...]int{isaGo: 1, isaAVX2: 8, isaAVX512: 16}
