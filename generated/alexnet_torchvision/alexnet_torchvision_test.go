package alexnet_torchvision

// These tests are written by hand, not generated. The gradient and PyTorch checks of the other
// AlexNets cover the same kernels; cmd/classify checks this package against torchvision itself.

import (
	"testing"

	"github.com/netc-project/netc/internal/modeltest"
)

const spec = "../../specs/alexnet_torchvision.net"

func newModel() modeltest.Model { return New() }

func TestForward(t *testing.T) { modeltest.CheckForward(t, New(), spec, 1, 1e-4) }

func TestSaveLoad(t *testing.T) {
	modeltest.CheckSaveLoad(t, newModel)
}

// TestPredict checks Preprocessing against the spec's and Predict against Forward.
func TestPredict(t *testing.T) { modeltest.CheckPredict(t, New(), Preprocessing, spec) }

func TestNoAllocs(t *testing.T) { modeltest.CheckNoAllocs(t, New(), InputSize, 1, false) }

func BenchmarkForward1(b *testing.B) {
	modeltest.BenchmarkForward(b, New(), InputSize, 1, ForwardFLOPs)
}
func BenchmarkForward32(b *testing.B) {
	modeltest.BenchmarkForward(b, New(), InputSize, 32, ForwardFLOPs)
}

// TestMemory checks that the package allocates what netc check -v says it does.
func TestMemory(t *testing.T) { modeltest.CheckMemory(t, newModel, spec, 4) }
