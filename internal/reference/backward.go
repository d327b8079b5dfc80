package reference

import (
	"fmt"

	"github.com/netc-project/netc/compiler"
)

// Gradients runs net forward on n images x as Forward does, with the same params and masks, and
// back from the mean softmax cross-entropy of the logits at labels (SoftmaxCrossEntropy). It
// returns the loss and its gradient with respect to every parameter, by name, in the parameter's
// layout: what one training step of the network needs.
//
// A dropout layer with a mask multiplies by it going forward and back; without one it is the
// identity both ways, as at inference. Gradients returns Forward's errors, and an error for labels
// that are not one per image in 0…Classes−1 and for a network that does not end in its softmax
// loss.
func Gradients(net *compiler.Network, params map[string][]float64, x []float64, n int, labels []int32, masks map[string][]float64) (loss float64, grads map[string][]float64, err error) {
	p, err := forwardPass(net, params, x, n, labels, masks)
	if err != nil {
		return 0, nil, err
	}
	grads, _ = p.backward(nil, nil)
	return p.loss, grads, nil
}

// pass is one forward pass of Gradients, kept for the backward pass.
type pass struct {
	net     *compiler.Network
	params  map[string][]float64
	x       []float64
	n       int
	masks   map[string][]float64
	trace   map[string][]float64 // every layer's output
	loss    float64
	dlogits []float64 // the loss's gradient with respect to the logits
}

// forwardPass runs net forward and computes the loss and its gradient with respect to the
// logits, checking everything Gradients checks.
func forwardPass(net *compiler.Network, params map[string][]float64, x []float64, n int, labels []int32, masks map[string][]float64) (*pass, error) {
	trace, err := ForwardTrace(net, params, x, n, masks)
	if err != nil {
		return nil, err
	}
	last := len(net.Layers) - 1
	if last < 0 || !net.Layers[last].Op.IsLoss() {
		return nil, fmt.Errorf("%s: the network does not end in its softmax loss", net.Name)
	}
	if err := labelError(labels, n, net.Classes); err != nil {
		return nil, fmt.Errorf("%s: %v", net.Name, err)
	}
	p := &pass{net: net, params: params, x: x, n: n, masks: masks, trace: trace}
	var probs []float64
	p.loss, probs = SoftmaxCrossEntropy(p.input(last), n, net.Classes, labels)
	p.dlogits = SoftmaxCrossEntropyBackward(probs, n, net.Classes, labels)
	return p, nil
}

// input is layer j's input: the output of the layer before, or the images.
func (p *pass) input(j int) []float64 {
	if j == 0 {
		return p.x
	}
	return p.trace[p.net.Layers[j-1].Name]
}

// backward takes the loss's gradient back through every layer, returning the parameters'
// gradients and the input's. Decisions in flips (see Decision) are taken the other way; watch, if
// not nil, sees each layer's call (its input, output and the gradient of its output) before the
// layer's backward pass.
func (p *pass) backward(flips []Decision, watch func(c *call)) (grads map[string][]float64, dx []float64) {
	grads = map[string][]float64{}
	flips = Flatten(flips)
	d := p.dlogits
	for j := len(p.net.Layers) - 2; j >= 0; j-- {
		l := p.net.Layers[j]
		w, b, _ := layerParams(l, p.params) // checked by the forward pass
		c := &call{l: l, n: p.n, x: p.input(j), y: p.trace[l.Name], w: w, b: b, mask: p.masks[l.Name], dy: d}
		if j > 0 {
			c.prev, c.prevX = p.net.Layers[j-1], p.input(j-1)
		}
		if watch != nil {
			watch(c)
		}
		d = backLayer(c, grads)
		for _, f := range flips {
			if f.Layer == l.Name {
				flip(c, f, d)
			}
		}
	}
	return grads, d
}

// backLayer takes the gradient c.dy with respect to layer c.l's output back to its input,
// storing the gradients of its parameters in grads. Forward has refused an op the reference does
// not have.
func backLayer(c *call, grads map[string][]float64) []float64 {
	row, ok := ops[c.l.Op]
	if !ok {
		panic(fmt.Sprintf("reference: %s: no backward pass for op %s", c.l.Name, c.l.Op))
	}
	dx, dw, db := row.backward(c)
	for _, p := range c.l.ParamShapes() {
		if p.Bias {
			grads[p.Name] = db
		} else {
			grads[p.Name] = dw
		}
	}
	return dx
}
