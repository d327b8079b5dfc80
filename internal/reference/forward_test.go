package reference

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestForwardTiny runs specs/tiny.net, which has every kind of layer, and checks the sizes of
// the logits and of every layer's output, that the trace agrees with Forward, that the softmax
// layer's entry holds probabilities, and that dropout is the identity without a mask.
func TestForwardTiny(t *testing.T) {
	net := compileFile(t, "../../specs/tiny.net")
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 3
	params := randomParams(net, rng)
	x := uniform(rng, size(n, net.Input), 2)

	logits, err := Forward(net, params, x, n, nil)
	require.NoError(t, err)
	assert.Len(t, logits, n*net.Classes)

	trace, err := ForwardTrace(net, params, x, n, nil)
	require.NoError(t, err)
	assert.Len(t, trace, len(net.Layers))
	identity := map[compiler.Op]bool{compiler.OpDropout: true, compiler.OpFlatten: true} // without a mask
	for j, l := range net.Layers {
		require.Len(t, trace[l.Name], size(n, l.Out), l.Name)
		for _, v := range trace[l.Name] {
			require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "%s: %v", l.Name, v)
		}
		if l.Op.IsLoss() {
			assert.Equal(t, logits, trace[net.Layers[j-1].Name], "the logits are the softmax layer's input")
			for i := range n {
				var sum float64
				for _, p := range trace[l.Name][i*net.Classes : (i+1)*net.Classes] {
					assert.True(t, p > 0 && p < 1, "probability %v", p)
					sum += float64(p)
				}
				assert.InDelta(t, 1, sum, 1e-6, "image %d", i)
			}
		}
		if identity[l.Op] {
			assert.Equal(t, trace[net.Layers[j-1].Name], trace[l.Name], "%s is the identity here", l.Name)
		}
		if l.Op == compiler.OpReLU {
			assert.True(t, slices.Min(trace[l.Name]) == 0, "%s: some value should have been cut", l.Name)
		}
		if l.Op == compiler.OpTanh {
			assert.True(t, slices.Min(trace[l.Name]) > -1 && slices.Max(trace[l.Name]) < 1, "%s: values outside (−1, 1)", l.Name)
		}
	}
}

// TestForwardDropoutMask checks that a dropout mask is applied: with every value of tiny's one
// dropout layer dropped, the next layer, the last fc, outputs its bias for every image.
func TestForwardDropoutMask(t *testing.T) {
	net := compileFile(t, "../../specs/tiny.net")
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 2
	params := randomParams(net, rng)
	x := uniform(rng, size(n, net.Input), 2)
	var drop, last *compiler.Layer
	for j, l := range net.Layers {
		if l.Op == compiler.OpDropout {
			drop, last = l, net.Layers[j+1]
		}
	}
	require.NotNil(t, drop)
	require.Equal(t, compiler.OpFC, last.Op)

	masks := map[string][]float32{drop.Name: make([]float32, size(n, drop.Out))}
	logits, err := Forward(net, params, x, n, masks)
	require.NoError(t, err)
	bias := params[last.Name+".bias"]
	assert.Equal(t, append(slices.Clone(bias), bias...), logits)
}

// TestForwardErrors checks that bad parameters, masks and inputs are errors that name the
// problem, not panics.
func TestForwardErrors(t *testing.T) {
	net := compileFile(t, "../../specs/tiny.net")
	rng := rand.New(rand.NewPCG(9, 10))
	good := randomParams(net, rng)
	x := uniform(rng, size(2, net.Input), 1)
	with := func(change func(map[string][]float32)) map[string][]float32 {
		p := map[string][]float32{}
		for k, v := range good {
			p[k] = v
		}
		change(p)
		return p
	}
	for _, tc := range []struct {
		name   string
		params map[string][]float32
		masks  map[string][]float32
		x      []float32
		want   string
	}{
		{"missing weight", with(func(p map[string][]float32) { delete(p, "c1.weight") }), nil, x, "c1: the parameter c1.weight is missing"},
		{"missing bias", with(func(p map[string][]float32) { delete(p, "fc2.bias") }), nil, x, "fc2: the parameter fc2.bias is missing"},
		{"short weight", with(func(p map[string][]float32) { p["fc1.weight"] = p["fc1.weight"][1:] }), nil, x,
			"fc1: the parameter fc1.weight has 767 values, but its shape [16 48] needs 768"},
		{"unknown parameter", with(func(p map[string][]float32) { p["c2.bias"] = make([]float32, 12) }), nil, x,
			"tiny: no layer has the parameter c2.bias"},
		{"mask of a non-dropout layer", good, map[string][]float32{"fc1": make([]float32, 32)}, x,
			"tiny: there is a mask for fc1, which is not a dropout layer"},
		{"short mask", good, map[string][]float32{"fc1.dropout": make([]float32, 31)}, x,
			"fc1.dropout: the dropout mask has 31 values, but 2 images of 16 need 32"},
		{"short input", good, nil, x[1:], "tiny: the input has 1535 values, but 2 images of 3x16x16 need 1536"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Forward(net, tc.params, tc.x, 2, tc.masks)
			assert.EqualError(t, err, tc.want)
			_, err = ForwardTrace(net, tc.params, tc.x, 2, tc.masks)
			assert.EqualError(t, err, tc.want)
		})
	}
}
