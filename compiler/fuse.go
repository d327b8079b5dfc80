package compiler

import (
	"github.com/netc-project/netc/dsl"
)

// Step is one kernel of the generated code: a layer, with the layers folded into it.
type Step struct {
	Layers []*Layer // the main layer first, then those fused into it
	ReLU   bool     // max(0, ·) applied as the main kernel stores its output (a relu folded in)
	// View marks a step that does no work: its output is its input, reinterpreted
	// (flatten; an adaptive pool to its input's size; the softmax, whose input is the logits
	// that Forward returns and Backward starts from).
	View bool
	// InPlace marks a step whose kernel may overwrite its input (a lone relu, dropout).
	InPlace bool

	// Set by the plan pass: the buffers the step reads and writes, −1 for the network input,
	// and the gradient buffers (0 or 1) its backward reads (GradOut, the gradient of its
	// output) and writes (GradIn, of its input).
	InBuf, OutBuf   int
	GradOut, GradIn int

	Lowering // set by the lower pass
}

// Main is the step's first layer, whose op the kernel implements.
func (s *Step) Main() *Layer { return s.Layers[0] }

// In and Out are the shapes the step reads and writes, per image.
func (s *Step) In() Shape  { return s.Layers[0].In }
func (s *Step) Out() Shape { return s.Layers[len(s.Layers)-1].Out }

// Name is the step's layers' names joined: "conv1 + conv1.relu".
func (s *Step) Name() string {
	name := s.Layers[0].Name
	for _, l := range s.Layers[1:] {
		name += " + " + l.Name
	}
	return name
}

// Reads is what the step's backward pass reads besides its output's gradient: its main op's,
// and the folded layers', whose outputs are the step's.
func (s *Step) Reads() Reads {
	r := s.Main().Op.def().reads
	for _, l := range s.Layers[1:] {
		r |= l.Op.def().reads
	}
	return r
}

// The fusion rule, the only one so far: a layer whose op folds into a kernel's store (relu)
// joins the step before it when that step's main op has such an epilogue (conv, fc) and it is
// free — max(0, ·) applied to the tile while it is in registers, instead of a second pass over
// memory. The backward pass then reads the mask from the step's output.
func fold(s *Step, l *Layer) bool {
	if !l.Op.def().foldsInto || !s.Main().Op.def().epilogue || s.ReLU || len(s.Layers) > 1 {
		return false
	}
	s.ReLU = true
	s.Layers = append(s.Layers, l)
	return true
}

// fuse is a pass: it groups the layers into steps by the fusion rule and marks views and
// in-place steps.
func fuse(n *Network, errs *dsl.ErrorList) {
	n.Steps = nil
	for _, l := range n.Layers {
		if len(n.Steps) > 0 && fold(n.Steps[len(n.Steps)-1], l) {
			continue
		}
		d := l.Op.def()
		s := &Step{Layers: []*Layer{l}, InPlace: d.inPlace}
		if d.loss || (d.view != nil && d.view(l)) {
			s.View, s.InPlace = true, false
		}
		n.Steps = append(n.Steps, s)
	}
	n.Stage = StageFused
}
