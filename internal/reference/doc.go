// Package reference is a naive, obviously correct implementation of every op netc compiles, to
// test the generated code against.
//
// Every function is a plain nested loop over the output, accumulating in float64, written so that
// a reader can check it line by line against PyTorch's documentation of the same op; speed is no
// concern. Tensors are float32 slices in NCHW order holding n images; a flat vector of C values is
// C×1×1. The op functions panic when a slice's length does not match the shapes they are given:
// that is a bug in the calling test, not a condition to recover from. Forward and ForwardTrace run
// a whole compiled network and return errors for anything wrong with the parameters, masks or
// input they are handed.
//
// Files hold one group of ops each, with room for the backward pass next to the forward:
//
//	conv.go        Conv2D
//	linear.go      Linear
//	elementwise.go ReLU, Dropout
//	lrn.go         LRN
//	pool.go        MaxPool, AvgPool, AdaptiveAvgPool
//	loss.go        SoftmaxCrossEntropy
//	forward.go     Forward, ForwardTrace: a whole network, layer by layer
//
// The tests check each op on hand-computed cases and, when python3-torch is installed, against
// PyTorch (computing in float64) on random data, per layer, through testdata/torch_ops.py.
package reference

import (
	"fmt"

	"github.com/netc-project/netc/compiler"
)

// at is the index of value (c, h, w) of image i in an NCHW tensor of images of shape s.
func at(s compiler.Shape, i, c, h, w int) int {
	return ((i*s.C+c)*s.H+h)*s.W + w
}

// size is the number of values of n images of shape s.
func size(n int, s compiler.Shape) int {
	return n * int(s.Size())
}

// mustLen panics unless t holds want values.
func mustLen(what string, t []float32, want int) {
	if len(t) != want {
		panic(fmt.Sprintf("reference: %s has %d values, want %d", what, len(t), want))
	}
}
