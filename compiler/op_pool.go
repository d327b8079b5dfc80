package compiler

import (
	"fmt"

	"github.com/netc-project/netc/dsl"
)

// Pool is a pooling window's configuration.
type Pool struct {
	KH, KW   int
	SH, SW   int
	PH, PW   int
	Rounding Rounding
}

// Pool returns a max or average pooling layer's configuration (nil for another op).
func (l *Layer) Pool() *Pool { return attrs[Pool](l) }

// poolDef is the row of a pooling op, max or average: they differ in their word, their names in
// other tools, what their backward pass reads, their PyTorch equivalent and whether they work in
// the channel-blocked layout.
func poolDef(word string, others []other, reads Reads, torch string, blocked bool) *opDef {
	d := &opDef{
		word:   word,
		others: others,
		schema: schema{positional: "kernel", required: []string{"kernel"}, settings: windowSettings},
		build: func(b *builder, l *Layer, s settings, prefix string) {
			k, p := s.pair("kernel", [2]int{1, 1}), s.pair("padding", [2]int{0, 0})
			st := s.pair("stride", k) // as PyTorch: the stride defaults to the kernel
			l.Attrs = &Pool{KH: k[0], KW: k[1], SH: st[0], SW: st[1], PH: p[0], PW: p[1], Rounding: b.rounding(s)}
			if a := s["padding"]; a != nil && (2*p[0] > k[0] || 2*p[1] > k[1]) {
				b.errs().Add(a.pos, "%spadding %dx%d is more than half the kernel %dx%d: some windows would see only padding", prefix, p[0], p[1], k[0], k[1])
			}
		},
		check: func(l *Layer) error {
			p := l.Pool()
			switch {
			case p == nil:
				return needAttrs[Pool](l)
			case p.KH < 1 || p.KW < 1 || p.SH < 1 || p.SW < 1 || p.PH < 0 || p.PW < 0 || p.Rounding == 0:
				return fmt.Errorf("pool configuration out of range: %+v", *p)
			}
			return nil
		},
		image: true,
		shape: func(n *Network, i int, errs *dsl.ErrorList) (Shape, bool) {
			h, w, ok := windowShape(n, i, errs)
			return Shape{C: n.Layers[i].In.C, H: h, W: w}, ok
		},
		window: func(l *Layer, d int) (k, s, p, maxPad int, r Rounding) {
			q := l.Pool()
			k = [2]int{q.KH, q.KW}[d]
			return k, [2]int{q.SH, q.SW}[d], [2]int{q.PH, q.PW}[d], k / 2, q.Rounding
		},
		split: SplitPlanes,
		reads: reads,
		lower: lowerElementwise,
		torch: func(l *Layer) string {
			p := l.Pool()
			ceil := "False"
			if p.Rounding == RoundCeil {
				ceil = "True"
			}
			return fmt.Sprintf(torch, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW, ceil)
		},
		summary: func(l *Layer) string {
			p := l.Pool()
			return word + " " + windowSummary(l, p.KH, p.KW, p.SH, p.SW, p.PH, p.PW, p.Rounding)
		},
	}
	if blocked {
		// Max pooling reads a blocked input (a vector max per block of channels), and writes
		// its output blocked when its input is; from a blocked input to an NCHW output, a
		// block's pooled vectors (and their gradient) pass through the scratch.
		d.readsBlocked = func(s *Step) bool { return true }
		d.writesBlocked = func(s *Step, in Layout) bool { return in == LayoutBlocked }
		d.laidOut = func(s *Step) {
			if s.InLayout != LayoutBlocked {
				return
			}
			s.Forward = PoolBlocked
			if s.InputGrad != "" {
				s.InputGrad = PoolBlocked
			}
			if s.Layout == LayoutBlocked {
				return
			}
			size := ChannelBlock * int64(s.Out().H*s.Out().W)
			block := func(name, holds string) []Region {
				return []Region{{Name: name, Size: size, Reach: size, Holds: holds}}
			}
			s.Kernels = []*Kernel{{Pass: PassForward, Strategy: s.Forward, Regions: block("ys", "a block's pooled vectors: [pixel][16]")}}
			if s.InputGrad != "" {
				s.Kernels = append(s.Kernels, &Kernel{Pass: PassInputGrad, Strategy: s.InputGrad, Regions: block("g", "their gradient, blocked: [pixel][16]")})
			}
		}
	}
	return d
}

// PoolBlocked is the strategy of max pooling's kernels over a channel-blocked input: per block of
// 16 channels, a vector max per window position (and its gradient, lane by lane, to the maximum).
const PoolBlocked Strategy = "direct, in blocks"

// OpMaxPool is max pooling (PyTorch's MaxPool2d): padding is ignored, NaN propagates. Its
// backward pass finds each window's maximum again in its input. With indices, PyTorch returns
// where each maximum is, which the harnesses need for near ties.
var OpMaxPool = newOp(poolDef("maxpool", []other{
	{"PyTorch", "MaxPool2d", []param{{"kernel_size", "kernel"}, {"stride", "stride"}, {"padding", "padding"}}},
	{"Keras", "MaxPooling2D", []param{{"pool_size", "kernel"}, {"strides", "stride"}}}}, ReadsInput,
	"F.max_pool2d(x, (%d, %d), (%d, %d), (%d, %d), ceil_mode=%s, return_indices=True)", true))

// OpAvgPool is average pooling (PyTorch's AvgPool2d with count_include_pad): each output is its
// window's sum divided by the window's size counting padding but not what lies beyond it.
var OpAvgPool = newOp(poolDef("avgpool", []other{
	{"PyTorch", "AvgPool2d", []param{{"kernel_size", "kernel"}, {"stride", "stride"}, {"padding", "padding"}}},
	{"Keras", "AveragePooling2D", []param{{"pool_size", "kernel"}, {"strides", "stride"}}}}, 0,
	"F.avg_pool2d(x, (%d, %d), (%d, %d), (%d, %d), ceil_mode=%s, count_include_pad=True)", false))
