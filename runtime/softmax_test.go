package runtime

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSoftmax checks the exponentials, the maximum and the sum against a direct computation in
// float64, in both precisions of e, on logits large enough to overflow exp without the shift by
// the maximum; NaN makes the maximum NaN, and e must be as long as the logits.
func TestSoftmax(t *testing.T) {
	logits := []float32{1000, 990, -5, 1000.5}
	e64, e32 := make([]float64, 4), make([]float32, 4)
	top, sum := Softmax(e64, logits)
	top32, sum32 := Softmax(e32, logits)
	assert.Equal(t, float32(1000.5), top)
	want := []float64{math.Exp(-0.5), math.Exp(-10.5), math.Exp(-1005.5), 1}
	assert.InDeltaSlice(t, want, e64, 1e-15)
	assert.InDelta(t, want[0]+want[1]+want[2]+want[3], sum, 1e-15)
	assert.Equal(t, [2]any{top, sum}, [2]any{top32, sum32})
	for j := range e32 {
		assert.Equal(t, float32(e64[j]), e32[j], "e[%d]", j)
	}
	top, _ = Softmax(e64[:3], []float32{1, float32(math.NaN()), 3})
	assert.True(t, math.IsNaN(float64(top)))
	assert.Panics(t, func() { Softmax(e64, logits[:3]) })
	assert.Panics(t, func() { Softmax(e64[:0], logits[:0]) })
}

// TestMeanSoftmax checks the average of the rows' softmax against a direct computation, with
// logits large enough to overflow exp without the shift by the maximum.
func TestMeanSoftmax(t *testing.T) {
	logits := []float32{1, 2, 3, 1000, 1000, 990}
	got := MeanSoftmax(logits, 2, 3)
	e := func(v float64) float64 { return math.Exp(v) }
	s1 := e(1) + e(2) + e(3)
	s2 := 2 + e(-10)
	want := []float64{(e(1)/s1 + 1/s2) / 2, (e(2)/s1 + 1/s2) / 2, (e(3)/s1 + e(-10)/s2) / 2}
	assert.InDeltaSlice(t, want, got, 1e-12)
	var total float64
	for _, p := range got {
		total += p
	}
	assert.InDelta(t, 1, total, 1e-12)
	assert.Panics(t, func() { MeanSoftmax(logits, 3, 3) })
}
