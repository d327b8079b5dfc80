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
	// Algorithm is the spec's choice between a direct convolution and Winograd's (for every
	// pass that can take it: forward, input gradient and weight gradient): "direct",
	// "winograd", or "" for the lower pass's cost model.
	Algorithm string
}

// Conv returns a conv layer's configuration (nil for another op).
func (l *Layer) Conv() *Conv { return attrs[Conv](l) }

// The strategies of a convolution's kernels.
const (
	// Forward: per image, the input copied into a padded, channel-blocked scratch image (16
	// channels per vector, or the group's planes when it has fewer channels; read in place when
	// that copy would be the image, ConvBlocking.InPlace), the output computed row by row by the
	// layer's own generated kernel (ConvBlocking), blocked in the scratch and copied back when
	// the step's output is NCHW, written in place when it is channel-blocked.
	ConvDirect Strategy = "direct conv, blocked"
	// Input gradient of a stride-1 convolution whose padding is less than its kernel: the
	// convolution of the output gradient, padded by kernel − 1 − padding, with the weights
	// flipped in space and their channels swapped, by a generated direct kernel as the forward
	// pass (Lowering.GradBlocking): the gradient copied into a padded channel-blocked copy, the
	// result copied back when the step's input is NCHW.
	ConvTransposed Strategy = "direct conv of dY, flipped W, blocked"
	// The same convolution by Winograd, as the forward pass of a 3×3 or 5×5 layer (the
	// GradBlocking's Wino).
	ConvTransposedWinograd Strategy = "winograd conv of dY, flipped W, blocked"
	// Input gradient otherwise: Wᵀ·dY into a patch matrix in scratch, then col2im.
	ConvCol2im Strategy = "gemm Wᵀ·dY, col2im"
	// Weight gradient: per image, the input and the output gradient copied into the
	// channel-blocked layout, and dW summed over the output pixels by the layer's generated
	// weight-gradient kernel (ConvBlocking's UpdT, UpdF) into the worker's partial sums, which
	// keep the kernel's blocked layout until Backward adds up the workers'.
	ConvWeightGrad Strategy = "direct dW, blocked"
	// Weight gradient of a conv whose forward pass runs by Winograd: per image, the input's tiles
	// and dY's transformed (Bᵀ d B, A dY Aᵀ), their products summed over the tiles by the
	// generated weight-gradient kernel into the worker's partial sums, in the transform's
	// domain; Backward adds up the workers' and brings them back, dW = Gᵀ dU G.
	ConvWeightGradWinograd Strategy = "winograd dW, blocked"
)

// OpConv is a 2-D convolution (PyTorch's Conv2d): weights [out, in/groups, kh, kw], a bias
// [out] unless off.
var OpConv = newOp(&opDef{
	word: "conv",
	others: []other{
		{"PyTorch", "Conv2d", []param{{"in_channels", ""}, {"out_channels", "out"}, {"kernel_size", "kernel"}, {"stride", "stride"}, {"padding", "padding"}}},
		{"Keras", "Conv2D", []param{{"filters", "out"}, {"kernel_size", "kernel"}, {"strides", "stride"}}},
		{"Caffe", "Convolution", nil}},
	schema: schema{positional: "out", required: []string{"out", "kernel"},
		settings: join([]setting{positive("out", kInt).aka("out_channels", "filters", "num_output"),
			positive("groups", kInt).aka("group"), initW, initB, from}, windowSettings, learnMult,
			[]setting{word("algorithm", "auto", "direct", "winograd")})},
	build: func(b *builder, l *Layer, s settings, prefix string) {
		k, st, p := s.pair("kernel", [2]int{1, 1}), s.pair("stride", [2]int{1, 1}), s.pair("padding", [2]int{0, 0})
		c := &Conv{Out: s.int("out", 1), KH: k[0], KW: k[1], SH: st[0], SW: st[1], PH: p[0], PW: p[1],
			Groups: s.int("groups", 1), Rounding: b.rounding(s), Learn: b.learn(s)}
		if a := s.word("algorithm", "auto"); a != "auto" {
			c.Algorithm = a
		}
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
		if why := winogradLacks(c.KH, c.KW, c.SH, c.SW, l.In.C/c.Groups); c.Algorithm == "winograd" && why != "" {
			errs.Add(l.Pos, "%s: algorithm winograd needs %s; use algorithm direct, or leave it out", l.Name, why)
		}
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
		c := s.Main().Conv()
		in, out := s.In(), s.Out()
		gIn, gOut := in.C/c.Groups, c.Out/c.Groups
		b := blocking(gIn, in.H, in.W, c.PH, c.PW, c.KH, c.KW, c.SH, c.SW, gOut, out.H, out.W)
		s.Forward, s.Blocking = ConvDirect, b
		if w := winograd(b, c.Algorithm); w != nil {
			s.Forward = Strategy(fmt.Sprintf("winograd %s, blocked, %.2fx fewer mults", w, float64(out.H*out.W*c.KH*c.KW)/float64(w.Multiplies())))
		}
		b.UpdT, b.UpdF, b.UpdKX = updTile(b) // the weight gradient reads the same copies
		b.UpdTiles = updTiles(b.UpdT, b.UpdF)
		b.InPlace = b.InLanes < ChannelBlock && c.PH == 0 && c.PW == 0 && b.Wino == nil
		s.WeightGrad = ConvWeightGrad
		if b.Wino != nil {
			s.WeightGrad = ConvWeightGradWinograd
		}
		switch {
		case first:
		case c.SH == 1 && c.SW == 1 && c.PH < c.KH && c.PW < c.KW:
			s.InputGrad = ConvTransposed
			g := blocking(gOut, out.H, out.W, c.KH-1-c.PH, c.KW-1-c.PW, c.KH, c.KW, 1, 1, gIn, in.H, in.W)
			s.GradBlocking = g
			if winograd(g, c.Algorithm) != nil {
				s.InputGrad = ConvTransposedWinograd
			}
		default:
			s.InputGrad = ConvCol2im
		}
	},
	laidOut:   convKernels,
	checkPlan: checkConvPlan,
	// The kernels' copies are blocked: they read a blocked input, and write a blocked output,
	// when its channels per group are whole blocks and the input gradient is none or the direct
	// convolution's (col2im's GEMM reads dY and writes dX in NCHW).
	readsBlocked: func(s *Step) bool {
		c := s.Main().Conv()
		return s.ConvGradBlocking() != nil && s.In().C/c.Groups%ChannelBlock == 0
	},
	writesBlocked: func(s *Step, in Layout) bool {
		c := s.Main().Conv()
		return s.InputGrad != ConvCol2im && c.Out/c.Groups%ChannelBlock == 0
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
		if c.Algorithm != "" {
			s += " algorithm " + c.Algorithm
		}
		return s
	},
})
