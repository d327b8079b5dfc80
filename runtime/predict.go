package runtime

import (
	"encoding/json"
	"fmt"
	"math"
)

// Metadata keys netc writes into safetensors files.
const (
	// NetworkKey and SpecKey hold the network's name and its spec's path: the generated Save
	// writes them.
	NetworkKey = "netc.network"
	SpecKey    = "netc.spec"
	// ClassesKey holds the names of a trained model's classes, in the order of its outputs, as a
	// JSON list of strings: the class folders of the data set it was trained on.
	ClassesKey = "netc.classes"
	// TrainKey holds the training state of a checkpoint (package train), which also holds the
	// optimiser's momentum beside the weights.
	TrainKey = "netc.train"
)

// ClassNames returns the class names a file's metadata holds under ClassesKey, or nil if it has
// none.
func (h SafetensorsHeader) ClassNames() ([]string, error) {
	js, ok := h.Metadata[ClassesKey]
	if !ok {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal([]byte(js), &names); err != nil {
		return nil, fmt.Errorf("safetensors: metadata %s is not a JSON list of names: %v", ClassesKey, err)
	}
	return names, nil
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
		row := logits[i*classes : (i+1)*classes]
		top := row[0]
		for _, v := range row {
			top = max(top, v)
		}
		var sum float64
		for j, v := range row {
			e[j] = math.Exp(float64(v - top))
			sum += e[j]
		}
		for j := range row {
			probs[j] += e[j] / sum / float64(rows)
		}
	}
	return probs
}
