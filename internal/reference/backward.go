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
	loss, grads, _, err = backprop(net, params, x, n, labels, masks)
	return loss, grads, err
}

// backprop is Gradients, also returning the loss's gradient with respect to the input x, which
// the tests check against finite differences to test the ops that have no parameters.
func backprop(net *compiler.Network, params map[string][]float64, x []float64, n int, labels []int32, masks map[string][]float64) (loss float64, grads map[string][]float64, dx []float64, err error) {
	trace, err := ForwardTrace(net, params, x, n, masks)
	if err != nil {
		return 0, nil, nil, err
	}
	last := len(net.Layers) - 1
	if last < 0 || net.Layers[last].Op != compiler.OpSoftmax {
		return 0, nil, nil, fmt.Errorf("%s: the network does not end in its softmax loss", net.Name)
	}
	if err := labelError(labels, n, net.Classes); err != nil {
		return 0, nil, nil, fmt.Errorf("%s: %v", net.Name, err)
	}
	input := func(j int) []float64 { // layer j's input: the output of the layer before
		if j == 0 {
			return x
		}
		return trace[net.Layers[j-1].Name]
	}

	loss, probs := SoftmaxCrossEntropy(input(last), n, net.Classes, labels)
	d := SoftmaxCrossEntropyBackward(probs, n, net.Classes, labels)
	grads = map[string][]float64{}
	for j := last - 1; j >= 0; j-- {
		d, err = backLayer(net.Layers[j], input(j), n, d, params, masks[net.Layers[j].Name], grads)
		if err != nil {
			return 0, nil, nil, err
		}
	}
	return loss, grads, d, nil
}

// backLayer takes the gradient dy with respect to layer l's output back to its input x (n
// images), storing the gradients of l's parameters in grads.
func backLayer(l *compiler.Layer, x []float64, n int, dy []float64, params map[string][]float64, mask []float64, grads map[string][]float64) ([]float64, error) {
	switch l.Op {
	case compiler.OpConv:
		w, _, err := layerParams(l, params)
		if err != nil {
			return nil, err
		}
		dx, dw, db := Conv2DBackward(x, n, l.In, w, l.Conv, l.Out, dy)
		setGrads(l, grads, dw, db)
		return dx, nil
	case compiler.OpFC:
		w, _, err := layerParams(l, params)
		if err != nil {
			return nil, err
		}
		dx, dw, db := LinearBackward(x, n, int(l.In.Size()), w, l.FC.Out, dy)
		setGrads(l, grads, dw, db)
		return dx, nil
	case compiler.OpReLU:
		return ReLUBackward(x, dy), nil
	case compiler.OpLRN:
		return LRNBackward(x, n, l.In, l.LRN, dy), nil
	case compiler.OpMaxPool:
		return MaxPoolBackward(x, n, l.In, l.Pool, l.Out, dy), nil
	case compiler.OpAvgPool:
		return AvgPoolBackward(n, l.In, l.Pool, l.Out, dy), nil
	case compiler.OpAdaptiveAvgPool:
		return AdaptiveAvgPoolBackward(n, l.In, l.Out, dy), nil
	case compiler.OpDropout:
		if mask == nil {
			return dy, nil // inference: the identity
		}
		return Dropout(dy, mask), nil
	case compiler.OpFlatten:
		return dy, nil // a reshape
	}
	return nil, fmt.Errorf("%s: the reference has no backward pass for op %s", l.Name, l.Op)
}

// setGrads stores a conv or fc layer's weight gradient dw, and its bias gradient db if it has a
// bias, under the parameters' names.
func setGrads(l *compiler.Layer, grads map[string][]float64, dw, db []float64) {
	for _, p := range l.ParamShapes() {
		if p.Bias {
			grads[p.Name] = db
		} else {
			grads[p.Name] = dw
		}
	}
}
