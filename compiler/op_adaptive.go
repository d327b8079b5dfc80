package compiler

import (
	"fmt"

	"github.com/netc-project/netc/dsl"
)

// AdaptivePool is an adaptive average pool's configuration: its output size.
type AdaptivePool struct{ H, W int }

// AdaptivePool returns an adaptive_avgpool layer's configuration (nil for another op).
func (l *Layer) AdaptivePool() *AdaptivePool { return attrs[AdaptivePool](l) }

// OpAdaptiveAvgPool is PyTorch's AdaptiveAvgPool2d: output (oy, ox) averages input rows
// ⌊oy·H/outH⌋ … ⌈(oy+1)·H/outH⌉−1 and the columns likewise. To its input's own size it is the
// identity, a view that costs nothing.
var OpAdaptiveAvgPool = newOp(&opDef{
	word:   "adaptive_avgpool",
	others: []other{{"PyTorch", "AdaptiveAvgPool2d", []param{{"output_size", "size"}}}},
	schema: schema{positional: "size", required: []string{"size"}, settings: []setting{positive("size", kPair).aka("output_size")}},
	build: func(b *builder, l *Layer, s settings, prefix string) {
		size := s.pair("size", [2]int{1, 1})
		l.Attrs = &AdaptivePool{H: size[0], W: size[1]}
	},
	check: func(l *Layer) error {
		if a := l.AdaptivePool(); a == nil || a.H < 1 || a.W < 1 {
			return fmt.Errorf("adaptive_avgpool configuration missing or out of range: %v", l.Attrs)
		}
		return nil
	},
	image: true,
	shape: func(n *Network, i int, errs *dsl.ErrorList) (Shape, bool) {
		l := n.Layers[i]
		a := l.AdaptivePool()
		if a.H > l.In.H || a.W > l.In.W {
			errs.Add(l.Pos, "%s: adaptive_avgpool to %dx%d would enlarge its %dx%d input", l.Name, a.H, a.W, l.In.H, l.In.W)
			return Shape{}, false
		}
		if a.H == l.In.H && a.W == l.In.W {
			l.Note = fmt.Sprintf("adaptive_avgpool to %dx%d is the identity on its %dx%d input: it costs nothing", a.H, a.W, l.In.H, l.In.W)
		}
		return Shape{C: l.In.C, H: a.H, W: a.W}, true
	},
	spatial: func(l *Layer, d, in int) (int, bool) {
		out := [2]int{l.AdaptivePool().H, l.AdaptivePool().W}[d]
		return out, out <= in
	},
	view:  func(l *Layer) bool { return l.In == l.Out },
	split: SplitPlanes,
	lower: lowerElementwise,
	torch: func(l *Layer) string {
		return fmt.Sprintf("F.adaptive_avg_pool2d(x, (%d, %d))", l.Out.H, l.Out.W)
	},
	summary: func(l *Layer) string {
		a := l.AdaptivePool()
		return fmt.Sprintf("adaptive_avgpool %dx%d", a.H, a.W)
	},
})
