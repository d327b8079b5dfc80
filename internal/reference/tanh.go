package reference

import (
	"math"

	"github.com/netc-project/netc/compiler"
)

// Tanh's row. Its backward pass reads its output, as the compiler's tanh does.
func init() {
	register(compiler.OpTanh, op{
		forward: func(c *call) []float64 { return Tanh(c.x) },
		backward: func(c *call) (dx, dw, db []float64) {
			return TanhBackward(c.y, c.dy), nil, nil
		},
	})
}

// Tanh is PyTorch's torch.tanh: y = tanh(x) for every value, computed in float64. A NaN stays
// NaN; ±∞ give ±1.
func Tanh[T Float](x []T) []T {
	y := make([]T, len(x))
	for j, v := range x {
		y[j] = T(math.Tanh(float64(v)))
	}
	return y
}

// TanhBackward is Tanh's backward pass from its output y = Tanh(x): dx = dy·(1 − y²), as
// PyTorch's tanh_backward computes it.
func TanhBackward(y, dy []float64) []float64 {
	mustLen("tanh output gradient", dy, len(y))
	dx := make([]float64, len(y))
	for j, v := range y {
		dx[j] = dy[j] * (1 - v*v)
	}
	return dx
}
