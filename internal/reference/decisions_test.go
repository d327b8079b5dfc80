package reference

import (
	"math/rand/v2"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGradientsFlippedCrossesTheTie puts a ReLU input and a max-pool window 1e-9 from a tie and
// checks that NearDecisions finds exactly that decision, and that taking it the other way gives
// the gradients (of the parameters and of the input) of the same network with the tie crossed:
// the input moved 2e-9 to the other side. It also checks that the flip changes the input's
// gradient, so that the comparison is not vacuous.
func TestGradientsFlippedCrossesTheTie(t *testing.T) {
	const n, tiny = 2, 1e-9
	for _, tc := range []struct {
		name, op string
		// tie moves x to 1e-9 from the tie of layer l's output j and returns the decision and x
		// with the tie crossed.
		tie func(l *compiler.Layer, x []float64, j int) (Decision, []float64)
	}{
		{"relu", "relu", func(_ *compiler.Layer, x []float64, j int) (Decision, []float64) {
			x[j] = tiny
			crossed := append([]float64(nil), x...)
			crossed[j] = -tiny
			return Decision{Layer: "x", Index: j, Other: -1}, crossed
		}},
		{"maxpool", "maxpool 3 stride 2 padding 1 rounding ceil", func(l *compiler.Layer, x []float64, j int) (Decision, []float64) {
			i, c, oh, ow := unflat(l.Out, j)
			best, _, other := runnerUp(x, i, c, oh, ow, l.In, l.Pool())
			x[other] = best - tiny
			crossed := append([]float64(nil), x...)
			crossed[other] = best + tiny
			return Decision{Layer: "x", Index: j, Other: other}, crossed
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := compileSpec(t, tc.name, oneLayer("2x6x6", tc.op))
			rng := rand.New(rand.NewPCG(31, 32))
			params := widenAll(randomParams(net, rng))
			x := widen(uniform(rng, size(n, net.Input), 2))
			labels := randomLabels(rng, n, net.Classes)
			j := 5 // an output with a gradient
			if tc.name == "relu" {
				x[j] = 1 // so that the ReLU passes it and the classifier's gradient shows
			}
			want, crossed := tc.tie(net.Layers[0], x, j)

			near, err := NearDecisions(net, params, x, n, labels, nil, 1e-6)
			require.NoError(t, err)
			require.Len(t, near, 1, "%v", near)
			assert.Equal(t, want.Index, near[0].Index)
			assert.Equal(t, want.Other, near[0].Other)
			assert.InDelta(t, 0, near[0].Margin, 1e-8)

			p, err := forwardPass(net, params, x, n, labels, nil)
			require.NoError(t, err)
			grads, dx := p.backward(near, nil)
			_, plainDx := p.backward(nil, nil)
			q, err := forwardPass(net, params, crossed, n, labels, nil)
			require.NoError(t, err)
			wantGrads, wantDx := q.backward(nil, nil)
			assert.InDeltaSlice(t, wantDx, dx, 1e-8, "the input's gradient")
			for name := range wantGrads {
				assert.InDeltaSlice(t, wantGrads[name], grads[name], 1e-8, name)
			}
			assert.NotEqual(t, plainDx, dx, "the flip changes nothing")

			_, flipped, err := GradientsFlipped(net, params, x, n, labels, nil, near)
			require.NoError(t, err)
			assert.Equal(t, grads, flipped, "GradientsFlipped")
		})
	}
}

// TestNearDecisions checks on mini AlexNet, where ReLUs feed max pools, that the decisions come
// nearest first, all nearer than asked, none of them a tie of ReLU zeros, and that asking for a
// wider margin gives more of them.
func TestNearDecisions(t *testing.T) {
	const n = 2
	net := compileSpec(t, "mini alexnet", miniAlexNet)
	rng := rand.New(rand.NewPCG(33, 34))
	params := widenAll(randomParams(net, rng))
	x := widen(uniform(rng, size(n, net.Input), 2))
	labels := randomLabels(rng, n, net.Classes)
	narrow, err := NearDecisions(net, params, x, n, labels, nil, 1e-2)
	require.NoError(t, err)
	wide, err := NearDecisions(net, params, x, n, labels, nil, 1)
	require.NoError(t, err)
	require.NotEmpty(t, narrow)
	require.Greater(t, len(wide), len(narrow))
	for k, d := range wide {
		require.Less(t, d.Margin, 1.0)
		if k > 0 {
			require.LessOrEqual(t, wide[k-1].Margin, d.Margin, "not nearest first")
		}
		if d.Other >= 0 {
			require.NotZero(t, d.Margin, "%v: a tie of zeros", d)
		}
	}
}
