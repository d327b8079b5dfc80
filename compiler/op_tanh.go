package compiler

// OpTanh is the hyperbolic tangent, the saturating non-linearity the AlexNet paper compares
// ReLU with. It works in place; its backward pass, dy·(1 − y²), reads its output.
var OpTanh = newOp(&opDef{
	word:    "tanh",
	others:  []other{{"PyTorch", "Tanh", nil}},
	inPlace: true,
	split:   SplitImages,
	reads:   ReadsOutput,
	lower:   lowerElementwise,
	torch:   func(l *Layer) string { return "torch.tanh(x)" },
})
