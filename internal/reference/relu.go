package reference

import (
	"math"

	"github.com/netc-project/netc/compiler"
)

// ReLU's row. Its decision is whether an input is positive: near lists the inputs within the
// margin of 0 whose gradient matters, and flip passes the gradient of such an input that ReLU
// blocks, or blocks one it passes.
func init() {
	register(compiler.OpReLU, op{
		forward: func(c *call) []float64 { return ReLU(c.x) },
		backward: func(c *call) (dx, dw, db []float64) {
			return ReLUBackward(c.x, c.dy), nil, nil
		},
		near: func(c *call, margin, scale, floor float64) []Decision {
			var near []Decision
			for j, v := range c.x {
				if math.Abs(c.dy[j]) > floor && math.Abs(v) < margin*scale {
					near = append(near, Decision{Index: j, Margin: math.Abs(v) / scale, Other: -1, Max: -1})
				}
			}
			return near
		},
		flip: func(c *call, d Decision, dx []float64) {
			if c.x[d.Index] > 0 {
				dx[d.Index] = 0
			} else {
				dx[d.Index] = c.dy[d.Index]
			}
		},
	})
}

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
