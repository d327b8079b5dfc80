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
func SoftmaxCrossEntropy(logits []float32, n, classes int, labels []int32) (loss float64, probs []float64) {
	mustLen("logits", logits, n*classes)
	if len(labels) != n {
		panic(fmt.Sprintf("reference: %d labels for %d images", len(labels), n))
	}
	probs = softmax(logits, n, classes)
	for i := range n {
		label := int(labels[i])
		if label < 0 || label >= classes {
			panic(fmt.Sprintf("reference: label %d of image %d is not in 0…%d", label, i, classes-1))
		}
		z := logits[i*classes : (i+1)*classes]
		loss += logSumExp(z) - float64(z[label])
	}
	if n > 0 {
		loss /= float64(n)
	}
	return loss, probs
}

// softmax is each image's softmax over its classes logits, exp(z[k] − m) / Σ_j exp(z[j] − m)
// with m the image's largest logit.
func softmax(logits []float32, n, classes int) []float64 {
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
func logSumExp(z []float32) float64 {
	m := maxOf(z)
	var sum float64
	for _, v := range z {
		sum += math.Exp(float64(v) - m)
	}
	return m + math.Log(sum)
}

// maxOf is the largest value of z, −∞ when z is empty.
func maxOf(z []float32) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, float64(v))
	}
	return m
}
