package alexnet

// These tests are written by hand, not generated: they check this generated package against
// the naive reference implementation, through the checks every generated package shares.

import (
	"testing"

	"github.com/netc-project/netc/internal/modeltest"
)

const spec = "../../specs/alexnet.net"

func newModel() modeltest.Model { return New() }

func TestForward(t *testing.T) {
	for _, n := range []int{1, 3} {
		modeltest.CheckForward(t, New(), spec, n, 1e-4)
	}
}

// TestBatch checks that a batch of 33 (32 images on the fully connected layers' direct kernels,
// one on the GEMM) gives each image the logits it has alone.
func TestBatch(t *testing.T) { modeltest.CheckBatch(t, New(), InputSize, 33, 1e-5) }

// TestGradients compares Backward with the naive reference's backward pass, with and without
// dropout.
func TestGradients(t *testing.T) {
	for _, n := range []int{1} {
		modeltest.CheckGradients(t, New(), spec, n, false, modeltest.GradTol)
		modeltest.CheckGradients(t, New(), spec, n, true, modeltest.GradTol)
	}
}

// TestSteps compares the optimiser's steps with the reference's, across a learning-rate change.
func TestSteps(t *testing.T) { modeltest.CheckSteps(t, New(), spec, 2) }

// TestTorch compares logits, loss, gradients and two optimiser steps with PyTorch's.
func TestTorch(t *testing.T) { modeltest.CheckTorch(t, New(), spec, 2) }

func TestSaveLoad(t *testing.T) { modeltest.CheckSaveLoad(t, newModel) }

// TestPredict checks Preprocessing against the spec's and Predict against Forward.
func TestPredict(t *testing.T) { modeltest.CheckPredict(t, New(), Preprocessing, spec) }

func TestNoAllocs(t *testing.T) {
	m := New()
	for _, n := range []int{2, 1} {
		modeltest.CheckNoAllocs(t, m, InputSize, n, true)
		modeltest.CheckNoAllocs(t, m, InputSize, n, false)
	}
}

// TestSeed checks that a seed determines the initial parameters, and that seeds differ.
func TestSeed(t *testing.T) {
	modeltest.CheckSeed(t, New(), func(seed uint64) modeltest.Model { return NewSeeded(seed) }, DefaultSeed)
}

func BenchmarkForward1(b *testing.B) {
	modeltest.BenchmarkForward(b, New(), InputSize, 1, ForwardFLOPs)
}
func BenchmarkForward32(b *testing.B) {
	modeltest.BenchmarkForward(b, New(), InputSize, 32, ForwardFLOPs)
}

func TestTrainNoAllocs(t *testing.T) {
	modeltest.CheckTrainNoAllocs(t, New(), InputSize, Classes, 2)
}

func BenchmarkTrainStep32(b *testing.B) {
	modeltest.BenchmarkTrainStep(b, New(), InputSize, Classes, 32, ForwardFLOPs)
}

func BenchmarkTrainStep128(b *testing.B) {
	modeltest.BenchmarkTrainStep(b, New(), InputSize, Classes, 128, ForwardFLOPs)
}

// TestMemory checks that the package allocates what netc check -v says it does.
func TestMemory(t *testing.T) { modeltest.CheckMemory(t, newModel, spec, 4) }
