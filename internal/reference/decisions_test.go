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
			return Decision{Layer: "x", Index: j, Other: -1, Max: -1}, crossed
		}},
		{"maxpool", "maxpool 3 stride 2 padding 1 rounding ceil", func(l *compiler.Layer, x []float64, j int) (Decision, []float64) {
			i, c, oh, ow := unflat(l.Out, j)
			best, _, arg, other := runnerUp(x, i, c, oh, ow, l.In, l.Pool())
			x[other] = best - tiny
			crossed := append([]float64(nil), x...)
			crossed[other] = best + tiny
			return Decision{Layer: "x", Index: j, Other: other, Max: arg}, crossed
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
			assert.Equal(t, want.Max, near[0].Max)
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

// TestTiesOfOverlappingWindows puts a near tie where two windows of a 3×3, stride-2 max pool
// overlap: both windows make the same comparison, NearDecisions lists both, Ties makes them one,
// and only taking both the other way gives the gradients of the input with the tie crossed.
func TestTiesOfOverlappingWindows(t *testing.T) {
	const n, tiny = 1, 1e-9
	net := compileSpec(t, "overlap", oneLayer("1x5x5", "maxpool 3 stride 2"))
	rng := rand.New(rand.NewPCG(41, 42))
	params := widenAll(randomParams(net, rng))
	x := widen(uniform(rng, size(n, net.Input), 1))
	labels := randomLabels(rng, n, net.Classes)
	// Column 2 of rows 0–2 is in the windows of outputs (0, 0) and (0, 1): its rows 0 and 1 are
	// the largest inputs of both, 1e-9 apart.
	in := net.Input
	x[at(in, 0, 0, 0, 2)], x[at(in, 0, 0, 1, 2)] = 5, 5-tiny
	crossed := append([]float64(nil), x...)
	crossed[at(in, 0, 0, 1, 2)] = 5 + tiny

	near, err := NearDecisions(net, params, x, n, labels, nil, 1e-6)
	require.NoError(t, err)
	require.Len(t, near, 2, "%v", near)
	ties := Ties(near)
	require.Len(t, ties, 1, "%v", ties)
	assert.Len(t, ties[0], 2)
	assert.Equal(t, at(in, 0, 0, 0, 2), near[0].Max)
	assert.Equal(t, at(in, 0, 0, 1, 2), near[0].Other)

	q, err := forwardPass(net, params, crossed, n, labels, nil)
	require.NoError(t, err)
	wantGrads, _ := q.backward(nil, nil)
	_, both, err := GradientsFlipped(net, params, x, n, labels, nil, ties[0])
	require.NoError(t, err)
	_, one, err := GradientsFlipped(net, params, x, n, labels, nil, ties[0][:1])
	require.NoError(t, err)
	for name := range wantGrads {
		assert.InDeltaSlice(t, wantGrads[name], both[name], 1e-8, name)
	}
	assert.NotEqual(t, wantGrads, one, "taking one of the two windows the other way is enough")
}

func TestTiesGroupsComparisons(t *testing.T) {
	relu := Decision{Layer: "r", Index: 7, Other: -1, Max: -1}
	a := Decision{Layer: "p", Index: 1, Other: 7, Max: 8, Margin: 1e-7}
	b := Decision{Layer: "p", Index: 2, Other: 7, Max: 8, Margin: 1e-7}
	c := Decision{Layer: "p", Index: 4, Other: 7, Max: 9, Margin: 2e-7}
	d := Decision{Layer: "q", Index: 2, Other: 7, Max: 8, Margin: 3e-7}
	assert.Equal(t, [][]Decision{{a, b}, {relu}, {c}, {d}}, Ties([]Decision{a, relu, c, b, d}))
	assert.Equal(t, [][]Decision{{relu, relu}}, Ties([]Decision{relu, relu}), "one ReLU input")
	// Two windows that would take ReLU input 7, each with its first zero its maximum, are one
	// tie with that ReLU's own decision.
	e := Decision{Layer: "p", Index: 5, Other: 7, Max: 3, Also: []Decision{relu}}
	f := Decision{Layer: "p", Index: 6, Other: 7, Max: 6, Also: []Decision{relu}}
	assert.Equal(t, [][]Decision{{e, relu, f}, {a}}, Ties([]Decision{e, relu, a, f}))
	assert.Equal(t, []Decision{{Layer: "p", Index: 5, Other: 7, Max: 3}, relu, {Layer: "p", Index: 6, Other: 7, Max: 6}, a},
		Flatten([]Decision{e, relu, f, a}), "Flatten")
	assert.Empty(t, Ties(nil))
}

// TestNearZeroThroughReLU puts a ReLU input 1e-9 below 0 in a max-pool window whose inputs are
// all ReLU zeros: NearDecisions lists the window's decision with the ReLU's, and taking them the
// other way gives the gradients of the network whose ReLU input is 1e-9 above 0 instead.
func TestNearZeroThroughReLU(t *testing.T) {
	const n, tiny = 1, 1e-9
	net := compileSpec(t, "chain", oneLayer("1x4x4", "relu\n  p: maxpool 2 stride 2"))
	rng := rand.New(rand.NewPCG(43, 44))
	params := widenAll(randomParams(net, rng))
	x := widen(uniform(rng, size(n, net.Input), 1))
	in := net.Input
	for h := range 2 { // output (0, 0)'s window: all below 0, one just below
		for w := range 2 {
			x[at(in, 0, 0, h, w)] = -0.5
		}
	}
	x[at(in, 0, 0, 1, 1)] = -tiny
	crossed := append([]float64(nil), x...)
	crossed[at(in, 0, 0, 1, 1)] = tiny
	labels := randomLabels(rng, n, net.Classes)

	near, err := NearDecisions(net, params, x, n, labels, nil, 1e-6)
	require.NoError(t, err)
	require.Len(t, near, 1, "%v", near)
	assert.Equal(t, at(in, 0, 0, 1, 1), near[0].Other)
	assert.Equal(t, at(in, 0, 0, 0, 0), near[0].Max)
	require.Len(t, near[0].Also, 1)
	assert.Equal(t, net.Layers[0].Name, near[0].Also[0].Layer)

	q, err := forwardPass(net, params, crossed, n, labels, nil)
	require.NoError(t, err)
	wantGrads, wantDx := q.backward(nil, nil)
	p, err := forwardPass(net, params, x, n, labels, nil)
	require.NoError(t, err)
	grads, dx := p.backward(near, nil)
	_, plainDx := p.backward(nil, nil)
	assert.InDeltaSlice(t, wantDx, dx, 1e-8, "the input's gradient")
	for name := range wantGrads {
		assert.InDeltaSlice(t, wantGrads[name], grads[name], 1e-8, name)
	}
	assert.NotEqual(t, plainDx, dx, "the flip changes nothing")
	// The window's decision alone routes the gradient to an input the ReLU blocks.
	_, alone := p.backward([]Decision{{Layer: near[0].Layer, Index: near[0].Index, Other: near[0].Other, Max: near[0].Max}}, nil)
	assert.Equal(t, plainDx, alone, "without the ReLU's decision")
}
