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

// The strategies of LRN's kernels, channel by channel over each image.
const (
	LRNForward Strategy = "window sums, scale"
	// Between channel-blocked layouts, with at most 16 channels each way: per chunk of pixels,
	// the windows summed in the blocked layout, then each block scaled.
	LRNForwardBlocked Strategy = "window sums in blocks, scale"
	LRNBackward       Strategy = "window terms"
	// LRNBackwardBlocked is LRNBackward between blocked layouts: the windows' sums of squares
	// and of the terms in the blocked layout (runtime.LRNWindowSquares, LRNWindowSums).
	LRNBackwardBlocked Strategy = "window terms in blocks"
)

// LRNChunk is how many pixels of an image LRN normalises at a time in the channel-blocked
// layout: a multiple of 16, so that the runtime's kernels see whole vectors but in the image's
// last chunk, and small enough that a chunk's channels stay in L2.
const LRNChunk = 128

// LRNChunkOf is how many pixels at a time LRN normalises an input of shape in, in the
// channel-blocked layout: LRNChunk, or all of them when there are fewer.
func LRNChunkOf(in Shape) int { return min(LRNChunk, in.H*in.W) }

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
		in := s.In()
		s.Forward = LRNForward
		s.Scratch = int64(in.H * in.W) // one channel's window sums
		if !first {
			s.InputGrad = LRNBackward
			s.BackScratch = int64(in.C+1) * int64(in.H*in.W) // every channel's terms, and the window sums
		}
	},
	// In the channel-blocked layout, LRN works on LRNChunk pixels at a time: their channels
	// gathered in NCHW order in the scratch, normalised, scattered back.
	readsBlocked:  func(s *Step) bool { return !s.In().Flat },
	writesBlocked: func(s *Step, in Layout) bool { return in == LayoutBlocked },
	laidOut: func(s *Step) {
		if s.InLayout == LayoutBlocked || s.Layout == LayoutBlocked {
			in := s.In()
			chunk := int64(LRNChunkOf(in))
			s.Scratch = (2*int64(in.C) + 1) * chunk // the chunk's input and output, and its window sums
			if s.InputGrad != "" {
				s.BackScratch = (4*int64(in.C) + 1) * chunk // its input, dY, dX and terms, and the sums
			}
			if p := s.Main().LRN(); s.InLayout == LayoutBlocked && s.Layout == LayoutBlocked && p.Size/2 <= 16 {
				s.Forward = LRNForwardBlocked
				s.Scratch = int64(in.C)*chunk + int64(in.C) + 32 // the chunk's window sums, and a row of squares
				if s.InputGrad != "" {
					s.InputGrad = LRNBackwardBlocked
					s.BackScratch = 3*int64(in.C)*chunk + int64(in.C) + 32 // the sums of squares, the terms and their sums, a row
				}
			}
		}
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
