package compiler

import "github.com/netc-project/netc/dsl"

// OpSoftmax is the loss that ends every network: the softmax cross-entropy of the logits, its
// input, which Forward returns and Backward starts from (a view).
var OpSoftmax = newOp(&opDef{
	word: "softmax",
	others: []other{
		{"PyTorch", "CrossEntropyLoss", nil}, {"PyTorch", "Softmax", []param{{"dim", "-"}}}, {"Caffe", "SoftmaxWithLoss", nil}},
	loss: true,
	shape: func(n *Network, i int, errs *dsl.ErrorList) (Shape, bool) {
		l := n.Layers[i]
		if i != len(n.Layers)-1 {
			errs.Add(l.Pos, "%s: softmax is the loss and must be the last layer", l.Name)
			return Shape{}, false
		}
		if !l.In.Flat || l.In.C != n.Classes {
			errs.Add(l.Pos, "%s: the network ends with %s values, but classes is %d", l.Name, l.In, n.Classes)
			return Shape{}, false
		}
		return l.In, true
	},
	end:  true,
	view: func(*Layer) bool { return true },
})
