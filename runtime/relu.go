package runtime

// reluISA is the instruction set of ReLUBackward and ReLUBackwardBlocked.
var reluISA = BestISA()

// ReLUBackward applies a ReLU's mask to the gradient g of its output y: g[i] = 0 where
// y[i] ≤ 0 (a NaN output keeps its gradient, as in PyTorch 1.13's relu backward); and returns
// biasGrad, the sum of the masked g: the bias gradient of the conv the ReLU follows. It runs in
// AVX-512 or AVX2 where the CPU has it (relu_amd64.s), sixteen values at a time, the rest in Go;
// the sum is then taken in sixteen lanes, the same in both, so it rounds differently from a sum
// in order.
func ReLUBackward(g, y []float32) (biasGrad float32) {
	y = y[:len(g)]
	done, sum := reluBackwardAsm(g, y)
	return sum + reluBackwardGo(g[done:], y[done:])
}

// reluBackwardGo is ReLUBackward in Go: the twin of the assembly, and its tail.
func reluBackwardGo(g, y []float32) float32 {
	y = y[:len(g)]
	var s float32
	for i, v := range y {
		if v <= 0 {
			g[i] = 0
		}
		s += g[i]
	}
	return s
}

// Sum returns the sum of x, in four interleaved partial sums.
func Sum(x []float32) float32 {
	var s0, s1, s2, s3 float32
	for len(x) >= 4 {
		s0, s1, s2, s3 = s0+x[0], s1+x[1], s2+x[2], s3+x[3]
		x = x[4:]
	}
	for _, v := range x {
		s0 += v
	}
	return (s0 + s1) + (s2 + s3)
}

// ReLUBackwardBlocked is ReLUBackward for a block of sixteen channels in the channel-blocked
// layout (pixel after pixel, a vector of sixteen values each): it zeroes g where y ≤ 0, if y is
// not nil, and adds each lane's sum over the pixels to sums[lane], in pixel order.
func ReLUBackwardBlocked(g, y, sums []float32) {
	sums = sums[:16]
	if y != nil {
		y = y[:len(g)]
	}
	done := reluBackwardBlockedAsm(g, y, sums)
	reluBackwardBlockedGo(g[done:], y[min(done, len(y)):], sums)
}

// reluBackwardBlockedGo is ReLUBackwardBlocked in Go: the twin of the assembly, and its tail.
func reluBackwardBlockedGo(g, y, sums []float32) {
	for i := range g {
		if y != nil && y[i] <= 0 {
			g[i] = 0
		}
		sums[i%16] += g[i]
	}
}
