package reference

import (
	"fmt"
	"maps"
	"slices"

	"github.com/netc-project/netc/compiler"
)

// Forward runs net on n images x (NCHW, net.Input each), one layer at a time with the op
// functions of this package, and returns the logits: the input of the final softmax layer,
// n × Classes values.
//
// params maps every parameter named by the layers' ParamShapes ("conv1.weight", "fc8.bias") to
// its values in PyTorch's layout. masks maps dropout layers' names to their masks (see Dropout); a
// dropout layer without one is the identity, as at inference, and masks may be nil. Flatten is a
// reshape. Each layer computes in float64 and its output is rounded to T, exactly as the op
// functions called at T round it. Forward returns an error, not a panic, for a network without
// shapes, an input of the wrong size, a parameter that is missing, wrongly sized or used by no
// layer, and a mask that is wrongly sized or names no dropout layer.
func Forward[T Float](net *compiler.Network, params map[string][]T, x []T, n int, masks map[string][]T) ([]T, error) {
	return run(net, params, x, n, masks, nil)
}

// ForwardTrace is Forward, returning every layer's output by layer name instead of the logits:
// n × layer.Out values each, in NCHW order. The softmax layer's entry is its probabilities,
// softmax(logits) per image; the logits are the entry of the layer before it. Every entry is a
// slice of its own.
func ForwardTrace[T Float](net *compiler.Network, params map[string][]T, x []T, n int, masks map[string][]T) (map[string][]T, error) {
	trace := map[string][]T{}
	if _, err := run(net, params, x, n, masks, trace); err != nil {
		return nil, err
	}
	return trace, nil
}

// run is Forward, recording every layer's output in trace unless it is nil.
func run[T Float](net *compiler.Network, params map[string][]T, x []T, n int, masks map[string][]T, trace map[string][]T) ([]T, error) {
	if net.Stage < compiler.StageShaped {
		return nil, fmt.Errorf("%s: the network has no shapes yet; compile it first", net.Name)
	}
	if n < 0 {
		return nil, fmt.Errorf("%s: %d images", net.Name, n)
	}
	if want := size(n, net.Input); len(x) != want {
		return nil, fmt.Errorf("%s: the input has %d values, but %d images of %s need %d", net.Name, len(x), n, net.Input, want)
	}
	if err := checkNames(net, params, masks); err != nil {
		return nil, err
	}
	cur := x
	for _, l := range net.Layers {
		if l.Op.IsLoss() {
			if trace != nil {
				trace[l.Name] = rounded[T](softmax(cur, n, l.In.C))
			}
			return cur, nil // the loss is the last layer
		}
		y, err := apply(l, cur, n, params, masks[l.Name])
		if err != nil {
			return nil, err
		}
		if trace != nil {
			trace[l.Name] = y
		}
		cur = y
	}
	return cur, nil
}

// apply runs one layer (anything but the loss) on n images x: its op's forward pass, in float64,
// its output rounded to T.
func apply[T Float](l *compiler.Layer, x []T, n int, params map[string][]T, mask []T) ([]T, error) {
	row, err := opOf(l)
	if err != nil {
		return nil, err
	}
	w, b, err := layerParams(l, params)
	if err != nil {
		return nil, err
	}
	if mask != nil && len(mask) != len(x) {
		return nil, fmt.Errorf("%s: the %s mask has %d values, but %d images of %s need %d", l.Name, l.Op, len(mask), n, l.In, len(x))
	}
	c := &call{l: l, n: n, x: float64s(x), w: float64s(w), b: float64s(b), mask: float64s(mask)}
	return rounded[T](row.forward(c)), nil
}

// layerParams returns a conv or fc layer's weights and bias (nil when it has none), checking
// each against its shape in ParamShapes.
func layerParams[T Float](l *compiler.Layer, params map[string][]T) (w, b []T, err error) {
	for _, p := range l.ParamShapes() {
		v, ok := params[p.Name]
		if !ok {
			return nil, nil, fmt.Errorf("%s: the parameter %s is missing", l.Name, p.Name)
		}
		want := 1
		for _, d := range p.Shape {
			want *= d
		}
		if len(v) != want {
			return nil, nil, fmt.Errorf("%s: the parameter %s has %d values, but its shape %v needs %d", l.Name, p.Name, len(v), p.Shape, want)
		}
		if p.Bias {
			b = v
		} else {
			w = v
		}
	}
	return w, b, nil
}

// checkNames reports a parameter that no layer has and a mask whose layer's op takes none (only
// dropout does): both are likely a mismatch between the caller and the spec.
func checkNames[T Float](net *compiler.Network, params, masks map[string][]T) error {
	known := map[string]bool{}
	masked := map[string]bool{}
	for _, l := range net.Layers {
		for _, p := range l.ParamShapes() {
			known[p.Name] = true
		}
		masked[l.Name] = ops[l.Op].masked
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if !known[name] {
			return fmt.Errorf("%s: no layer has the parameter %s", net.Name, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(masks)) {
		if !masked[name] {
			return fmt.Errorf("%s: there is a mask for %s, which is not a dropout layer", net.Name, name)
		}
	}
	return nil
}
