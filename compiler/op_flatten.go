package compiler

import "github.com/netc-project/netc/dsl"

// OpFlatten reads an image as a vector in C, H, W order, as PyTorch's flatten(x, 1): a view.
var OpFlatten = newOp(&opDef{
	word:   "flatten",
	others: []other{{"PyTorch", "Flatten", []param{{"start_dim", "-"}}}},
	shape: func(n *Network, i int, errs *dsl.ErrorList) (Shape, bool) {
		return Shape{C: int(n.Layers[i].In.Size()), H: 1, W: 1, Flat: true}, true
	},
	end:   true,
	view:  func(*Layer) bool { return true },
	torch: func(l *Layer) string { return "torch.flatten(x, 1)" },
})
