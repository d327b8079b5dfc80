package reference

import (
	"fmt"

	"github.com/netc-project/netc/compiler"
)

// SGDStep takes one step of stochastic gradient descent with momentum, in place, on every
// parameter of net, as the spec's train block says: params[name] moves along grads[name] (from
// Gradients, say), and momentum[name] is the parameter's momentum buffer, created at zero when
// missing (momentum itself must not be nil). lr is the current learning rate: Train.LR and its
// schedule are the caller's business.
//
// With μ = Train.Momentum and λ = Train.Decay, each parameter's learning rate and decay are
// multiplied by a = mult.LR·learn.LRMult and d = mult.Decay·learn.DecayMult, where mult is
// Train.Weights or Train.Biases and learn is the parameter's Learn (its layer's settings). Then
// per value, by Train.Rule:
//
//	paper:   v ← μ·v − dλ·(a·lr)·w − (a·lr)·g;   w ← w + v
//	pytorch: g' ← g + dλ·w;   v ← μ·v + g';   w ← w − (a·lr)·v
//
// The two agree while lr is constant (the paper's v is −a·lr times PyTorch's); when lr changes,
// PyTorch applies the new rate to the whole momentum at once, the paper only to new gradients.
// SGDStep panics when a parameter or a gradient is missing or wrongly sized, or the rule unknown.
func SGDStep(net *compiler.Network, params, grads, momentum map[string][]float64, lr float64) {
	tr := net.Train
	for _, l := range net.Layers {
		for _, p := range l.ParamShapes() {
			w, g := params[p.Name], grads[p.Name]
			mustLen(p.Name, w, sizeOf(p.Shape))
			mustLen(p.Name+"'s gradient", g, len(w))
			v, ok := momentum[p.Name]
			if !ok {
				v = make([]float64, len(w))
				momentum[p.Name] = v
			}
			mustLen(p.Name+"'s momentum", v, len(w))
			mult := tr.Weights
			if p.Bias {
				mult = tr.Biases
			}
			rate := mult.LR * p.Learn.LRMult * lr              // a·lr
			decay := mult.Decay * p.Learn.DecayMult * tr.Decay // dλ
			for j := range w {
				switch tr.Rule {
				case compiler.RulePaper:
					v[j] = tr.Momentum*v[j] - decay*rate*w[j] - rate*g[j]
					w[j] += v[j]
				case compiler.RulePyTorch:
					v[j] = tr.Momentum*v[j] + g[j] + decay*w[j]
					w[j] -= rate * v[j]
				default:
					panic(fmt.Sprintf("reference: update rule %d", tr.Rule))
				}
			}
		}
	}
}

// sizeOf is the number of values of a tensor of the given shape.
func sizeOf(shape []int) int {
	k := 1
	for _, d := range shape {
		k *= d
	}
	return k
}
