package compiler

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestVerifyKernels: Verify refuses a plan whose kernels break its rules — regions outside their
// buffer, overlapping, or reached beyond their size; tiles that do not fit the registers;
// loops of no item or of other items than the geometry gives; copies other than the blocking's;
// a kernel's strategy other than its step's; a conv's blocking that does not hold its
// convolution — naming the step.
func TestVerifyKernels(t *testing.T) {
	for _, c := range []struct {
		step   int // AlexNet's step
		break_ func(s *Step)
		want   string
	}{
		{3, func(s *Step) { s.Kernel(PassForward).Regions[1].At = 1 }, "conv2 + conv2.relu: forward kernel: regions xs and v overlap"},
		{3, func(s *Step) { s.Kernel(PassForward).Regions[2].Size++ }, "region m at 473280 of 1016065 values lies outside its 1489344"},
		{3, func(s *Step) { s.Kernel(PassWeightGrad).Regions[0].Reach++ }, "its accesses reach 92257 values into region xs of 92256"},
		{3, func(s *Step) { s.Kernel(PassForward).Regions[0].Name = "x s" }, `region "x s" is no Go identifier`},
		{1, func(s *Step) { s.Kernel(PassForward).Loops[0].Items = 0 }, `conv1.lrn: forward kernel: loop "Chunks" of 0 items`},
		{0, func(s *Step) { s.Kernel(PassForward).Tiles[FormAVX2] = Tile{7, 1} }, "conv1 + conv1.relu: forward kernel: AVX2 tile 7×1 needs more than 16 registers"},
		{0, func(s *Step) { s.Kernel(PassWeightGrad).Tiles[FormAVX512] = Tile{11, 4} }, "AVX-512 tile 11×4 needs more than 32 registers"},
		{0, func(s *Step) { s.Kernel(PassWeightGrad).Tiles[FormAVX512] = Tile{5, 3} }, "weight gradient: AVX-512 tile 5×3 of a call of 2 blocks"},
		{0, func(s *Step) { s.Kernel(PassForward).Strategy = ConvTransposed }, `its forward kernel's strategy "direct conv of dY, flipped W, blocked" is not the step's`},
		{0, func(s *Step) { s.Kernels = append(s.Kernels, &Kernel{Pass: PassPack}) }, "conv1 + conv1.relu has two pack kernels"},
		{3, func(s *Step) { s.Scratch++ }, "conv2 + conv2.relu: scratch of 1489345 values, its kernels' regions end at 1489344"},
		{3, func(s *Step) { s.Packed-- }, "conv2 + conv2.relu: pack kernel: region zeros at"},
		{3, func(s *Step) { s.Partials++ }, "conv2 + conv2.relu: partial sums of"},
		{2, func(s *Step) { s.Kernels = append(s.Kernels, &Kernel{Pass: PassWeightGrad}) }, `pool1: its weight gradient kernel's strategy "" is not the step's ""`},
		{3, func(s *Step) { s.ConvBlocking().PadH-- }, "conv2 + conv2.relu: an input copy of 30x31 for 27x27 padded by 2x2"},
		{3, func(s *Step) { s.ConvGradBlocking().PerCall = 2 }, "input gradient: 2 blocks a call of 3"},
		{3, func(s *Step) { s.ConvBlocking().Wino.TilesW = 8 }, "winograd F(3x3,5x5): 9x8 tiles for 27x27 outputs"},
		{0, func(s *Step) { s.ConvBlocking().UpdT = 4 }, "weight gradient of 4 positions × 2 blocks a call over 3 lanes, 11 columns"},
		{2, func(s *Step) { s.Units = 96 }, "step pool1 split by planes into 96 units per image"},
		{10, func(s *Step) { s.FCBlocking().Width = 7 }, "direct kernel {In:9216 Out:4096 Width:7"},
		{10, func(s *Step) { s.Kernel(PassForward).Loops[0].Items-- }, "fc6 + fc6.relu: loops [Rows×255] for [Rows×256]"},
		{0, func(s *Step) { s.Kernel(PassForward).Loops[0].Items++ }, "conv1 + conv1.relu: forward kernel: loops [Rows×"},
		{3, func(s *Step) { s.Kernel(PassPack).Loops = nil }, "conv2 + conv2.relu: pack kernel: loops [] for [PackRows×"},
		{3, func(s *Step) { s.Kernel(PassReduce).Loops[0].Name = "DW" }, "reduce kernel: loops [DW×"},
		{3, func(s *Step) { s.Kernel(PassInputGrad).Loops[1].Items *= 2 }, "input gradient kernel: loops [GradWinoIn×"},
		{1, func(s *Step) { s.Kernel(PassForward).Loops[0].Items++ }, "conv1.lrn: loops [Chunks×"},
		{3, func(s *Step) { k := s.Kernel(PassForward); k.Regions = k.Regions[1:] }, "conv2 + conv2.relu: forward kernel: region xs missing"},
		{3, func(s *Step) { s.Kernel(PassWeightGrad).Regions[2].Name = "ys" }, "weight gradient kernel: region ys not wanted"},
	} {
		n := compileFile(t, "../specs/alexnet.net")
		c.break_(n.Steps[c.step])
		assert.ErrorContains(t, Verify(n), c.want)
	}
}

// TestRegions: regions lays out the parts of a buffer one after another, leaving out empty ones.
func TestRegions(t *testing.T) {
	rs := regions(Region{Name: "a", Size: 3}, Region{Name: "none"}, Region{Name: "b", Size: 5})
	assert.Equal(t, []Region{{Name: "a", At: 0, Size: 3}, {Name: "b", At: 3, Size: 5}}, rs)
}

// TestPlansVerify: every spec of the project lowers to a plan whose kernels Verify accepts, each
// pass with a strategy having its kernel (the networks of codegen's TestOps, one of every layout
// transition, are lowered and verified there).
func TestPlansVerify(t *testing.T) {
	paths, err := filepath.Glob("../specs/*.net")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no specs: %v", err)
	}
	for _, path := range paths {
		n := compileFile(t, path)
		for _, s := range n.Steps {
			if s.View {
				assert.Empty(t, s.Kernels, s.Name())
				continue
			}
			for _, p := range []struct {
				pass     Pass
				strategy Strategy
			}{{PassForward, s.Forward}, {PassInputGrad, s.InputGrad}, {PassWeightGrad, s.WeightGrad}} {
				assert.Equal(t, p.strategy != "", s.Kernel(p.pass) != nil, "%s: %s: %s", path, s.Name(), p.pass)
			}
		}
	}
}
