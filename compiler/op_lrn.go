package compiler

import "fmt"

// LRN is local response normalisation across channels: b = a / (k + α'·Σa²)^β over Size
// neighbouring channels, with α' = α/Size (PyTorch, Caffe, ONNX) or α' = α (Paper).
type LRN struct {
	Size           int
	Alpha, Beta, K float64
	Paper          bool
}

// LRN returns an lrn layer's configuration (nil for another op).
func (l *Layer) LRN() *LRN { return attrs[LRN](l) }

// Scale is α', the factor of the sum of squares in the convention the layer uses.
func (l *LRN) Scale() float64 {
	if l.Paper {
		return l.Alpha
	}
	return l.Alpha / float64(l.Size)
}

// The strategies of LRN's kernels.
const (
	// In NCHW, channel by channel over each image: each channel's window of squares summed
	// afresh into a row of the scratch, then the channel scaled.
	LRNForward  Strategy = "window sums, scale"
	LRNBackward Strategy = "window terms"
	// From or to the channel-blocked layout (but not both, or with more than 16 channels each
	// way): per chunk of pixels (LRNBlocking), the chunk's channels gathered as NCHW rows in the
	// scratch, normalised as in NCHW, and scattered back.
	LRNForwardGathered  Strategy = "window sums of gathered chunks, scale"
	LRNBackwardGathered Strategy = "window terms of gathered chunks"
	// Between channel-blocked layouts, with at most 16 channels each way: per chunk of pixels,
	// the windows summed in the blocked layout, then each block scaled; the backward pass sums
	// the windows' squares and terms the same way (runtime.LRNWindowSquares, LRNWindowSums).
	LRNForwardBlocked  Strategy = "window sums in blocks, scale"
	LRNBackwardBlocked Strategy = "window terms in blocks"
)

// lrnChunk is how many pixels of an image LRN normalises at a time in the channel-blocked
// layout: a multiple of 16, so that the runtime's kernels see whole vectors but in the image's
// last chunk, and small enough that a chunk's channels stay in L2.
const lrnChunk = 128

// LRNBlocking is the plan of an LRN step that reads or writes the channel-blocked layout: it
// normalises Chunk pixels of an image at a time (lrnChunk, or all of them when there are
// fewer).
type LRNBlocking struct{ Chunk int }

// String describes the plan as `netc check -v` prints it.
func (b *LRNBlocking) String() string { return fmt.Sprintf("chunks of %d pixels", b.Chunk) }

// LRNBlocking returns the plan of an LRN step in the channel-blocked layout, or nil.
func (s *Step) LRNBlocking() *LRNBlocking {
	b, _ := s.Blocking.(*LRNBlocking)
	return b
}

// OpLRN is local response normalisation across channels (PyTorch's LocalResponseNorm, or the
// AlexNet paper's convention with `paper`). Its backward pass reads its input.
var OpLRN = newOp(&opDef{
	word: "lrn",
	others: []other{
		{"PyTorch", "LocalResponseNorm", []param{{"size", "size"}, {"alpha", "alpha"}, {"beta", "beta"}, {"k", "k"}}}},
	schema: schema{positional: "size", required: []string{"size"},
		settings: []setting{positive("size", kInt).aka("local_size"), real("alpha", 0, inf, false, false),
			real("beta", 0, inf, false, false), real("k", 0, inf, true, false), flag("paper")}},
	build: func(b *builder, l *Layer, s settings, prefix string) {
		l.Attrs = &LRN{Size: s.int("size", 5), Alpha: s.num("alpha", 1e-4), Beta: s.num("beta", 0.75),
			K: s.num("k", 1), Paper: s["paper"] != nil}
	},
	check: func(l *Layer) error {
		if p := l.LRN(); p == nil || p.Size < 1 || p.K <= 0 || p.Alpha < 0 || p.Beta < 0 {
			return fmt.Errorf("lrn configuration missing or out of range: %v", l.Attrs)
		}
		return nil
	},
	split: SplitImages,
	reads: ReadsInput,
	lower: func(n *Network, s *Step, first bool) {
		s.Forward = LRNForward
		if !first {
			s.InputGrad = LRNBackward
		}
	},
	readsBlocked:  func(s *Step) bool { return !s.In().Flat },
	writesBlocked: func(s *Step, in Layout) bool { return in == LayoutBlocked },
	laidOut:       lrnKernels,
	checkPlan: func(s *Step) error {
		b, pixels := s.LRNBlocking(), s.In().H*s.In().W
		switch {
		case (b != nil) != (s.InLayout == LayoutBlocked || s.Layout == LayoutBlocked):
			return fmt.Errorf("chunks %v between layouts %v and %v", b, s.InLayout, s.Layout)
		case b != nil && (b.Chunk < 1 || b.Chunk > pixels || b.Chunk%ChannelBlock != 0 && b.Chunk != pixels):
			return fmt.Errorf("chunks of %d of %d pixels", b.Chunk, pixels)
		case b == nil && s.Forward == LRNForwardBlocked:
			return fmt.Errorf("%q without chunks", s.Forward)
		}
		var chunks []Loop
		if s.Forward == LRNForwardBlocked {
			chunks = []Loop{{Name: "Chunks", Items: (pixels + b.Chunk - 1) / b.Chunk}}
		}
		if err := checkLoops(s.Kernel(PassForward), chunks...); err != nil {
			return err
		}
		return checkLoops(s.Kernel(PassInputGrad))
	},
	torch: func(l *Layer) string {
		p := l.LRN()
		alpha := p.Alpha // PyTorch divides α by the size; the paper does not
		if p.Paper {
			alpha *= float64(p.Size)
		}
		// PyTorch wants an image: a flat input is C channels of 1×1.
		return fmt.Sprintf("F.local_response_norm(x.reshape(x.shape[0], x.shape[1], -1, 1), %d, alpha=%v, beta=%v, k=%v).reshape(x.shape)",
			p.Size, alpha, p.Beta, p.K)
	},
	summary: func(l *Layer) string {
		p := l.LRN()
		s := fmt.Sprintf("lrn %d α %g β %g k %g", p.Size, p.Alpha, p.Beta, p.K)
		if p.Paper {
			s += " paper"
		}
		return s
	},
})

// lrnKernels plans an LRN step's kernels for its layouts: the strategy and the regions of the
// scratch of each pass (all of them reached whole: the runtime's kernels check their rows).
func lrnKernels(s *Step) {
	in := s.In()
	c, pixels, chunk := int64(in.C), int64(in.H*in.W), int64(min(lrnChunk, in.H*in.W))
	rows := func(name, holds string, n int64) Region { return Region{Name: name, Size: n, Reach: n, Holds: holds} }
	fwd := &Kernel{Pass: PassForward}
	back := &Kernel{Pass: PassInputGrad}
	// strategies sets the passes' strategies, the input gradient's only where the step has one.
	strategies := func(forward, backward Strategy) {
		s.Forward = forward
		if s.InputGrad != "" {
			s.InputGrad = backward
		}
	}
	switch {
	case s.InLayout == LayoutBlocked && s.Layout == LayoutBlocked && s.Main().LRN().Size/2 <= ChannelBlock:
		s.Blocking = &LRNBlocking{Chunk: int(chunk)}
		strategies(LRNForwardBlocked, LRNBackwardBlocked)
		row := rows("row", "the squares of a pixel's channels, zero beyond them", c+2*ChannelBlock)
		fwd.Regions = regions(rows("sums", "a chunk's window sums: [block][pixel][16]", c*chunk), row)
		fwd.Loops = []Loop{{Name: "Chunks", Items: int((pixels + chunk - 1) / chunk), Item: fmt.Sprintf("%d pixels of an image", chunk)}}
		back.Regions = regions(rows("sums", "a chunk's window sums of squares: [block][pixel][16]", c*chunk),
			rows("terms", "their terms g·a·s^(−β−1)", c*chunk), rows("tsums", "the terms' window sums", c*chunk), row)
	case s.InLayout == LayoutBlocked || s.Layout == LayoutBlocked:
		s.Blocking = &LRNBlocking{Chunk: int(chunk)}
		strategies(LRNForwardGathered, LRNBackwardGathered)
		fwd.Regions = regions(rows("a", "a chunk's input: [channel][pixel]", c*chunk), rows("b", "its output", c*chunk),
			rows("sums", "a window's sums", chunk))
		back.Regions = regions(rows("a", "a chunk's input: [channel][pixel]", c*chunk), rows("gy", "its dY", c*chunk),
			rows("gx", "its dX", c*chunk), rows("terms", "its terms g·a·s^(−β−1)", c*chunk), rows("sums", "a window's sums", chunk))
	default:
		fwd.Regions = []Region{rows("sums", "a channel's window sums", pixels)}
		back.Regions = regions(rows("terms", "every channel's terms g·a·s^(−β−1): [channel][pixel]", c*pixels),
			rows("sums", "a channel's window sums", pixels))
	}
	fwd.Strategy, back.Strategy = s.Forward, s.InputGrad
	s.Kernels = []*Kernel{fwd}
	if s.InputGrad != "" {
		s.Kernels = append(s.Kernels, back)
	}
}
