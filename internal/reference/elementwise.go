package reference

// ReLU is PyTorch's torch.relu: y = max(0, x) for every value. A NaN stays NaN, as in PyTorch.
func ReLU(x []float32) []float32 {
	y := make([]float32, len(x))
	for j, v := range x {
		if v < 0 {
			y[j] = 0
		} else {
			y[j] = v
		}
	}
	return y
}

// Dropout multiplies every value by its mask: y = x · mask. The caller draws the mask, 0 or
// 1/(1−p) per value (PyTorch's inverted dropout at training time); at inference dropout is the
// identity and needs no call.
func Dropout(x, mask []float32) []float32 {
	mustLen("dropout mask", mask, len(x))
	y := make([]float32, len(x))
	for j := range x {
		y[j] = float32(float64(x[j]) * float64(mask[j]))
	}
	return y
}
