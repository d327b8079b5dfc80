package reference

// ReLU is PyTorch's torch.relu: y = max(0, x) for every value. A NaN stays NaN, as in PyTorch.
func ReLU[T Float](x []T) []T {
	y := make([]T, len(x))
	for j, v := range x {
		if v < 0 {
			y[j] = 0
		} else {
			y[j] = v
		}
	}
	return y
}

// ReLUBackward is ReLU's backward pass: dx = dy where x > 0 and 0 elsewhere. At x = 0, where
// ReLU has no derivative, it takes 0, as PyTorch's threshold_backward does.
func ReLUBackward(x, dy []float64) []float64 {
	mustLen("relu output gradient", dy, len(x))
	dx := make([]float64, len(x))
	for j, v := range x {
		if v > 0 {
			dx[j] = dy[j]
		}
	}
	return dx
}

// Dropout multiplies every value by its mask: y = x · mask. The caller draws the mask, 0 or
// 1/(1−p) per value (PyTorch's inverted dropout at training time); at inference dropout is the
// identity and needs no call. Being linear and elementwise, dropout is its own backward pass:
// dx = Dropout(dy, mask).
func Dropout[T Float](x, mask []T) []T {
	mustLen("dropout mask", mask, len(x))
	y := make([]T, len(x))
	for j := range x {
		y[j] = T(float64(x[j]) * float64(mask[j]))
	}
	return y
}
