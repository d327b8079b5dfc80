package compiler

import "fmt"

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
	if last := n.Layers[len(n.Layers)-1]; last.Op != OpSoftmax || last.Out.C != n.Classes {
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
	return verifyPlan(n)
}

// verifyCounts checks each layer's counts against its shapes.
func verifyCounts(n *Network) error {
	for _, l := range n.Layers {
		var params int64
		for _, p := range l.ParamShapes() {
			size, _ := product(p.Shape...)
			params += size
		}
		if params != l.Params || l.ActBytes != 4*l.Out.Size() || l.MACs < 0 || (l.MACs > 0) != (l.Op == OpConv || l.Op == OpFC) {
			return fmt.Errorf("verify: %s: counts params=%d macs=%d bytes=%d disagree with its shapes", l.Name, l.Params, l.MACs, l.ActBytes)
		}
	}
	return nil
}

// verifyConfig checks that a layer carries exactly the configuration its op needs, in range.
func verifyConfig(l *Layer) error {
	has := map[Op]bool{OpConv: l.Conv != nil, OpFC: l.FC != nil, OpLRN: l.LRN != nil,
		OpMaxPool: l.Pool != nil, OpAvgPool: l.Pool != nil, OpDropout: l.Dropout != nil}
	for op, present := range has {
		if present != (l.Op == op) && !(present && (op == OpMaxPool || op == OpAvgPool) && (l.Op == OpMaxPool || l.Op == OpAvgPool)) {
			return fmt.Errorf("op %s with configuration for %s = %v", l.Op, op, present)
		}
	}
	switch {
	case l.Conv != nil && (l.Conv.Out < 1 || l.Conv.KH < 1 || l.Conv.KW < 1 || l.Conv.SH < 1 || l.Conv.SW < 1 ||
		l.Conv.PH < 0 || l.Conv.PW < 0 || l.Conv.Groups < 1 || l.Conv.Rounding == 0):
		return fmt.Errorf("conv configuration out of range: %+v", *l.Conv)
	case l.Pool != nil && (l.Pool.KH < 1 || l.Pool.KW < 1 || l.Pool.SH < 1 || l.Pool.SW < 1 || l.Pool.PH < 0 || l.Pool.PW < 0 || l.Pool.Rounding == 0):
		return fmt.Errorf("pool configuration out of range: %+v", *l.Pool)
	case l.FC != nil && l.FC.Out < 1:
		return fmt.Errorf("fc configuration out of range: %+v", *l.FC)
	case l.LRN != nil && (l.LRN.Size < 1 || l.LRN.K <= 0 || l.LRN.Alpha < 0 || l.LRN.Beta < 0):
		return fmt.Errorf("lrn configuration out of range: %+v", *l.LRN)
	case l.Dropout != nil && (l.Dropout.P < 0 || l.Dropout.P >= 1):
		return fmt.Errorf("dropout p %g out of range", l.Dropout.P)
	}
	return nil
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
		if s.ReLU && (len(s.Layers) != 2 || s.Layers[1].Op != OpReLU) {
			return fmt.Errorf("verify: step %s: fused relu without a relu layer", s.Main().Name)
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
// output and write, unless it works in place, another buffer that is large enough.
func verifyPlan(n *Network) error {
	prevBuf := -1
	for _, s := range n.Steps {
		name := s.Main().Name
		if s.InBuf != prevBuf {
			return fmt.Errorf("verify: step %s reads buffer %d, but the previous output is in %d", name, s.InBuf, prevBuf)
		}
		inPlace := s.View || (s.InPlace && s.InBuf >= 0)
		switch {
		case inPlace && s.OutBuf != s.InBuf:
			return fmt.Errorf("verify: step %s works in place but writes buffer %d, not %d", name, s.OutBuf, s.InBuf)
		case !inPlace && (s.OutBuf == s.InBuf || s.OutBuf < 0 || s.OutBuf >= len(n.Buffers)):
			return fmt.Errorf("verify: step %s reads buffer %d and writes buffer %d", name, s.InBuf, s.OutBuf)
		case !inPlace && n.Buffers[s.OutBuf] < s.Out().Size():
			return fmt.Errorf("verify: step %s: buffer %d holds %d values, needs %d", name, s.OutBuf, n.Buffers[s.OutBuf], s.Out().Size())
		case s.Scratch() > n.Scratch:
			return fmt.Errorf("verify: step %s needs %d values of scratch, the plan has %d", name, s.Scratch(), n.Scratch)
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
