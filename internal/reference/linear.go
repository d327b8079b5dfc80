package reference

import "github.com/netc-project/netc/compiler"

// The fully connected layer's row.
func init() {
	register(compiler.OpFC, op{
		forward: func(c *call) []float64 { return Linear(c.x, c.n, int(c.l.In.Size()), c.w, c.b, c.l.FC().Out) },
		backward: func(c *call) (dx, dw, db []float64) {
			return LinearBackward(c.x, c.n, int(c.l.In.Size()), c.w, c.l.FC().Out, c.dy)
		},
	})
}

// Linear is PyTorch's torch.nn.functional.linear(x, w, b) on each image's input read as a flat
// vector of inFeatures values (an image-shaped input in C, H, W order, as torch.flatten gives):
//
//	y[i, o] = b[o] + Σ_j w[o, j] · x[i, j]
//
// The weights w are [out, inFeatures]; b is [out], or nil for no bias.
func Linear[T Float](x []T, n, inFeatures int, w, b []T, out int) []T {
	mustLen("linear input", x, n*inFeatures)
	mustLen("linear weight", w, out*inFeatures)
	if b != nil {
		mustLen("linear bias", b, out)
	}
	y := make([]T, n*out)
	parallel(n*out, func(k int) {
		i, o := k/out, k%out
		var sum float64
		if b != nil {
			sum = float64(b[o])
		}
		for j := range inFeatures {
			sum += float64(w[o*inFeatures+j]) * float64(x[i*inFeatures+j])
		}
		y[i*out+o] = T(sum)
	})
	return y
}

// LinearBackward is Linear's backward pass: given the gradient dy [n, out] of a loss with respect
// to Linear's output, it returns the gradients with respect to the input, the weights and the
// bias (whether or not the layer has one):
//
//	dx[i, j] = Σ_o dy[i, o] · w[o, j]
//	dw[o, j] = Σ_i dy[i, o] · x[i, j]
//	db[o]    = Σ_i dy[i, o]
func LinearBackward(x []float64, n, inFeatures int, w []float64, out int, dy []float64) (dx, dw, db []float64) {
	mustLen("linear input", x, n*inFeatures)
	mustLen("linear weight", w, out*inFeatures)
	mustLen("linear output gradient", dy, n*out)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, out)
	parallel(out, func(o int) { // the weights' and the bias's gradients, an output at a time
		for i := range n {
			d := dy[i*out+o]
			db[o] += d
			for j := range inFeatures {
				dw[o*inFeatures+j] += d * x[i*inFeatures+j]
			}
		}
	})
	parallel(n, func(i int) { // the input's gradient, an image at a time
		for o := range out {
			d := dy[i*out+o]
			for j := range inFeatures {
				dx[i*inFeatures+j] += d * w[o*inFeatures+j]
			}
		}
	})
	return dx, dw, db
}
