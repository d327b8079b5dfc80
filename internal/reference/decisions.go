package reference

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/netc-project/netc/compiler"
)

// A Decision is a discrete choice of the forward pass that the gradient depends on: whether a
// ReLU's input is positive, so that the ReLU passes its gradient, or which input of a max-pool
// window is its maximum, the one that takes the window's gradient.
//
// Where the inputs are within rounding of the other choice, an implementation computing in
// float32 may make it. The derivative is not defined to that precision, and the gradients then
// differ from the reference's by the whole contribution of one position, which at AlexNet's size
// is a few per cent of a tensor, in every layer below. A near tie of this kind turns up in about
// one random draw in three at that size. NearDecisions lists the decisions of a pass that are
// that close and GradientsFlipped takes chosen ones the other way, so that a test can tell a near
// tie from a bug.
type Decision struct {
	Layer string // a relu or maxpool layer
	// Index is the ReLU's input or the max pool's output: a flat index into the n images.
	Index int
	// Margin is how far the inputs are from the other choice, relative to the layer's largest
	// |input|: |x| for a ReLU; the largest input less the runner-up for a max pool.
	Margin float64
	// Other is, for a max pool, the input that the other choice routes the gradient to: the
	// window's runner-up. It is −1 for a ReLU.
	Other int
	// Max is, for a max pool, the input the window takes as its maximum. It is −1 for a ReLU.
	Max int
	// Also are the decisions of other layers that go with this one. A max-pool window whose
	// inputs are all a ReLU's zeros takes its first; when one of their ReLU inputs is within
	// rounding of 0, a float32 model may make it a tiny positive value, and then both the ReLU
	// passes it and the window takes it: the window's decision has the ReLU's in Also, and its
	// margin is that ReLU input's distance from 0.
	Also []Decision
}

// comparison is what a decision compares, the key of Ties: a ReLU input with 0, or a max pool's
// maximum with its runner-up, or, for a decision made through a ReLU's (Also), that ReLU's.
type comparison struct {
	layer       string
	index, with int
}

func (d Decision) comparison() comparison {
	switch {
	case len(d.Also) > 0:
		return d.Also[0].comparison()
	case d.Other < 0:
		return comparison{d.Layer, d.Index, -1}
	}
	return comparison{d.Layer, d.Max, d.Other}
}

// Flatten returns decisions with those of their Also, each decision once, for
// GradientsFlipped's callers that take them one by one (a ReLU's flip toggles).
func Flatten(decisions []Decision) []Decision {
	var flat []Decision
	seen := map[[2]any]bool{}
	var add func(d Decision)
	add = func(d Decision) {
		if k := [2]any{d.Layer, d.Index}; !seen[k] {
			seen[k] = true
			flat = append(flat, Decision{Layer: d.Layer, Index: d.Index, Margin: d.Margin, Other: d.Other, Max: d.Max})
		}
		for _, a := range d.Also {
			add(a)
		}
	}
	for _, d := range decisions {
		add(d)
	}
	return flat
}

// Ties groups decisions, nearest first, into the comparisons they make: the overlapping windows
// of a max pool whose maximum and runner-up are the same two inputs compare the same two values,
// and a float32 model takes them all one way or all the other; so do the windows that would take
// the same ReLU input near 0 (Also), with that ReLU's own decision. Each tie keeps its decisions
// in the given order; the ties are in the order of their first decision.
func Ties(near []Decision) [][]Decision {
	var ties [][]Decision
	at := map[comparison]int{}
	for _, d := range near {
		k := d.comparison()
		if t, ok := at[k]; ok {
			ties[t] = append(ties[t], d)
			continue
		}
		at[k] = len(ties)
		ties = append(ties, []Decision{d})
	}
	return ties
}

func (d Decision) String() string {
	switch {
	case d.Other < 0:
		return fmt.Sprintf("%s input %d, %.2g of the layer's largest from 0", d.Layer, d.Index, d.Margin)
	case len(d.Also) > 0:
		return fmt.Sprintf("%s output %d, its input %d a zero of %s, %.2g of the layer's largest below 0", d.Layer, d.Index, d.Other, d.Also[0].Layer, d.Margin)
	}
	return fmt.Sprintf("%s output %d, its runner-up input %d %.2g of the layer's largest below the maximum", d.Layer, d.Index, d.Other, d.Margin)
}

// minGradient is the smallest gradient, relative to the largest of its layer, of a decision that
// NearDecisions lists.
const minGradient = 1e-3

// NearDecisions runs Gradients with the same arguments and returns its decisions whose margin is
// below margin, nearest first, leaving out those whose gradient (the ReLU's or the max pool's
// output gradient) is less than minGradient of the largest of the layer: taken the other way,
// they change a parameter's gradient by less than that fraction of one position's contribution.
// A window whose largest inputs are both exactly 0, ReLU's zeros, is no decision either: float32
// gives the same zeros and picks the same first one.
func NearDecisions(net *compiler.Network, params map[string][]float64, x []float64, n int, labels []int32, masks map[string][]float64, margin float64) ([]Decision, error) {
	p, err := forwardPass(net, params, x, n, labels, masks)
	if err != nil {
		return nil, err
	}
	var near []Decision
	p.backward(nil, func(c *call) {
		if row := ops[c.l.Op]; row.near != nil {
			for _, d := range row.near(c, margin, largest(c.x), minGradient*largest(c.dy)) {
				d.Layer = c.l.Name
				near = append(near, d)
			}
		}
	})
	slices.SortStableFunc(near, func(a, b Decision) int { return cmp.Compare(a.Margin, b.Margin) })
	return near, nil
}

// GradientsFlipped is Gradients with the given decisions, from NearDecisions with the same
// arguments, taken the other way: a ReLU passes the gradient of an input it would block, or
// blocks one it would pass; a max pool routes its output's gradient to the runner-up. The forward
// pass is unchanged: near a tie either choice gives the same values to within the margin.
func GradientsFlipped(net *compiler.Network, params map[string][]float64, x []float64, n int, labels []int32, masks map[string][]float64, flips []Decision) (loss float64, grads map[string][]float64, err error) {
	p, err := forwardPass(net, params, x, n, labels, masks)
	if err != nil {
		return 0, nil, err
	}
	grads, _ = p.backward(flips, nil)
	return p.loss, grads, nil
}

// flip changes dx, the gradient with respect to the input of c's layer that its backward pass
// has computed from c, as taking decision d the other way would.
func flip(c *call, d Decision, dx []float64) {
	row := ops[c.l.Op]
	if row.flip == nil {
		panic(fmt.Sprintf("reference: %s (%s) makes no decisions", c.l.Name, c.l.Op))
	}
	row.flip(c, d, dx)
}

// largest is the largest |value| of x.
func largest(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}
