// Package runtime is what the Go code that netc generates calls at run time, and what train/
// and data/ use of it. It exports:
//
//   - Products: Multiply computes a Product, C = A·B (or C += A·B), on the calling goroutine
//     with a Workspace (NewWorkspace), and ParallelMultiply computes it split over the workers;
//     the fully connected layers, forward and backward, and a strided convolution's Wᵀ·dY are
//     these (the convolutions' other kernels are generated per layer, see codegen/asm). Its
//     factors are Operands: Dense, a stored row-major matrix, and its transpose T. An Epilogue
//     (biases, ReLU) is fused into the store of each tile. The packing and the micro-kernels are
//     Goto/BLIS blocking with AVX-512
//     and AVX2+FMA micro-kernels in assembly chosen at run time, each with a pure-Go twin that
//     the noasm build tag selects.
//   - Col2im: the adjoint of the im2col matrix, which turns the gradient of a written-out patch
//     matrix into the input's gradient, for the convolutions whose input gradient is not a
//     direct convolution (strides above 1).
//   - ToBlocks and FromBlocks: the conversions between NCHW planes and the channel-blocked
//     layout (NCHW16c) of the generated convolution kernels, in which activations stay between
//     convolutions, LRN and max pooling.
//   - The other layers' kernels: LRN's, LRNSquaresAdd and LRNScale (forward) and LRNSubProduct
//     (backward) on rows of any layout, LRNWindowSquares and LRNWindowSums on the windows of the
//     channel-blocked layout; MaxPool and MaxPoolBackward over NCHW planes,
//     MaxPoolBlocked and MaxPoolBlockedBackward over a block of 16 channels, AvgPool and
//     AvgPoolBackward over a Pool geometry; AdaptiveAvgPool and AdaptiveAvgPoolBackward over an
//     AdaptivePool; ReLUBackward and ReLUBackwardBlocked, and Sum, for the ReLU masks and bias
//     gradients; SGD with its SGDRule, SGDPyTorch or SGDPaper.
//   - ISA, BestISA and HasISA: the instruction sets of the assembly kernels, the runtime's and
//     those netc generates, chosen at start-up as the widest the CPU has, which the environment
//     variable NETC_ISA may limit (avx2, go) to test and time every form.
//   - The parallel loop: Parallel, over a pool of Workers() persistent workers.
//   - RNG (NewRNG, Split and its draws): seeded random numbers for initialisation, dropout
//     masks and data augmentation.
//   - Weight files: a model's Params read from and written to safetensors (WriteSafetensors,
//     ReadSafetensorsWith with its SafetensorsOptions — Aliases for files that name tensors
//     otherwise, AllowNonFinite, Skip — and ReadSafetensorsHeader with its SafetensorsHeader and
//     SafetensorsTensor). Reading refuses NaN and ±Inf, naming the tensor and the index of the
//     first, unless AllowNonFinite. Every message quotes the file's text by a few
//     dozen bytes and lists at most ten tensors of a kind, then how many more.
//
// Matrices are row-major float32 slices with an explicit row stride throughout. Every kernel in
// assembly has a pure-Go twin that its tests compare it with, and the noasm build tag runs
// everything on the twins.
package runtime

//go:generate go run ../codegen/asm/cmd/runtimeasm
