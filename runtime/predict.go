package runtime

import (
	"encoding/json"
	"fmt"
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
