package compiler

import (
	"fmt"
	"reflect"
)

// Verify checks the invariants that the network's stage promises, and names the layer that
// breaks one. The pipeline runs it after every pass; an error here is a bug in netc, not in the
// spec.
func Verify(n *Network) error {
	if n.Stage < StageBuilt {
		return fmt.Errorf("verify: network has not been built")
	}
	if len(n.Layers) == 0 {
		return fmt.Errorf("verify: network has no layers")
	}
	names := map[string]bool{}
	for _, l := range n.Layers {
		if l.Name == "" || names[l.Name] {
			return fmt.Errorf("verify: layer at line %d: empty or duplicate name %q", l.Pos.Line, l.Name)
		}
		names[l.Name] = true
		if l.Op.d == nil {
			return fmt.Errorf("verify: %s: no op", l.Name)
		}
		if err := verifyConfig(l); err != nil {
			return fmt.Errorf("verify: %s: %w", l.Name, err)
		}
	}
	if n.Stage < StageShaped {
		return nil
	}
	prev := n.Input
	for _, l := range n.Layers {
		if l.In != prev {
			return fmt.Errorf("verify: %s: input %s is not the previous output %s", l.Name, l.In, prev)
		}
		if l.Out.C <= 0 || l.Out.H <= 0 || l.Out.W <= 0 || (l.Out.Flat && (l.Out.H != 1 || l.Out.W != 1)) {
			return fmt.Errorf("verify: %s: invalid output shape %+v", l.Name, l.Out)
		}
		prev = l.Out
	}
	if last := n.Layers[len(n.Layers)-1]; !last.Op.IsLoss() || last.Out.C != n.Classes {
		return fmt.Errorf("verify: the last layer %s is not a softmax over %d classes", last.Name, n.Classes)
	}
	if n.Stage < StageCounted {
		return nil
	}
	if err := verifyCounts(n); err != nil {
		return err
	}
	if n.Stage < StageFused {
		return nil
	}
	if err := verifySteps(n); err != nil {
		return err
	}
	if n.Stage < StagePlanned {
		return nil
	}
	if err := verifyPlan(n); err != nil {
		return err
	}
	if n.Stage < StageLowered {
		return nil
	}
	return verifyLowering(n)
}

// verifyCounts checks each layer's counts against its shapes.
func verifyCounts(n *Network) error {
	for _, l := range n.Layers {
		var params int64
		for _, p := range l.ParamShapes() {
			size, _ := product(p.Shape...)
			params += size
		}
		d := l.Op.def()
		if params != l.Params || l.ActBytes != 4*l.Out.Size() || l.MACs < 0 || (l.MACs > 0) != (d.macs != nil) ||
			l.BackMACs < 0 || (l.BackMACs > 0) != (d.backMACs != nil) {
			return fmt.Errorf("verify: %s: counts params=%d macs=%d back=%d bytes=%d disagree with its shapes", l.Name, l.Params, l.MACs, l.BackMACs, l.ActBytes)
		}
	}
	return nil
}

// verifyConfig checks that a layer carries the configuration its op needs, in range, and none
// when its op takes no settings.
func verifyConfig(l *Layer) error {
	d := l.Op.def()
	if d.check == nil {
		if l.Attrs != nil {
			return fmt.Errorf("op %s has no settings, but the layer carries %T", l.Op, l.Attrs)
		}
		return nil
	}
	return d.check(l)
}

// verifySteps checks that the steps cover every layer once, in order, with shapes that chain.
func verifySteps(n *Network) error {
	i := 0
	for _, s := range n.Steps {
		if len(s.Layers) == 0 {
			return fmt.Errorf("verify: empty step after layer %d", i)
		}
		for _, l := range s.Layers {
			if i >= len(n.Layers) || n.Layers[i] != l {
				return fmt.Errorf("verify: step %s: layer %s out of order", s.Main().Name, l.Name)
			}
			i++
		}
		for _, l := range s.Layers[1:] {
			if !l.Op.def().foldsInto || !s.Main().Op.def().epilogue || !s.ReLU {
				return fmt.Errorf("verify: step %s: %s (%s) cannot fold into %s", s.Name(), l.Name, l.Op, s.Main().Op)
			}
		}
		if s.ReLU != (len(s.Layers) == 2) {
			return fmt.Errorf("verify: step %s: ReLU epilogue %v with %d layers", s.Name(), s.ReLU, len(s.Layers))
		}
		if s.View && s.In().Size() != s.Out().Size() {
			return fmt.Errorf("verify: step %s: a view changes the size %s → %s", s.Main().Name, s.In(), s.Out())
		}
	}
	if i != len(n.Layers) {
		return fmt.Errorf("verify: steps cover %d of %d layers", i, len(n.Layers))
	}
	return nil
}

// verifyPlan replays the plan: every step must read the buffer holding the previous step's
// output and write, unless it is a view or works in place, another buffer that is large enough;
// and no step may overwrite a value the backward pass still reads.
func verifyPlan(n *Network) error {
	prevBuf := -1
	holds := map[int]int{} // buffer → the step whose output it holds
	for i, s := range n.Steps {
		name := s.Name()
		if s.InBuf != prevBuf {
			return fmt.Errorf("verify: step %s reads buffer %d, but the previous output is in %d", name, s.InBuf, prevBuf)
		}
		switch {
		case s.View && s.OutBuf != s.InBuf:
			return fmt.Errorf("verify: view %s writes buffer %d, not %d", name, s.OutBuf, s.InBuf)
		case s.OutBuf == s.InBuf && !s.View && (!s.InPlace || s.InBuf < 0):
			return fmt.Errorf("verify: step %s overwrites its input, buffer %d", name, s.InBuf)
		case s.OutBuf < -1 || s.OutBuf >= len(n.Buffers) || (s.OutBuf == -1 && !s.View):
			return fmt.Errorf("verify: step %s writes buffer %d", name, s.OutBuf)
		case !s.View && n.Buffers[s.OutBuf] < s.Out().Size():
			return fmt.Errorf("verify: step %s: buffer %d holds %d values, needs %d", name, s.OutBuf, n.Buffers[s.OutBuf], s.Out().Size())
		}
		if !s.View {
			if j, ok := holds[s.OutBuf]; ok && readBack(n, j) {
				return fmt.Errorf("verify: step %s overwrites buffer %d, the output of %s, which the backward pass reads", name, s.OutBuf, n.Steps[j].Name())
			}
			holds[s.OutBuf] = i
		}
		prevBuf = s.OutBuf
	}
	// Gradients: each step's backward writes the gradient the step before reads, in the other
	// buffer unless it works in place.
	for i, s := range n.Steps {
		name := s.Main().Name
		switch {
		case s.GradIn < 0 || s.GradIn > 1 || s.GradOut < 0 || s.GradOut > 1:
			return fmt.Errorf("verify: step %s: gradient buffers %d, %d", name, s.GradIn, s.GradOut)
		case (s.View || s.InPlace) != (s.GradIn == s.GradOut):
			return fmt.Errorf("verify: step %s: gradient buffers %d ← %d", name, s.GradIn, s.GradOut)
		case i > 0 && n.Steps[i-1].GradOut != s.GradIn:
			return fmt.Errorf("verify: step %s writes gradient buffer %d, the step before reads %d", name, s.GradIn, n.Steps[i-1].GradOut)
		case max(s.In().Size(), s.Out().Size()) > n.GradSize:
			return fmt.Errorf("verify: step %s: gradient buffers of %d values are too small", name, n.GradSize)
		}
	}
	return nil
}

// verifyLowering checks that every step that does work has its kernels' strategies, split and
// layout, that the backward kernels exist where a gradient is needed, that every scratch fits
// the network's, and that the partial sums of parameter gradients tile the workers' own.
func verifyLowering(n *Network) error {
	var partials int64
	for i, s := range n.Steps {
		name, l := s.Name(), s.Main()
		in := LayoutNCHW
		if i > 0 {
			in = n.Steps[i-1].Layout
		}
		switch {
		case s.InLayout != in:
			return fmt.Errorf("verify: step %s: input layout %v, its producer's output is %v", name, s.InLayout, in)
		case s.Layout == LayoutNCHW:
		case s.Layout != LayoutBlocked || !writesBlocked(s, s.InLayout):
			return fmt.Errorf("verify: step %s cannot write layout %v", name, s.Layout)
		case i+1 == len(n.Steps) || !readsBlocked(n.Steps[i+1]):
			return fmt.Errorf("verify: step %s writes layout %v, which the next step cannot read", name, s.Layout)
		}
		if s.View {
			if !reflect.DeepEqual(s.Lowering, Lowering{Layout: s.Layout, InLayout: s.InLayout}) {
				return fmt.Errorf("verify: view %s has kernels: %+v", name, s.Lowering)
			}
			continue
		}
		switch {
		case s.Split == SplitNone || s.Forward == "":
			return fmt.Errorf("verify: step %s has no forward kernel (split %v, strategy %q)", name, s.Split, s.Forward)
		case s.Backward != (i > 0 || l.Params > 0):
			return fmt.Errorf("verify: step %s: backward kernel %v", name, s.Backward)
		case s.Backward && (s.InputGrad != "") != (i > 0):
			return fmt.Errorf("verify: step %s: input gradient %q, but it is step %d", name, s.InputGrad, i)
		case s.Backward && (s.WeightGrad != "") != (l.Params > 0):
			return fmt.Errorf("verify: step %s: weight gradient %q with %d parameters", name, s.WeightGrad, l.Params)
		case max(s.Scratch, s.BackScratch) > n.Scratch || s.Scratch < 0 || s.BackScratch < 0:
			return fmt.Errorf("verify: step %s needs %d and %d values of scratch, the plan has %d", name, s.Scratch, s.BackScratch, n.Scratch)
		case s.Partials != 0 && (s.Partials < l.Params || s.Split != SplitImages || s.PartialsAt != partials):
			return fmt.Errorf("verify: step %s: partial sums of %d values at %d (parameters %d, expected at %d)", name, s.Partials, s.PartialsAt, l.Params, partials)
		case (s.Split == SplitPlanes) != (s.Units > 0) || s.Split == SplitPlanes && s.Units != planes(s):
			return fmt.Errorf("verify: step %s split by %v into %d units per image", name, s.Split, s.Units)
		case (s.Reads()&ReadsMask != 0) != (s.Mask > 0) || (s.Mask > 0 && s.Mask != s.Out().Size()):
			return fmt.Errorf("verify: step %s: mask of %d values", name, s.Mask)
		case s.Relaid < 0 || s.Relaid > 0 && !s.Backward:
			return fmt.Errorf("verify: step %s: relaid weights of %d values", name, s.Relaid)
		}
		if err := verifyKernels(s); err != nil {
			return err
		}
		if f := l.Op.def().checkPlan; f != nil {
			if err := f(s); err != nil {
				return fmt.Errorf("verify: step %s: %w", name, err)
			}
		}
		partials += s.Partials
	}
	if partials != n.Partials {
		return fmt.Errorf("verify: partial sums of %d values, the steps use %d", n.Partials, partials)
	}
	return verifyChains(n)
}

// readBack reports whether the backward pass reads step j's output: j reads it itself, or a
// later step reads it as its input, through views only (the step that overwrites it in place
// included); or it is the logits, which Backward starts from.
func readBack(n *Network, j int) bool {
	if n.Steps[j].Reads()&ReadsOutput != 0 {
		return true
	}
	for k := j + 1; k < len(n.Steps); k++ {
		if n.Steps[k].Reads()&ReadsInput != 0 {
			return true
		}
		if !n.Steps[k].View {
			return false
		}
		if n.Steps[k].Main().Op.IsLoss() {
			return true
		}
	}
	return false
}

// planes is the work units of one image of a step split by plane: its channel planes, or its
// blocks of channels when its input is channel-blocked.
func planes(s *Step) int {
	if s.InLayout == LayoutBlocked {
		return s.In().C / ChannelBlock
	}
	return s.In().C
}
