package reference

import (
	"fmt"
	"math"
)

// SoftmaxCrossEntropy is PyTorch's torch.nn.functional.cross_entropy(logits, labels) (mean
// reduction) together with the softmax it implies. For image i with logits z = logits[i, :]:
//
//	m           = max_k z[k]
//	probs[i, k] = exp(z[k] − m) / Σ_j exp(z[j] − m)
//	lse_i       = m + log Σ_j exp(z[j] − m)          (= log Σ_j exp z[j])
//	loss        = (1/n) Σ_i (lse_i − z[labels[i]])
//
// Subtracting the maximum keeps every exponent ≤ 0, so large logits neither overflow nor lose the
// loss. It panics on a label outside 0…classes−1.
func SoftmaxCrossEntropy[T Float](logits []T, n, classes int, labels []int32) (loss float64, probs []float64) {
	mustLen("logits", logits, n*classes)
	checkLabels(labels, n, classes)
	probs = softmax(logits, n, classes)
	for i := range n {
		z := logits[i*classes : (i+1)*classes]
		loss += logSumExp(z) - float64(z[labels[i]])
	}
	if n > 0 {
		loss /= float64(n)
	}
	return loss, probs
}

// SoftmaxCrossEntropyBackward is the gradient of SoftmaxCrossEntropy's mean loss with respect to
// the logits, given the probabilities it returned:
//
//	dz[i, k] = (probs[i, k] − [k = labels[i]]) / n
func SoftmaxCrossEntropyBackward(probs []float64, n, classes int, labels []int32) []float64 {
	mustLen("probabilities", probs, n*classes)
	checkLabels(labels, n, classes)
	dz := make([]float64, len(probs))
	for i := range n {
		for k := range classes {
			p := probs[i*classes+k]
			if k == int(labels[i]) {
				p--
			}
			dz[i*classes+k] = p / float64(n)
		}
	}
	return dz
}

// checkLabels panics unless there is one label per image, each in 0…classes−1.
func checkLabels(labels []int32, n, classes int) {
	if err := labelError(labels, n, classes); err != nil {
		panic("reference: " + err.Error())
	}
}

// labelError reports a wrong number of labels or a label outside 0…classes−1.
func labelError(labels []int32, n, classes int) error {
	if len(labels) != n {
		return fmt.Errorf("%d labels for %d images", len(labels), n)
	}
	for i, label := range labels {
		if label < 0 || int(label) >= classes {
			return fmt.Errorf("label %d of image %d is not in 0…%d", label, i, classes-1)
		}
	}
	return nil
}

// softmax is each image's softmax over its classes logits, exp(z[k] − m) / Σ_j exp(z[j] − m)
// with m the image's largest logit.
func softmax[T Float](logits []T, n, classes int) []float64 {
	mustLen("logits", logits, n*classes)
	probs := make([]float64, n*classes)
	for i := range n {
		z := logits[i*classes : (i+1)*classes]
		m := maxOf(z)
		var sum float64
		for _, v := range z {
			sum += math.Exp(float64(v) - m)
		}
		for k, v := range z {
			probs[i*classes+k] = math.Exp(float64(v)-m) / sum
		}
	}
	return probs
}

// logSumExp is log Σ_k exp(z[k]), computed as m + log Σ_k exp(z[k] − m) with m the largest z[k].
func logSumExp[T Float](z []T) float64 {
	m := maxOf(z)
	var sum float64
	for _, v := range z {
		sum += math.Exp(float64(v) - m)
	}
	return m + math.Log(sum)
}

// maxOf is the largest value of z, −∞ when z is empty.
func maxOf[T Float](z []T) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, float64(v))
	}
	return m
}
