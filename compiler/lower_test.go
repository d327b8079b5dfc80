package compiler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestConvBlockingAlexNet: the direct kernels of AlexNet's convolutions, forward and input
// gradient, as the lower pass blocks them — in particular the tiles of the 13-wide rows, 5
// pixels rather than 6, whose last pass of one pixel would wait on its accumulators.
func TestConvBlockingAlexNet(t *testing.T) {
	n := compileFile(t, "../specs/alexnet.net")
	var got []string
	for _, s := range n.Steps {
		for what, b := range map[string]*ConvBlocking{"": s.ConvBlocking(), " grad": s.ConvGradBlocking()} {
			if b != nil {
				d := fmt.Sprintf("%s%s: %d×%d of %dx%d → %d blocks of %dx%d, %d per call, tile %d",
					s.Main().Name, what, b.InBlocks, b.InLanes, b.PadH, b.PadW, b.OutBlocks, b.OutH, b.OutW, b.PerCall, b.Tiles[FormAVX512].Pixels)
				if b.UpdT > 0 {
					d += fmt.Sprintf(", dW %d×%d", b.UpdT, b.UpdF)
				}
				if b.UpdKX {
					d += " along kx"
				}
				if w := b.Wino; w != nil {
					d += fmt.Sprintf(", winograd %s of %dx%d tiles, tile %d", w, w.TilesH, w.TilesW, w.MulTiles[FormAVX512].Pixels)
				}
				got = append(got, d)
			}
		}
	}
	assert.ElementsMatch(t, []string{
		"conv1: 1×3 of 227x227 → 6 blocks of 55x55, 3 per call, tile 8, dW 11×2 along kx",
		"conv2: 3×16 of 31x31 → 8 blocks of 27x27, 4 per call, tile 6, dW 8×2, winograd F(3x3,5x5) of 9x9 tiles, tile 6",
		"conv2 grad: 8×16 of 31x31 → 3 blocks of 27x27, 3 per call, tile 8, winograd F(3x3,5x5) of 9x9 tiles, tile 7",
		"conv3: 16×16 of 16x16 → 24 blocks of 13x13, 4 per call, tile 5, dW 8×3, winograd F(2x2,3x3) of 7x7 tiles, tile 5",
		"conv3 grad: 24×16 of 16x16 → 16 blocks of 13x13, 4 per call, tile 5, winograd F(2x2,3x3) of 7x7 tiles, tile 5",
		"conv4: 12×16 of 16x16 → 12 blocks of 13x13, 4 per call, tile 5, dW 8×3, winograd F(2x2,3x3) of 7x7 tiles, tile 5",
		"conv4 grad: 12×16 of 16x16 → 12 blocks of 13x13, 4 per call, tile 5, winograd F(2x2,3x3) of 7x7 tiles, tile 5",
		"conv5: 12×16 of 16x16 → 8 blocks of 13x13, 4 per call, tile 5, dW 8×2, winograd F(2x2,3x3) of 7x7 tiles, tile 5",
		"conv5 grad: 8×16 of 16x16 → 12 blocks of 13x13, 4 per call, tile 5, winograd F(2x2,3x3) of 7x7 tiles, tile 5",
	}, got, strings.Join(got, "\n"))
}

func TestUpdTile(t *testing.T) {
	for _, c := range []struct{ lanes, blocks, t, f int }{
		{16, 8, 8, 2}, {16, 24, 8, 3}, {16, 6, 8, 3}, {3, 6, 3, 3}, {5, 1, 5, 1}, {13, 4, 1, 4}, {16, 5, 8, 1},
	} {
		gt, gf := updAccs(c.lanes, 8, c.blocks)
		assert.Equal(t, [2]int{c.t, c.f}, [2]int{gt, gf}, "%d lanes, %d blocks", c.lanes, c.blocks)
	}
	// Along the kernel's columns when they give more accumulators, never for Winograd.
	for _, c := range []struct {
		lanes, kw, blocks int
		wino              bool
		t, f              int
		kx                bool
	}{
		{3, 11, 6, false, 11, 2, true}, // AlexNet's conv1: 22 accumulators, not 3 × 3
		{1, 5, 2, false, 5, 2, true},   // fashion.net's conv1: 10, not 1 × 2
		{3, 3, 2, false, 3, 2, false},  // a tie: the channels
		{16, 5, 4, false, 8, 2, false}, // a block of 16 channels: 8 of them
		{16, 5, 4, true, 8, 2, false},  // Winograd: channels
	} {
		b := &ConvBlocking{InLanes: c.lanes, KW: c.kw, OutBlocks: c.blocks}
		if c.wino {
			b.Wino = &ConvWinograd{}
		}
		gt, gf, kx := updTile(b)
		assert.Equal(t, []any{c.t, c.f, c.kx}, []any{gt, gf, kx}, "%+v", c)
	}
}

func TestTile(t *testing.T) {
	for _, c := range []struct{ blocks, width, want int }{
		{4, 13, 5}, {4, 27, 6}, {3, 27, 8}, {3, 55, 8}, {1, 27, 20}, {4, 3, 3}, {1, 1, 1},
	} {
		assert.Equal(t, c.want, tile(c.blocks, c.width), "%d blocks, %d pixels", c.blocks, c.width)
	}
}

// TestLayouts: the lower pass keeps a tensor channel-blocked between a conv, LRN or max pool that
// can write it and a conv, LRN or max pool that can read it — fc6 reads its flattened input as
// NCHW — and Verify refuses a blocked output that the next step cannot read
// or an input layout that is not its producer's.
func TestLayouts(t *testing.T) {
	for spec, want := range map[string]string{
		"../specs/alexnet.net": "conv1 + conv1.relu NCHW16c, conv1.lrn NCHW16c, pool1 NCHW16c, conv2 + conv2.relu NCHW16c, conv2.lrn NCHW16c, pool2 NCHW16c, " +
			"conv3 + conv3.relu NCHW16c, conv4 + conv4.relu NCHW16c, conv5 + conv5.relu NCHW16c, pool5 NCHW",
		"../specs/alexnet_half.net": "conv1 + conv1.relu NCHW16c, pool1 NCHW16c, conv2 + conv2.relu NCHW16c, pool2 NCHW16c, " +
			"conv3 + conv3.relu NCHW16c, conv4 + conv4.relu NCHW16c, conv5 + conv5.relu NCHW16c, pool5 NCHW",
	} {
		n := compileFile(t, spec)
		var got []string
		for _, s := range n.Steps[:10] {
			got = append(got, s.Name()+" "+s.Layout.String())
		}
		assert.Equal(t, want, strings.Join(got[:len(strings.Split(want, ", "))], ", "), spec)
		assert.NoError(t, verifyLowering(n))

		last := n.Steps[len(strings.Split(want, ", "))-1] // pool5, whose output fc6 reads
		last.Layout = LayoutBlocked
		assert.ErrorContains(t, verifyLowering(n), "which the next step cannot read")
		last.Layout = LayoutNCHW
		n.Steps[1].InLayout = LayoutNCHW + LayoutBlocked - n.Steps[1].InLayout
		assert.ErrorContains(t, verifyLowering(n), "input layout")
	}
}

// TestFCBlocking: a fully connected layer gets a direct kernel when its inputs are whole blocks
// of 16 and its outputs split into calls of 24, 16, 12 or 8; AlexNet's three do.
func TestFCBlocking(t *testing.T) {
	for _, c := range []struct {
		in, out int
		want    string
	}{
		{9216, 4096, "9216 → 4096, 16 a call, tile 12"},
		{4096, 1000, "4096 → 1000, 8 a call, tile 8"},
		{128, 48, "128 → 48, 24 a call, tile 12"},
		{100, 4096, "none"},
		{4096, 1001, "none"},
	} {
		got := "none"
		if b := fcBlocking(c.in, c.out); b != nil {
			got = fmt.Sprintf("%d → %d, %d a call, tile %d", b.In, b.Out, b.Width, b.Tiles[FormAVX512].Pixels)
		}
		assert.Equal(t, c.want, got)
	}
	n := compileFile(t, "../specs/alexnet.net")
	for _, s := range n.Steps {
		if s.Main().Op == OpFC {
			assert.Equal(t, FCDirect, s.Forward, s.Name())
		}
	}
}

// TestAlgorithm: the lower pass chooses Winograd by its cost model, for the forward pass and the
// input gradient alike, and a spec's algorithm setting overrides it either way.
func TestAlgorithm(t *testing.T) {
	src := `network algorithms
input 16x13x13
classes 2
c1: conv 32 kernel 3 padding 1
c2: conv 32 kernel 3 padding 1 algorithm direct
c3: conv 32 kernel 5 padding 2
c4: conv 32 kernel 11 padding 5
c5: conv 32 kernel 3 stride 5
c6: conv 32 kernel 3 padding 1
c7: conv 32 kernel 3 padding 1 algorithm winograd
fc: fc 2
loss: softmax
`
	n, err := Compile("algorithms.net", []byte(src))
	assert.NoError(t, err)
	got := map[string]string{}
	for _, s := range n.Steps {
		b := s.ConvBlocking()
		if b == nil {
			continue
		}
		what := "direct"
		if b.Wino != nil {
			what = b.Wino.String()
		}
		if g := s.ConvGradBlocking(); g != nil && g.Wino != nil {
			what += ", dX " + g.Wino.String()
		}
		got[s.Main().Name] = what
	}
	assert.Equal(t, map[string]string{
		"c1": "F(5x5,3x3)", // 13×13, U small: 441 multiplications per channel pair against 1521; the first layer has no dX
		"c2": "direct",
		"c3": "F(3x3,5x5), dX F(3x3,5x5)", // 13×13: 1225 against 4225
		"c4": "direct",                    // no algorithm for 11×11
		"c5": "direct",                    // stride 5 (its output 3×3)
		"c6": "F(3x3,3x3), dX F(3x3,3x3)", // 3×3: one tile, 25 multiplications per channel pair against 81
		"c7": "F(3x3,3x3), dX F(3x3,3x3)", // forced, on the same 3×3
	}, got)
}
