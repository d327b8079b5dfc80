// Package runtime is what the Go code that netc generates calls at run time. It owns:
//
//   - GEMM: Sgemm, a packed single-precision matrix product (Goto/BLIS blocking, AVX-512 and
//     AVX2+FMA micro-kernels in assembly chosen at run time, each with a pure-Go twin that the
//     noasm build tag selects), with an Epilogue (bias, ReLU) fused into the store of each tile,
//     and ParallelSgemm, the same split over the workers; every convolution and fully connected
//     layer, forward and backward, is one of these;
//   - SgemmConv and ParallelSgemmConv: a convolution's GEMM on its implicit im2col matrix
//     (described by a Conv), packed for the kernels straight from the image, never written out;
//     SgemmConvT and ParallelSgemmConvT, the weight gradient's GEMM on its transpose; Col2im,
//     which turns the gradient of an explicit patch matrix into the input's gradient for the
//     convolutions whose input gradient is not a transposed convolution;
//   - the kernels of the other layers: LRN, max pooling, the ReLU mask, SGD;
//   - the parallel loop: Parallel, over a pool of persistent workers, each with a Workspace;
//   - random numbers for initialisation and dropout;
//   - weight files: parameters read from and written to safetensors.
//
// Matrices are row-major float32 slices with an explicit row stride throughout.
package runtime
