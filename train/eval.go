package train

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/runtime"
)

// Metrics are a model's results on a data set.
type Metrics struct {
	Loss float64 `json:"loss"` // mean softmax cross-entropy
	Top1 float64 `json:"top1"` // the fraction of examples whose class scores highest
	// Top5 is the fraction whose class is among the five highest, or nil when the data set has
	// fewer than Top5Classes classes, where five guesses are too many to tell much.
	Top5     *float64 `json:"top5,omitempty"`
	Examples int      `json:"examples"`
}

// Top5Classes is the fewest classes for which Evaluate reports top-5 accuracy: with 20, five
// guesses are a quarter of the classes; with Fashion-MNIST's 10 they would be half, and nearly
// every example would count as right.
const Top5Classes = 20

// Evaluate runs m on every example of src, prepared by aug for evaluation (its centre crop, or
// ten crops whose softmax outputs are averaged, as the spec's augment block says), batch
// examples at a time, and returns the loss and accuracy. classes is the model's number of
// outputs. Logits that are NaN are an error.
func Evaluate(ctx context.Context, m Model, src data.Source, aug *data.Augmenter, batch, classes int) (Metrics, error) {
	l, err := data.NewLoader(ctx, src, aug, data.LoaderConfig{Batch: batch, Epochs: 1})
	if err != nil {
		return Metrics{}, err
	}
	defer l.Close()
	var (
		loss       float64
		top1, top5 int
		n          int
		logp       = make([]float64, classes) // one example's log-probabilities, averaged over crops
		crop       = make([]float64, classes) // one crop's log-softmax
	)
	for {
		b, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Metrics{}, err
		}
		if err := checkLabels(b, classes); err != nil {
			return Metrics{}, err
		}
		logits := m.Forward(b.X, b.N*b.Crops, false)
		for i := range b.N {
			for c := range b.Crops {
				logSoftmax(crop, logits[(i*b.Crops+c)*classes:][:classes])
				for j, v := range crop {
					if c == 0 {
						logp[j] = v
					} else {
						logp[j] = logAddExp(logp[j], v)
					}
				}
			}
			label := b.Labels[i]
			if math.IsNaN(logp[label]) {
				return Metrics{}, fmt.Errorf("evaluation: the model's output for example %d is NaN", b.Indices[i])
			}
			// The rank of the true class: how many score higher, or as high and come first,
			// as an argmax picks the first of equal values. Averaging over crops is a shift of
			// every log-probability by log(crops), which changes neither rank nor anything else.
			rank := 0
			for j, v := range logp {
				if v > logp[label] || (v == logp[label] && j < int(label)) {
					rank++
				}
			}
			if rank == 0 {
				top1++
			}
			if rank < 5 {
				top5++
			}
			loss -= logp[label] - math.Log(float64(b.Crops))
			n++
		}
	}
	r := Metrics{Loss: loss / float64(n), Top1: float64(top1) / float64(n), Examples: n}
	if classes >= Top5Classes {
		t := float64(top5) / float64(n)
		r.Top5 = &t
	}
	return r, nil
}

// logSoftmax sets dst to the log-softmax of logits, in float64, from runtime.Softmax's maximum
// and sum.
func logSoftmax(dst []float64, logits []float32) {
	top, sum := runtime.Softmax(dst, logits)
	lse := float64(top) + math.Log(sum)
	for j, v := range logits {
		dst[j] = float64(v) - lse
	}
}

// logAddExp returns log(eᵃ + eᵇ) without overflow or underflow.
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(a, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}
