package compiler

import (
	"fmt"

	"github.com/netc-project/netc/dsl"
)

// FC is a fully connected layer's configuration.
type FC struct {
	Out   int
	Learn Learn
}

// FC returns a fully connected layer's configuration (nil for another op).
func (l *Layer) FC() *FC { return attrs[FC](l) }

// The strategies of a fully connected layer's kernels: each one GEMM over the whole batch, or,
// forward, a direct kernel for each FCImages images and a GEMM for the rest.
const (
	FCForward    Strategy = "gemm X·Wᵀ"
	FCDirect     Strategy = "direct X·Wᵀ per 32 images"
	FCInputGrad  Strategy = "gemm dY·W"
	FCWeightGrad Strategy = "gemm dYᵀ·X"
)

// FCImages is how many images a fully connected layer's direct kernel takes at a time: two
// blocks of 16, the vectors of its accumulators.
const FCImages = 32

// FCBlocking is the plan of a fully connected layer's direct kernel: the layer's weights, in
// PyTorch's [Out][In] layout, are the kernel's input (each output a pixel of In channels), the
// FCImages images transposed ([In][FCImages]) are its weights, and each call computes Width
// outputs for the 32 images in register tiles of Tiles (outputs × blocks of 16 images), summing
// the In products in order; the results come out as [2][Out][16] and are transposed back with
// the bias and ReLU.
type FCBlocking struct {
	In, Out, Width int
	Tiles          Tiles
}

// fcBlocking plans the direct kernel of a fully connected layer of in inputs and out outputs,
// or returns nil when it has none: the inputs must be whole blocks of 16, and the outputs split
// into calls of equal width.
func fcBlocking(in, out int) *FCBlocking {
	if in%ChannelBlock != 0 {
		return nil
	}
	for _, w := range []int{24, 16, 12, 8} {
		if out%w == 0 {
			return &FCBlocking{In: in, Out: out, Width: w, Tiles: directTiles(FCImages/ChannelBlock, w)}
		}
	}
	return nil
}

// FCBlocking returns the plan of the step's direct fully connected kernel, or nil.
func (s *Step) FCBlocking() *FCBlocking {
	b, _ := s.Blocking.(*FCBlocking)
	return b
}

// OpFC is a fully connected layer (PyTorch's Linear): weights [out, in], a bias [out] unless
// off. An image-shaped input is read as a vector in C, H, W order, as PyTorch flattens it.
var OpFC = newOp(&opDef{
	word: "fc",
	others: []other{
		{"PyTorch", "Linear", []param{{"in_features", ""}, {"out_features", "out"}}},
		{"Keras", "Dense", []param{{"units", "out"}}},
		{"Caffe", "InnerProduct", nil}},
	schema: schema{positional: "out", required: []string{"out"},
		settings: join([]setting{positive("out", kInt).aka("out_features", "units", "num_output"), initW, initB, from}, learnMult)},
	build: func(b *builder, l *Layer, s settings, prefix string) {
		l.Attrs = &FC{Out: s.int("out", 1), Learn: b.learn(s)}
	},
	check: func(l *Layer) error {
		if f := l.FC(); f == nil || f.Out < 1 {
			return fmt.Errorf("fc configuration missing or out of range: %v", l.Attrs)
		}
		return nil
	},
	shape: func(n *Network, i int, errs *dsl.ErrorList) (Shape, bool) {
		return Shape{C: n.Layers[i].FC().Out, H: 1, W: 1, Flat: true}, true
	},
	end: true,
	params: func(l *Layer) []ParamShape {
		f := l.FC()
		return learnedParams(l, &f.Learn, []int{f.Out, int(l.In.Size())}, f.Out)
	},
	macs: func(l *Layer) int64 {
		m, _ := product(l.FC().Out, int(l.In.Size()))
		return m
	},
	backMACs: gemmBackMACs,
	epilogue: true,
	split:    SplitBatch,
	reads:    ReadsInput,
	lower: func(n *Network, s *Step, first bool) {
		s.Forward, s.WeightGrad = FCForward, FCWeightGrad
		if b := fcBlocking(int(s.In().Size()), s.Out().C); b != nil {
			s.Forward, s.Blocking = FCDirect, b
		}
		if !first {
			s.InputGrad = FCInputGrad
		}
	},
	// The direct kernel's calls split over the workers, for every 32 images: the images
	// transposed, and the kernel's output, in worker 0's scratch.
	laidOut: func(s *Step) {
		b := s.FCBlocking()
		if b == nil {
			return
		}
		in, out := int64(b.In*FCImages), int64(b.Out*FCImages)
		k := &Kernel{Pass: PassForward, Strategy: s.Forward, Tiles: &b.Tiles,
			Loops: []Loop{{Name: "Rows", Items: b.Out / b.Width, Item: fmt.Sprintf("%d outputs for %d images", b.Width, FCImages)}}}
		k.Regions = regions(
			Region{Name: "xs", Size: in, Reach: in, Holds: fmt.Sprintf("%d images transposed: [input][image]", FCImages)},
			Region{Name: "ys", Size: out, Reach: int64(b.Out/b.Width-1)*int64(b.Width*ChannelBlock) + int64(FCImages/ChannelBlock-1)*int64(b.Out*ChannelBlock) + int64(b.Width*ChannelBlock),
				Holds: "the kernel's output: [block of 16 images][output][16]"})
		s.Kernels = []*Kernel{k}
	},
	checkPlan: func(s *Step) error {
		b := s.FCBlocking()
		if b == nil {
			return nil
		}
		if b.In != int(s.In().Size()) || b.Out != s.Out().C || b.In%ChannelBlock != 0 || b.Width < 1 || b.Out%b.Width != 0 {
			return fmt.Errorf("direct kernel %+v for %d inputs and %d outputs", *b, s.In().Size(), s.Out().C)
		}
		if err := b.Tiles.check(FCImages / ChannelBlock); err != nil {
			return err
		}
		return checkLoops(s.Kernel(PassForward), Loop{Name: "Rows", Items: b.Out / b.Width})
	},
	torch:   func(l *Layer) string { return "F.linear(torch.flatten(x, 1), w, b)" },
	summary: func(l *Layer) string { return fmt.Sprintf("fc %d", l.FC().Out) },
})

// String describes the direct kernel as `netc check -v` prints it.
func (b *FCBlocking) String() string {
	return fmt.Sprintf("%d inputs → %d outputs, %d a call, for %d images at a time", b.In, b.Out, b.Width, FCImages)
}
