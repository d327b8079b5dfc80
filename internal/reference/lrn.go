package reference

import (
	"math"

	"github.com/netc-project/netc/compiler"
)

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
func LRN(x []float32, n int, shape compiler.Shape, l *compiler.LRN) []float32 {
	mustLen("lrn input", x, size(n, shape))
	scale := l.Alpha / float64(l.Size) // α'
	if l.Paper {
		scale = l.Alpha
	}
	y := make([]float32, len(x))
	for i := range n {
		for c := range shape.C {
			for h := range shape.H {
				for w := range shape.W {
					var sum float64 // Σ x² over the window
					for j := c - l.Size/2; j <= c+(l.Size-1)/2; j++ {
						if j < 0 || j >= shape.C {
							continue // zero padding
						}
						a := float64(x[at(shape, i, j, h, w)])
						sum += a * a
					}
					a := float64(x[at(shape, i, c, h, w)])
					y[at(shape, i, c, h, w)] = float32(a / math.Pow(l.K+scale*sum, l.Beta))
				}
			}
		}
	}
	return y
}
