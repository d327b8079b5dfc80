package reference

import (
	"slices"

	"github.com/netc-project/netc/compiler"
)

// Dropout's row: with a mask it multiplies by it both ways; without one, as at inference, it is
// the identity both ways.
func init() {
	register(compiler.OpDropout, op{
		masked: true,
		forward: func(c *call) []float64 {
			if c.mask == nil {
				return slices.Clone(c.x)
			}
			return Dropout(c.x, c.mask)
		},
		backward: func(c *call) (dx, dw, db []float64) {
			if c.mask == nil {
				return c.dy, nil, nil
			}
			return Dropout(c.dy, c.mask), nil, nil
		},
	})
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
