package runtime

// sgdISA is the instruction set of SGD.
var sgdISA = BestISA()

// SGDRule is the form of SGD with momentum.
type SGDRule int

// The update rules. They agree while the learning rate is constant.
const (
	// SGDPyTorch: g ← ∇ + λ·w; v ← μ·v + g; w ← w − lr·v.
	SGDPyTorch SGDRule = iota
	// SGDPaper: v ← μ·v − λ·lr·w − lr·∇; w ← w + v (Krizhevsky et al.).
	SGDPaper
)

// SGD applies one step of SGD with momentum to the weights w, given their gradient g and
// momentum v (updated in place), learning rate lr, momentum mu and weight decay lambda. It runs
// in assembly where the CPU has it (see sgd_amd64.s; sgdISA), sixteen values at a time in
// AVX-512 or eight in AVX2 with FMA (the same fused operations, so the same values bit for bit),
// the rest in Go (which rounds each operation, within a rounding or two of the assembly).
func SGD(rule SGDRule, w, g, v []float32, lr, mu, lambda float32) {
	g, v = g[:len(w)], v[:len(w)]
	done := sgdAsm(rule, w, g, v, lr, mu, lambda)
	sgdGo(rule, w[done:], g[done:], v[done:], lr, mu, lambda)
}

// sgdGo is SGD in Go: the twin of the assembly, and its tail.
func sgdGo(rule SGDRule, w, g, v []float32, lr, mu, lambda float32) {
	g, v = g[:len(w)], v[:len(w)]
	if rule == SGDPaper {
		for i, x := range w {
			vi := mu*v[i] - lambda*lr*x - lr*g[i]
			v[i], w[i] = vi, x+vi
		}
		return
	}
	for i, x := range w {
		vi := mu*v[i] + g[i] + lambda*x
		v[i], w[i] = vi, x-lr*vi
	}
}
