package reference

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// sgdSpec is one fc layer with a multiplier of its own, under a train block whose weights and
// biases have multipliers too, so that every factor of the update shows.
const sgdSpec = `network sgd
input 1x1x2
classes 2
train {
    sgd     lr 0.1 momentum 0.9 decay 0.01 rule %s
    weights lr_mult 1 decay_mult 1
    biases  lr_mult 2 decay_mult 0
}
fc: fc 2 lr_mult 0.5 decay_mult 3
loss: softmax
`

// TestSGDStepHand checks two steps of both update rules against values worked out by hand, with
// every weight 1 and every bias 1, every gradient 0.5, and the learning rate 0.1 then 0.01.
//
// Weights: a = 1·0.5, d = 1·3, so a·lr = 0.05 then 0.005 and dλ = 0.03.
//
//	pytorch 1: g' = 0.5 + 0.03·1 = 0.53, v = 0.53, w = 1 − 0.05·0.53 = 0.9735
//	pytorch 2: g' = 0.5 + 0.03·0.9735 = 0.529205, v = 0.9·0.53 + 0.529205 = 1.006205,
//	           w = 0.9735 − 0.005·1.006205 = 0.968468975
//	paper 1:   v = −0.03·0.05·1 − 0.05·0.5 = −0.0265, w = 0.9735
//	paper 2:   v = 0.9·(−0.0265) − 0.03·0.005·0.9735 − 0.005·0.5 = −0.026496025,
//	           w = 0.947003975
//
// Biases: a = 2·0.5, d = 0·3, so a·lr = 0.1 then 0.01, and no decay.
//
//	pytorch:   v = 0.5, w = 1 − 0.1·0.5 = 0.95; v = 0.45 + 0.5 = 0.95, w = 0.95 − 0.01·0.95 = 0.9405
//	paper:     v = −0.05, w = 0.95; v = −0.045 − 0.005 = −0.05, w = 0.9
//
// The rules agree after the first step and part after the second, when the rate has changed.
func TestSGDStepHand(t *testing.T) {
	for _, tc := range []struct {
		rule           string
		weight1, bias1 float64
		weight2, bias2 float64
	}{
		{"pytorch", 0.9735, 0.95, 0.968468975, 0.9405},
		{"paper", 0.9735, 0.95, 0.947003975, 0.9},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			net := compileSpec(t, tc.rule, fmt.Sprintf(sgdSpec, tc.rule))
			params := map[string][]float64{"fc.weight": {1, 1, 1, 1}, "fc.bias": {1, 1}}
			grads := map[string][]float64{"fc.weight": {0.5, 0.5, 0.5, 0.5}, "fc.bias": {0.5, 0.5}}
			momentum := map[string][]float64{}
			SGDStep(net, params, grads, momentum, 0.1)
			assert.InDeltaSlice(t, []float64{tc.weight1, tc.weight1, tc.weight1, tc.weight1}, params["fc.weight"], 1e-15, "step 1")
			assert.InDeltaSlice(t, []float64{tc.bias1, tc.bias1}, params["fc.bias"], 1e-15, "step 1")
			SGDStep(net, params, grads, momentum, 0.01)
			assert.InDeltaSlice(t, []float64{tc.weight2, tc.weight2, tc.weight2, tc.weight2}, params["fc.weight"], 1e-15, "step 2")
			assert.InDeltaSlice(t, []float64{tc.bias2, tc.bias2}, params["fc.bias"], 1e-15, "step 2")
		})
	}
}

// TestSGDStepMissing checks that a missing gradient is a panic that names it.
func TestSGDStepMissing(t *testing.T) {
	net := compileSpec(t, "sgd", fmt.Sprintf(sgdSpec, "paper"))
	params := map[string][]float64{"fc.weight": {1, 1, 1, 1}, "fc.bias": {1, 1}}
	assert.PanicsWithValue(t, "reference: fc.weight's gradient has 0 values, want 4", func() {
		SGDStep(net, params, map[string][]float64{}, map[string][]float64{}, 0.1)
	})
}
