package compiler

import (
	"fmt"

	"github.com/netc-project/netc/dsl"
)

// Conv is a convolution's configuration.
type Conv struct {
	Out      int
	KH, KW   int
	SH, SW   int // stride
	PH, PW   int // padding
	Groups   int
	Rounding Rounding
	Learn    Learn
}

// Conv returns a conv layer's configuration (nil for another op).
func (l *Layer) Conv() *Conv { return attrs[Conv](l) }

// The strategies of a convolution's kernels.
const (
	// Forward: per image, the input copied into a padded, channel-blocked scratch image (16
	// channels per vector, or the group's planes when it has fewer channels), the output computed
	// row by row by the layer's own generated kernel (ConvBlocking), then copied back.
	ConvDirect Strategy = "direct conv, blocked"
	// Input gradient of a stride-1 convolution whose padding is less than its kernel: the
	// convolution of the output gradient with the weights flipped in space and their channels
	// swapped, packed from the gradient as the forward pass packs the image.
	ConvTransposed Strategy = "transposed conv, flipped W"
	// Input gradient otherwise: Wᵀ·dY into a patch matrix in scratch, then col2im.
	ConvCol2im Strategy = "gemm Wᵀ·dY, col2im"
	// Weight gradient: dW += dY · patchesᵀ, the patches packed straight from the image, into the
	// worker's partial sums.
	ConvWeightGrad Strategy = "gemm dY·patchesᵀ"
)

// OpConv is a 2-D convolution (PyTorch's Conv2d): weights [out, in/groups, kh, kw], a bias
// [out] unless off.
var OpConv = newOp(&opDef{
	word: "conv",
	schema: schema{positional: "out", required: []string{"out", "kernel"},
		settings: join([]setting{positive("out", kInt), positive("groups", kInt), initW, initB, from}, windowSettings, learnMult)},
	build: func(b *builder, l *Layer, s settings, prefix string) {
		k, st, p := s.pair("kernel", [2]int{1, 1}), s.pair("stride", [2]int{1, 1}), s.pair("padding", [2]int{0, 0})
		c := &Conv{Out: s.int("out", 1), KH: k[0], KW: k[1], SH: st[0], SW: st[1], PH: p[0], PW: p[1],
			Groups: s.int("groups", 1), Rounding: b.rounding(s), Learn: b.learn(s)}
		l.Attrs = c
		if c.Out%c.Groups != 0 {
			b.errs().Add(s["groups"].pos, "%sgroups %d does not divide the %d output channels", prefix, c.Groups, c.Out)
		}
	},
	check: func(l *Layer) error {
		c := l.Conv()
		switch {
		case c == nil:
			return needAttrs[Conv](l)
		case c.Out < 1 || c.KH < 1 || c.KW < 1 || c.SH < 1 || c.SW < 1 || c.PH < 0 || c.PW < 0 || c.Groups < 1 || c.Rounding == 0:
			return fmt.Errorf("conv configuration out of range: %+v", *c)
		}
		return nil
	},
	image: true,
	shape: func(n *Network, i int, errs *dsl.ErrorList) (Shape, bool) {
		l := n.Layers[i]
		c := l.Conv()
		if l.In.C%c.Groups != 0 {
			errs.Add(l.Pos, "%s: groups %d does not divide the %d input channels", l.Name, c.Groups, l.In.C)
		}
		h, w, ok := windowShape(n, i, errs)
		return Shape{C: c.Out, H: h, W: w}, ok
	},
	window: func(l *Layer, d int) (k, s, p, maxPad int, r Rounding) {
		c := l.Conv()
		k = [2]int{c.KH, c.KW}[d]
		return k, [2]int{c.SH, c.SW}[d], [2]int{c.PH, c.PW}[d], k - 1, c.Rounding
	},
	params: func(l *Layer) []ParamShape {
		c := l.Conv()
		return learnedParams(l, &c.Learn, []int{c.Out, l.In.C / c.Groups, c.KH, c.KW}, c.Out)
	},
	macs: func(l *Layer) int64 {
		c := l.Conv()
		m, _ := product(c.Out, l.Out.H, l.Out.W, l.In.C/c.Groups, c.KH, c.KW)
		return m
	},
	backMACs: gemmBackMACs,
	epilogue: true,
	split:    SplitImages,
	reads:    ReadsInput,
	lower: func(n *Network, s *Step, first bool) {
		l, c := s.Main(), s.Main().Conv()
		in, out := s.In(), s.Out()
		b := blocking(l)
		s.Forward, s.Kernel = ConvDirect, b
		s.Scratch = int64(c.Groups) * (b.InSize() + b.OutSize())
		s.Packed = int64(c.Groups) * (b.WeightSize() + int64(b.OutBlocks*ChannelBlock))
		s.WeightGrad = ConvWeightGrad
		s.Partials = l.Params // each worker sums the gradients of its own images
		switch {
		case first:
		case c.SH == 1 && c.SW == 1 && c.PH < c.KH && c.PW < c.KW:
			s.InputGrad = ConvTransposed
			s.Relaid = l.Params - int64(boolInt(c.Learn.Bias)*c.Out) // the weights, flipped
		default:
			s.InputGrad = ConvCol2im
			s.BackScratch = int64(in.C/c.Groups*c.KH*c.KW) * int64(out.H*out.W) // one group's patch gradients
		}
	},
	torch: func(l *Layer) string {
		c := l.Conv()
		return fmt.Sprintf("F.conv2d(x, w, b, stride=(%d, %d), padding=(%d, %d), groups=%d)", c.SH, c.SW, c.PH, c.PW, c.Groups)
	},
	summary: func(l *Layer) string {
		c := l.Conv()
		s := fmt.Sprintf("conv %d %s", c.Out, windowSummary(l, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.Rounding))
		if c.Groups > 1 {
			s += fmt.Sprintf(" groups %d", c.Groups)
		}
		return s
	},
})

// ChannelBlock is the channels of one block of the channel-blocked layout: an AVX-512 vector.
const ChannelBlock = 16

// ConvBlocking is how a convolution's direct kernel covers one group of the layer, per image:
// the padded scratch copy of the group's input, the blocks of its output, the output blocks
// one kernel call computes for one row, and the register tile.
type ConvBlocking struct {
	// The input copy: InBlocks blocks of InLanes channels of PadH×PadW pixels, the image with
	// its padding, zero outside it. InLanes is ChannelBlock (channels beyond the group's are
	// zero), or the group's channels when it has fewer (conv1's 3), each a plane.
	InLanes, InBlocks, PadH, PadW int
	// OutBlocks blocks of ChannelBlock output channels (beyond the group's, zero weights),
	// PerCall of them per kernel call, for Tile output pixels at a time.
	OutBlocks, PerCall, Tile int
	OutH, OutW               int
	kh, kw                   int // the kernel's size, for WeightSize
}

// ConvBlocking returns a conv step's blocking, from the lower pass.
func (s *Step) ConvBlocking() *ConvBlocking {
	b, _ := s.Kernel.(*ConvBlocking)
	return b
}

// InSize, OutSize and WeightSize are the float32 values of one group's input copy, blocked
// output and packed weights.
func (b *ConvBlocking) InSize() int64 {
	return int64(b.InBlocks) * int64(b.InLanes) * int64(b.PadH) * int64(b.PadW)
}
func (b *ConvBlocking) OutSize() int64 {
	return int64(b.OutBlocks) * ChannelBlock * int64(b.OutH) * int64(b.OutW)
}
func (b *ConvBlocking) WeightSize() int64 {
	return int64(b.InBlocks) * int64(b.InLanes) * int64(b.OutBlocks) * ChannelBlock * int64(b.kh*b.kw)
}

// blocking chooses a conv's blocking: channel blocks of ChannelBlock, as many output blocks per
// call as divide the group's, at most 4, and the widest tile of pixels whose accumulators fit
// 24 registers.
func blocking(l *Layer) *ConvBlocking {
	c := l.Conv()
	gIn, gOut := l.In.C/c.Groups, c.Out/c.Groups
	b := &ConvBlocking{InLanes: ChannelBlock, InBlocks: (gIn + ChannelBlock - 1) / ChannelBlock,
		PadH: l.In.H + 2*c.PH, PadW: l.In.W + 2*c.PW, OutBlocks: (gOut + ChannelBlock - 1) / ChannelBlock,
		OutH: l.Out.H, OutW: l.Out.W, kh: c.KH, kw: c.KW}
	if gIn < ChannelBlock {
		b.InLanes, b.InBlocks = gIn, 1
	}
	for p := 4; p >= 1; p-- {
		if b.OutBlocks%p == 0 {
			b.PerCall = p
			break
		}
	}
	b.Tile = min(24/b.PerCall, b.OutW)
	return b
}
