package compiler

// OpReLU is max(0, x). After a conv or fc layer it folds into that layer's kernel, applied as
// the kernel stores its output; elsewhere it works in place. Its backward pass reads the mask
// from its output's sign.
var OpReLU = newOp(&opDef{
	word:      "relu",
	others:    []other{{"PyTorch", "ReLU", []param{{"inplace", "-"}}}},
	foldsInto: true,
	inPlace:   true,
	split:     SplitImages,
	reads:     ReadsOutput,
	lower:     lowerElementwise,
	torch:     func(l *Layer) string { return "F.relu(x)" },
})
