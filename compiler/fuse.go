package compiler

import (
	"fmt"

	"github.com/netc-project/netc/dsl"
)

// Step is one kernel of the generated code: a layer, with the layers folded into it.
type Step struct {
	Layers []*Layer // the main layer first, then those fused into it
	ReLU   bool     // conv or fc: max(0, ·) applied in the GEMM epilogue
	// View marks a step that does no work: its output is its input, reinterpreted
	// (flatten; an adaptive pool to its input's size; the softmax, whose input is the logits
	// that Forward returns and Backward starts from).
	View bool
	// InPlace marks a step whose kernel overwrites its input (a lone relu, dropout).
	InPlace bool

	// Set by the plan pass: the buffers the step reads and writes, −1 for the network input,
	// and the gradient buffers (0 or 1) its backward reads (GradOut, the gradient of its
	// output) and writes (GradIn, of its input).
	InBuf, OutBuf   int
	GradOut, GradIn int
}

// Main is the step's first layer, whose op the kernel implements.
func (s *Step) Main() *Layer { return s.Layers[0] }

// In and Out are the shapes the step reads and writes, per image.
func (s *Step) In() Shape  { return s.Layers[0].In }
func (s *Step) Out() Shape { return s.Layers[len(s.Layers)-1].Out }

// A fusionRule folds a layer into the step before it.
type fusionRule struct {
	into  []Op // the main op of the step before
	layer Op   // the op of the layer folded in
	when  func(s *Step, l *Layer) bool
	apply func(s *Step)
}

// fusionRules are read top to bottom; the first that matches folds the layer in.
var fusionRules = []fusionRule{
	// conv → relu: max(0, ·) in the GEMM epilogue, on the tile while it is in registers,
	// instead of a second pass over memory. Backward reads the mask from the output.
	{into: []Op{OpConv}, layer: OpReLU, when: notYet, apply: func(s *Step) { s.ReLU = true }},
	// fc → relu: the same.
	{into: []Op{OpFC}, layer: OpReLU, when: notYet, apply: func(s *Step) { s.ReLU = true }},
}

func notYet(s *Step, l *Layer) bool { return !s.ReLU && len(s.Layers) == 1 }

// fuse is a pass: it groups the layers into steps by the fusion rules and marks views and
// in-place steps.
func fuse(n *Network, errs *dsl.ErrorList) {
	n.Steps = nil
	for _, l := range n.Layers {
		if prev := lastStep(n); prev != nil && fold(prev, l) {
			continue
		}
		s := &Step{Layers: []*Layer{l}}
		switch l.Op {
		case OpFlatten, OpSoftmax:
			s.View = true
		case OpAdaptiveAvgPool:
			s.View = l.In == l.Out
			if s.View {
				l.Note = fmt.Sprintf("adaptive_avgpool to %dx%d is the identity on its %dx%d input: it costs nothing", l.Out.H, l.Out.W, l.In.H, l.In.W)
			}
		case OpReLU, OpDropout:
			s.InPlace = true
		}
		n.Steps = append(n.Steps, s)
	}
	n.Stage = StageFused
}

func lastStep(n *Network) *Step {
	if len(n.Steps) == 0 {
		return nil
	}
	return n.Steps[len(n.Steps)-1]
}

// fold applies the first fusion rule that matches, reporting whether l was folded into s.
func fold(s *Step, l *Layer) bool {
	for _, r := range fusionRules {
		if r.layer != l.Op || !contains(r.into, s.Main().Op) || !r.when(s, l) {
			continue
		}
		r.apply(s)
		s.Layers = append(s.Layers, l)
		return true
	}
	return false
}

func contains(ops []Op, op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}
