package runtime

import (
	"fmt"
	"math"
)

// Softmax sets e[j] = exp(logits[j] − top) for every j, top being the largest of logits, and
// returns top and sum, the sum of the exponentials: the softmax of logits is e[j]/sum, its
// logarithm logits[j] − top − log(sum). Each difference is rounded to float32, its exponential
// taken in float64 and rounded to e's type; sum adds the float64 exponentials in order. e is
// float32 where the caller keeps them so (the generated loss writes them into the logits'
// gradient), float64 otherwise. NaN among the logits makes top NaN. It panics unless e is as
// long as logits, and logits is not empty.
func Softmax[F float32 | float64](e []F, logits []float32) (top float32, sum float64) {
	if len(e) != len(logits) || len(logits) == 0 {
		panic(fmt.Sprintf("runtime: Softmax of %d logits into %d values", len(logits), len(e)))
	}
	top = logits[0]
	for _, v := range logits {
		top = max(top, v)
	}
	for j, v := range logits {
		x := math.Exp(float64(v - top))
		e[j], sum = F(x), sum+x
	}
	return top, sum
}

// MeanSoftmax returns the softmax of each of the rows of logits (rows × classes values, as a
// model's Forward returns them), averaged over the rows, in float64: the probabilities of the
// classes of one image evaluated on several crops, one row each, as the AlexNet paper averages
// its ten crops' predictions. It panics if logits does not hold rows × classes values.
func MeanSoftmax(logits []float32, rows, classes int) []float64 {
	if rows < 1 || classes < 1 || len(logits) != rows*classes {
		panic(fmt.Sprintf("runtime: MeanSoftmax of %d values as %d rows of %d classes", len(logits), rows, classes))
	}
	probs, e := make([]float64, classes), make([]float64, classes)
	for i := range rows {
		_, sum := Softmax(e, logits[i*classes:(i+1)*classes])
		for j, v := range e {
			probs[j] += v / sum / float64(rows)
		}
	}
	return probs
}
