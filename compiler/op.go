package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netc-project/netc/dsl"
)

// Op is a layer's operation: one row of the op table. Everything the compiler knows about an op
// kind — its word and settings, its shape rule, its parameters and their initialisation, its
// forward and backward multiply-adds, what its backward pass reads, its scratch, whether it is a
// view or works in place, how its work is split over the workers, how it is lowered and its
// PyTorch equivalent — is its opDef, declared in its own file (op_conv.go, op_lrn.go, …), as the
// Go compiler's SSA ops are rows of genericOps.go. The passes read the table; none of them names
// an op.
//
// The zero Op is no op: the op of a layer whose word is unknown.
type Op struct{ d *opDef }

// String is the word a spec writes for the op.
func (o Op) String() string {
	if o.d == nil {
		return ""
	}
	return o.d.word
}

// def is the op's row of the table, or an empty row for the zero Op.
func (o Op) def() *opDef {
	if o.d == nil {
		return &opDef{}
	}
	return o.d
}

// Split says how a step's work is divided among the workers.
type Split int

// The splits.
const (
	SplitNone   Split = iota // no work: a view
	SplitImages              // each worker takes a share of the batch's images; with fewer images than workers, one goroutine takes them all and splits each GEMM
	SplitPlanes              // each worker takes a share of the batch's channel planes (image × channel), so one image keeps every worker busy
	SplitBatch               // one GEMM over the whole batch, split over the workers
)

func (s Split) String() string { return [...]string{"–", "images", "planes", "batch"}[s] }

// Reads says which of its step's tensors an op's backward pass reads, besides the gradient of
// its output; the plan keeps them alive until then.
type Reads int

// What a backward pass may read.
const (
	ReadsInput  Reads = 1 << iota // the layer's input
	ReadsOutput                   // the layer's output (a ReLU's mask is its sign)
	ReadsMask                     // a mask the forward pass draws and keeps (dropout)
)

// opDef is one row of the op table. Every hook may be nil, meaning the op has nothing to say
// there: no settings, the input's shape, no parameters, no multiply-adds, no scratch, nothing to
// lower beyond the defaults.
type opDef struct {
	word string // what a spec writes: conv, relu, …

	// The settings a line of this op takes (schema.head is the word).
	schema schema
	// others are the op as other tools write it, for messages about a line that copies one.
	others []other
	// build reads the layer's decoded settings into its Attrs and reports what the schema
	// cannot check (prefix is "name: ").
	build func(b *builder, l *Layer, s settings, prefix string)
	// check verifies the layer's Attrs are present and in range (Verify runs it).
	check func(l *Layer) error

	// shape computes the output shape from l.In, reporting why it cannot; nil keeps the input's.
	shape func(n *Network, i int, errs *dsl.ErrorList) (Shape, bool)
	// spatial is the op's effect on one spatial dimension d (0 height, 1 width) of size in, for
	// the search of an input size that makes every division whole: the output size and whether
	// it is whole. nil: the op keeps the size. end: the spatial part of the network is over.
	spatial func(l *Layer, d, in int) (out int, ok bool)
	end     bool
	// window gives the op's window along d — kernel, stride, padding, the largest padding it may
	// take, rounding — for its output size and the messages that suggest a padding.
	window func(l *Layer, d int) (k, s, p, maxPad int, r Rounding)
	// image says the op needs an image-shaped (C×H×W) input.
	image bool
	// loss marks the op that ends every network: the softmax cross-entropy.
	loss bool

	// params lists the layer's learnable tensors (its input shape known) in PyTorch's layouts.
	params func(l *Layer) []ParamShape
	// macs is the forward pass's multiply-adds per image; backMACs the backward pass's, with or
	// without the input's gradient.
	macs     func(l *Layer) int64
	backMACs func(l *Layer, inputGrad bool) int64

	// Fusion. epilogue: the op's kernel can apply max(0, ·) as it stores its output. foldsInto:
	// the layer folds into the step before it when that step's main op has an epilogue free
	// (fuse.go).
	epilogue  bool
	foldsInto bool

	// view marks a layer whose output is its input reinterpreted: no kernel, no backward.
	view func(l *Layer) bool
	// inPlace marks an op whose kernel may overwrite its input.
	inPlace bool
	// split is how the op's kernels divide their work.
	split Split
	// reads is what the backward pass reads besides the output's gradient; a layer folded into
	// a step reads the step's output as its own.
	reads Reads

	// lower decides the step's kernel strategies and the op's own plan of them (a conv's
	// blocking), before the layouts (lower.go has the defaults it starts from); laidOut may
	// refine both to the layouts.
	lower func(n *Network, s *Step, first bool)
	// The channel-blocked layout (LayoutBlocked), which the lower pass gives a tensor whose
	// producer can write it and whose consumer can read it: readsBlocked says the step's kernels,
	// forward and backward, can take their input (and give its gradient) in it; writesBlocked
	// that they can give their output (and take its gradient) in it, their input arriving in
	// layout in. Both are asked after every step is lowered.
	readsBlocked  func(s *Step) bool
	writesBlocked func(s *Step, in Layout) bool
	// laidOut plans the step's kernels (Lowering.Kernels: their tiles, loops and regions), the
	// layouts known, choosing the strategy and the op's plan for them where the layouts decide
	// (LRN's, pooling's); the lower pass sizes the buffers from their regions.
	laidOut func(s *Step)
	// checkPlan checks the op's own plan of a step (a conv's blocking) against its layer, for
	// Verify.
	checkPlan func(s *Step) error

	// torch is the op's PyTorch equivalent, a Python expression over x (the input, N×C×H×W or
	// N×C), w and b (the parameters, None when absent), mask (a dropout mask, or None),
	// torch.nn.functional as F and torch, for the harnesses that check the generated code
	// against PyTorch.
	torch func(l *Layer) string
	// summary renders the op with the settings that decide its shape and cost, for diagrams:
	// conv 96 11x11/4, maxpool 3x3/2, fc 4096.
	summary func(l *Layer) string
}

// An other is an op as another tool writes it, which a spec may copy by habit: PyTorch's
// Conv2d(in_channels, out_channels, kernel_size, stride, padding). Messages name the op for it
// and turn such a call into the netc line that means the same.
type other struct {
	tool, name string
	params     []param // its arguments in order, as far as netc has them
}

// A param is one argument of another tool's op and the setting of the netc op it fills: "" when
// netc infers it from the input (in_channels), "-" when it means nothing here (inplace).
type param struct{ name, setting string }

// ops is the op table, filled by newOp as each op file's declaration initialises.
var ops []*opDef

// newOp adds a row to the table and returns its Op.
func newOp(d *opDef) Op {
	d.schema.head = d.word
	ops = append(ops, d)
	return Op{d}
}

// opByWord returns the op a spec's word names.
func opByWord(word string) (Op, bool) {
	for _, d := range ops {
		if d.word == word {
			return Op{d}, true
		}
	}
	return Op{}, false
}

// Ops returns every op, in the order of their words.
func Ops() []Op {
	out := make([]Op, len(ops))
	for i, d := range ops {
		out[i] = Op{d}
	}
	slices.SortFunc(out, func(a, b Op) int { return strings.Compare(a.d.word, b.d.word) })
	return out
}

// Torch is the layer's PyTorch equivalent as a Python expression over x, w, b, mask,
// torch.nn.functional as F and torch, or "" for the loss (which the harnesses take as
// cross-entropy).
func (l *Layer) Torch() string {
	if f := l.Op.def().torch; f != nil {
		return f(l)
	}
	return ""
}

// Summary renders the layer's op and the settings that decide its shape and cost: conv 96
// 11x11/4, maxpool 3x3/2 pad 1 floor, fc 4096, lrn 5 α 0.0001 β 0.75 k 2 paper.
func (l *Layer) Summary() string {
	if f := l.Op.def().summary; f != nil {
		return f(l)
	}
	return l.Op.String()
}

// IsLoss reports whether the op is the network's loss.
func (o Op) IsLoss() bool { return o.def().loss }

// attrs returns a layer's configuration as type T, or nil when it has another (Verify reports it).
func attrs[T any](l *Layer) *T {
	a, _ := l.Attrs.(*T)
	return a
}

// needAttrs is the check of an op whose layers carry a configuration of type T.
func needAttrs[T any](l *Layer) error {
	if attrs[T](l) == nil {
		return fmt.Errorf("op %s without its configuration (%T)", l.Op, l.Attrs)
	}
	return nil
}
