// Package reference is a naive, obviously correct implementation of every op netc compiles, and
// of its training step, to test the generated code against.
//
// Every function is a plain nested loop over the output, accumulating in float64, written so that
// a reader can check it line by line against PyTorch's documentation of the same op. Speed matters
// only as far as the tests of whole AlexNets must finish: the convolutions and fully connected
// layers skip the padding of a window rather than test each of its positions, and run their loops
// over independent outputs in parallel (parallel.go), each value summed in the serial loop's order,
// so that every result is the same whatever the scheduling. Tensors are slices in NCHW order holding n images; a flat vector of C values is C×1×1.
// The forward ops and Forward take float32 (what the generated code computes in, rounding each
// output to float32) or float64 (for gradients and finite differences, rounding nothing); the
// backward ops, Gradients and SGDStep are float64 only. The op functions panic when a slice's
// length does not match the shapes they are given: that is a bug in the calling test, not a
// condition to recover from. Forward, ForwardTrace and Gradients run a whole compiled network and
// return errors for anything wrong with the parameters, masks, input or labels they are handed.
//
// Each op has a file, holding its forward and backward functions side by side and its row of
// the package's op table (op.go), which says how a layer of that op runs forward and back and,
// for ReLU and max pooling, how to find and flip its decisions near a tie; the passes over a
// whole network are loops over that table:
//
//	op.go          the op table: one row per op kind of the compiler's, registered by the op's file
//	parallel.go    parallel: a loop over independent outputs on every CPU; inside: a window's unpadded part
//	conv.go        Conv2D, Conv2DBackward
//	linear.go      Linear, LinearBackward
//	relu.go        ReLU, ReLUBackward, and ReLU's decisions
//	tanh.go        Tanh, TanhBackward
//	dropout.go     Dropout (its own backward)
//	lrn.go         LRN, LRNBackward
//	pool.go        MaxPool, AvgPool and their backward passes, and max pooling's decisions
//	adaptive.go    AdaptiveAvgPool, AdaptiveAvgPoolBackward
//	flatten.go     flatten: a reshape
//	loss.go        SoftmaxCrossEntropy, SoftmaxCrossEntropyBackward
//	forward.go     Forward, ForwardTrace: a whole network, layer by layer
//	backward.go    Gradients: the loss's gradient for every parameter, layer by layer backwards
//	decisions.go   NearDecisions, GradientsFlipped: ReLU and max-pool decisions near a tie
//	sgd.go         SGDStep: one step of either of the spec's update rules
//
// The tests check each op on hand-computed cases and, when python3-torch is installed, against
// PyTorch (computing in float64) on random data, per layer, forward and backward, through
// testdata/torch_ops.py, which evaluates each layer's PyTorch expression (compiler.Layer.Torch);
// and every backward pass, in small networks of one op and in whole networks, against central
// finite differences of the float64 forward pass. Every op of the compiler's but the loss must
// have a row.
package reference

import (
	"fmt"

	"github.com/netc-project/netc/compiler"
)

// Float is the element type of the forward ops: float32 for the values the generated code
// computes, float64 for gradient checks. Either way the ops accumulate in float64.
type Float interface{ ~float32 | ~float64 }

// at is the index of value (c, h, w) of image i in an NCHW tensor of images of shape s.
func at(s compiler.Shape, i, c, h, w int) int {
	return ((i*s.C+c)*s.H+h)*s.W + w
}

// size is the number of values of n images of shape s.
func size(n int, s compiler.Shape) int {
	return n * int(s.Size())
}

// mustLen panics unless t holds want values.
func mustLen[T Float](what string, t []T, want int) {
	if len(t) != want {
		panic(fmt.Sprintf("reference: %s has %d values, want %d", what, len(t), want))
	}
}
