package reference

// Linear is PyTorch's torch.nn.functional.linear(x, w, b) on each image's input read as a flat
// vector of inFeatures values (an image-shaped input in C, H, W order, as torch.flatten gives):
//
//	y[i, o] = b[o] + Σ_j w[o, j] · x[i, j]
//
// The weights w are [out, inFeatures]; b is [out], or nil for no bias.
func Linear(x []float32, n, inFeatures int, w, b []float32, out int) []float32 {
	mustLen("linear input", x, n*inFeatures)
	mustLen("linear weight", w, out*inFeatures)
	if b != nil {
		mustLen("linear bias", b, out)
	}
	y := make([]float32, n*out)
	for i := range n {
		for o := range out {
			var sum float64
			if b != nil {
				sum = float64(b[o])
			}
			for j := range inFeatures {
				sum += float64(w[o*inFeatures+j]) * float64(x[i*inFeatures+j])
			}
			y[i*out+o] = float32(sum)
		}
	}
	return y
}
