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

// The strategies of a fully connected layer's kernels: each one GEMM over the whole batch.
const (
	FCForward    Strategy = "gemm X·Wᵀ"
	FCInputGrad  Strategy = "gemm dY·W"
	FCWeightGrad Strategy = "gemm dYᵀ·X"
)

// OpFC is a fully connected layer (PyTorch's Linear): weights [out, in], a bias [out] unless
// off. An image-shaped input is read as a vector in C, H, W order, as PyTorch flattens it.
var OpFC = newOp(&opDef{
	word: "fc",
	schema: schema{positional: "out", required: []string{"out"},
		settings: join([]setting{positive("out", kInt), initW, initB, from}, learnMult)},
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
		if !first {
			s.InputGrad = FCInputGrad
		}
	},
	torch:   func(l *Layer) string { return "F.linear(torch.flatten(x, 1), w, b)" },
	summary: func(l *Layer) string { return fmt.Sprintf("fc %d", l.FC().Out) },
})
