package reference

import (
	"math"

	"github.com/netc-project/netc/compiler"
)

// LRN's row. Its backward pass reads its input.
func init() {
	register(compiler.OpLRN, op{
		forward: func(c *call) []float64 { return LRN(c.x, c.n, c.l.In, c.l.LRN()) },
		backward: func(c *call) (dx, dw, db []float64) {
			return LRNBackward(c.x, c.n, c.l.In, c.l.LRN(), c.dy), nil, nil
		},
	})
}

// LRN is local response normalisation across channels, as PyTorch's
// torch.nn.functional.local_response_norm(x, Size, alpha, beta, k):
//
//	y[i, c, h, w] = x[i, c, h, w] / (K + α'·Σ_j x[i, j, h, w]²)^β
//
// with j running over the window c − Size/2 … c + (Size−1)/2, channels outside 0…C−1 counting as
// zeros, and α' = α/Size (PyTorch, Caffe, ONNX; the divisor stays Size at the edges) or α' = α
// when l.Paper is set (the paper's convention). PyTorch computes the same thing by padding the
// squares with Size/2 zero channels before and (Size−1)/2 after and average-pooling over Size
// channels.
func LRN[T Float](x []T, n int, shape compiler.Shape, l *compiler.LRN) []T {
	mustLen("lrn input", x, size(n, shape))
	y := make([]T, len(x))
	for i := range n {
		for c := range shape.C {
			for h := range shape.H {
				for w := range shape.W {
					a := float64(x[at(shape, i, c, h, w)])
					y[at(shape, i, c, h, w)] = T(a / math.Pow(lrnScale(x, i, c, h, w, shape, l), l.Beta))
				}
			}
		}
	}
	return y
}

// LRNBackward is LRN's exact backward pass. With s_c = K + α'·Σ_{j in c's window} x_j² at one
// pixel, y_c = x_c·s_c^(−β), so ∂y_c/∂x_j = [c = j]·s_c^(−β) − 2α'β·x_c·x_j·s_c^(−β−1) for every
// j in c's window, and
//
//	dx_j = dy_j·s_j^(−β) − 2α'β·x_j·Σ_{c whose window holds j} dy_c·x_c·s_c^(−β−1)
//
// The loops are LRN's, scattering each output's two terms to the inputs it read. (Darknet drops
// the second term; so does any backward pass that treats the denominator as a constant.)
func LRNBackward(x []float64, n int, shape compiler.Shape, l *compiler.LRN, dy []float64) []float64 {
	mustLen("lrn input", x, size(n, shape))
	mustLen("lrn output gradient", dy, len(x))
	dx := make([]float64, len(x))
	for i := range n {
		for c := range shape.C {
			for h := range shape.H {
				for w := range shape.W {
					s := lrnScale(x, i, c, h, w, shape, l)
					out := at(shape, i, c, h, w)
					dx[out] += dy[out] * math.Pow(s, -l.Beta)
					common := -2 * l.Scale() * l.Beta * dy[out] * x[out] * math.Pow(s, -l.Beta-1)
					for j := c - l.Size/2; j <= c+(l.Size-1)/2; j++ {
						if j < 0 || j >= shape.C {
							continue // zero padding
						}
						dx[at(shape, i, j, h, w)] += common * x[at(shape, i, j, h, w)]
					}
				}
			}
		}
	}
	return dx
}

// lrnScale is the denominator's base for value (c, h, w) of image i: K + α'·Σ_j x[i, j, h, w]²
// over channel c's window, channels outside the tensor counting as zeros.
func lrnScale[T Float](x []T, i, c, h, w int, shape compiler.Shape, l *compiler.LRN) float64 {
	var sum float64 // Σ x² over the window
	for j := c - l.Size/2; j <= c+(l.Size-1)/2; j++ {
		if j < 0 || j >= shape.C {
			continue // zero padding
		}
		a := float64(x[at(shape, i, j, h, w)])
		sum += a * a
	}
	return l.K + l.Scale()*sum
}
