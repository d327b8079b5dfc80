package reference

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/require"
)

// Finite differences. Every gradient Gradients returns, and the gradient with respect to the
// input (from the backward pass Gradients runs), is compared with the central difference (L(v + h) − L(v − h)) / 2h of the float64
// forward pass's loss L, for one value v at a time.
//
// The step h = 1e-6 balances the difference's two errors. Truncation: L(v ± h) = L ± hL′ + h²L″/2
// ± h³L‴/6 + …, so the central difference is L′ + h²L‴/6 + O(h⁴), an error of about 1e-13 for
// the O(1) third derivatives of these small networks. Roundoff: each loss is computed to a few
// ulps, |δL| ≲ 10·ε·|L| ≈ 1e-15·|L| with ε = 2⁻⁵² ≈ 2.2e-16, and dividing by 2h turns that into an
// absolute error of about 1e-15·|L|/2e-6 ≈ 1e-9 for losses of order 1. (The optimum, where the two
// meet, is h ≈ ε^(1/3) ≈ 6e-6; 1e-6 sits close to it, on the roundoff side.) So a value passes
// when it is within fdTol = 1e-6 of the analytic gradient relative to the largest gradient of its
// tensor. The largest gradients are 1e-3 … 1 here, so that the noise is 1e-9 … 1e-6 of them: the
// worst errors seen are about 2e-8 for parameters and 3e-7 for the input of the whole networks,
// whose gradients are smallest. A wrong term in a backward pass is off by far more (dropping
// LRN's cross-channel term or using the wrong average-pool divisor fails by orders of magnitude).
// The worst error of each tensor is logged.
//
// A kink within h of a value (a ReLU input near 0, two maxima of a max-pool window within h of
// each other) would spoil its difference. With inputs and parameters drawn from continuous
// distributions such near-ties have probability about h per value, and exact ties have
// probability 0, except among the zeros a ReLU makes: those stay zero under a small step and have
// zero gradient whichever of them a max pool picks.
const (
	fdStep = 1e-6
	fdTol  = 1e-6
	// fdSample bounds the values checked per tensor: smaller tensors are checked whole, larger
	// ones at fdSample random values.
	fdSample = 300
)

// gradNetworks are the networks checked by finite differences: one op at a time, at awkward
// settings, between the input and a small classifier (so that the input's gradient is the op's
// backward pass), and whole networks that chain every op.
func gradNetworks(t *testing.T) map[string]string {
	nets := map[string]string{
		"conv stride 2 padding groups 3": oneLayer("6x7x6", "conv 6 kernel 3x2 stride 2 padding 1 groups 3 rounding floor"),
		"conv 2x3 stride 2x1 no bias":    oneLayer("2x5x6", "conv 3 kernel 2x3 stride 2x1 padding 0x1 bias off rounding floor"),
		"conv groups 2 1x1":              oneLayer("4x3x3", "conv 6 kernel 1 groups 2"),
		"fc":                             oneLayer("3x2x2", "fc 5"),
		"relu":                           oneLayer("2x3x3", "relu"),
		"tanh":                           oneLayer("2x3x3", "tanh"),
		"tanh after fc":                  "network t\ninput 2x2x2\nclasses 3\nf: fc 6\nx: tanh\nfc 3\nloss: softmax\n",
		"dropout":                        oneLayer("2x3x3", "dropout 0.5"),
		"adaptive 5 to 3":                oneLayer("2x5x5", "adaptive_avgpool 3"),
		"adaptive 7x6 to 3x4":            oneLayer("2x7x6", "adaptive_avgpool 3x4"),
		"specs/tiny.net":                 readSpec(t, "../../specs/tiny.net"),
		"mini alexnet":                   miniAlexNet,
	}
	for _, size := range []int{3, 4, 5} {
		for _, paper := range []string{"", " paper"} {
			// α' = 2 (paper) or 2/size: with inputs up to 2 in magnitude the sum of squares
			// outweighs k = 1 and the cross-channel term of the backward pass matters.
			nets[fmt.Sprintf("lrn %d%s", size, paper)] = oneLayer("6x2x3", fmt.Sprintf("lrn size %d alpha 2 beta 0.75 k 1%s", size, paper))
		}
	}
	for _, op := range []string{"maxpool", "avgpool"} {
		for name, c := range map[string][2]string{
			"3/2":              {"2x7x7", "3 stride 2"},
			"3/2 pad 1 ceil":   {"2x6x6", "3 stride 2 padding 1 rounding ceil"},
			"3x2 pad 1x0 ceil": {"2x6x5", "3x2 stride 2x1 padding 1x0 rounding ceil"},
			"2/2 pad 1 ceil":   {"2x5x5", "2 stride 2 padding 1 rounding ceil"},
		} {
			nets[op+" "+name] = oneLayer(c[0], op+" "+c[1])
		}
	}
	return nets
}

// miniAlexNet is AlexNet's sequence of ops at a size the reference runs in milliseconds.
const miniAlexNet = `network mini_alexnet
input 3x35x35
classes 5
conv1: conv 8 kernel 11 stride 4 padding 2 -> 8x8x8
       relu
       lrn size 5 alpha 1e-1 beta 0.75 k 2 paper
pool1: maxpool 3 stride 2 rounding ceil -> 8x4x4
conv2: conv 8 kernel 3 padding 1 groups 2 bias 1
       relu
       lrn size 5 alpha 1e-1 beta 0.75 k 2
pool2: maxpool 3 stride 2 rounding floor -> 8x1x1
fc6:   fc 16
       relu
       dropout 0.5
fc7:   fc 5
loss:  softmax
`

// TestGradientsFiniteDifferences checks Gradients, and the input's gradient, on every network of
// gradNetworks against central finite differences of the float64 forward pass.
func TestGradientsFiniteDifferences(t *testing.T) {
	nets := gradNetworks(t)
	for _, name := range slices.Sorted(maps.Keys(nets)) {
		t.Run(name, func(t *testing.T) {
			const n = 2
			net := compileSpec(t, name, nets[name])
			h := fnv.New64a()
			h.Write([]byte(name))
			rng := rand.New(rand.NewPCG(21, h.Sum64()))
			params := widenAll(randomParams(net, rng))
			x := widen(uniform(rng, size(n, net.Input), 2))
			labels := randomLabels(rng, n, net.Classes)
			masks := randomMasks(net, n, rng)

			p, err := forwardPass(net, params, x, n, labels, masks)
			require.NoError(t, err)
			grads, dx := p.backward(nil, nil)
			loss, want, err := Gradients(net, params, x, n, labels, masks)
			require.NoError(t, err)
			require.Equal(t, want, grads, "Gradients")
			lossAt := func() float64 {
				logits, err := Forward(net, params, x, n, masks)
				require.NoError(t, err)
				l, _ := SoftmaxCrossEntropy(logits, n, net.Classes, labels)
				return l
			}
			require.Equal(t, lossAt(), loss, "Gradients' loss is not Forward's")
			require.Len(t, grads, len(params), "a gradient per parameter")
			for _, p := range slices.Sorted(maps.Keys(params)) {
				checkFiniteDifferences(t, p, params[p], grads[p], lossAt, rng)
			}
			checkFiniteDifferences(t, "input", x, dx, lossAt, rng)
		})
	}
}

// checkFiniteDifferences compares grad, the analytic gradient of loss() with respect to v, with
// central differences at every value of v, or at fdSample random ones.
func checkFiniteDifferences(t *testing.T, what string, v, grad []float64, loss func() float64, rng *rand.Rand) {
	t.Helper()
	require.Len(t, grad, len(v), what)
	var scale float64
	for _, g := range grad {
		scale = max(scale, math.Abs(g))
	}
	require.NotZero(t, scale, "%s: every gradient is 0, so the check would prove nothing", what)
	indices := rng.Perm(len(v))
	if len(indices) > fdSample {
		indices = indices[:fdSample]
	}
	worst, at := 0.0, -1
	for _, j := range indices {
		orig := v[j]
		up, down := orig+fdStep, orig-fdStep
		v[j] = up
		lossUp := loss()
		v[j] = down
		lossDown := loss()
		v[j] = orig
		fd := (lossUp - lossDown) / (up - down) // the step as represented, not 2h
		if e := math.Abs(fd-grad[j]) / scale; !(e <= worst) {
			worst, at = e, j
			if !(e <= fdTol) {
				t.Errorf("%s[%d]: gradient %.12g, finite difference %.12g: error %.2g of the largest |gradient| %.3g (tolerance %g)",
					what, j, grad[j], fd, e, scale, fdTol)
			}
		}
	}
	t.Logf("%-12s %5d of %5d values, largest |gradient| %.3g, worst error %.2g at [%d]", what, len(indices), len(v), scale, worst, at)
}

// randomLabels returns n labels in 0…classes−1.
func randomLabels(rng *rand.Rand, n, classes int) []int32 {
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(rng.IntN(classes))
	}
	return labels
}

// randomMasks draws a dropout mask for every dropout layer of net: each value 0 with the layer's
// probability p, else 1/(1−p).
func randomMasks(net *compiler.Network, n int, rng *rand.Rand) map[string][]float64 {
	masks := map[string][]float64{}
	for _, l := range net.Layers {
		if d := l.Dropout(); d != nil {
			mask := make([]float64, size(n, l.Out))
			for j := range mask {
				if rng.Float64() >= d.P {
					mask[j] = 1 / (1 - d.P)
				}
			}
			masks[l.Name] = mask
		}
	}
	return masks
}

// widen converts float32 values to float64.
func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for j, v := range x {
		y[j] = float64(v)
	}
	return y
}

// widenAll converts every tensor of m to float64.
func widenAll(m map[string][]float32) map[string][]float64 {
	w := map[string][]float64{}
	for k, v := range m {
		w[k] = widen(v)
	}
	return w
}

// readSpec returns the spec at path.
func readSpec(t *testing.T, path string) string {
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(src)
}
