package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/netc-project/netc/dsl"
	"github.com/netc-project/netc/runtime"
)

// State is the training state a checkpoint holds besides the weights.
type State struct {
	Epoch        int     `json:"epoch"`         // epochs done
	Steps        int64   `json:"steps"`         // the model's StepCount
	LearningRate float64 `json:"learning_rate"` // the model's LearningRate
	Batch        int     `json:"batch"`         // the batch size the run trains with
	Seed         uint64  `json:"seed"`          // the seed of its data order and augmentation
	History      []Epoch `json:"history"`       // what each epoch done measured
}

// The safetensors metadata keys a checkpoint uses: the model's own, which generated models
// write, and the training state.
const (
	networkKey = runtime.NetworkKey
	specKey    = runtime.SpecKey
	stateKey   = runtime.TrainKey
)

// WriteCheckpoint writes a checkpoint of m with state st to path, atomically: a reader never
// sees a partly written checkpoint, and on error the previous file at path is unchanged. It is a
// safetensors file holding m's parameters under their names, their optimiser momentum under the
// names Momentum gives ("conv1.weight.momentum"), and in its metadata m's own (the network and
// spec Save writes) and st, as JSON, under "netc.train".
func WriteCheckpoint(path string, m Model, st State) error {
	return writeCheckpoint(path, m, st, nil)
}

// writeCheckpoint is WriteCheckpoint with more metadata (Config.Metadata).
func writeCheckpoint(path string, m Model, st State, more map[string]string) error {
	meta, err := modelMetadata(m)
	if err != nil {
		return fmt.Errorf("writing checkpoint %s: %w", path, err)
	}
	maps.Copy(meta, more)
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("writing checkpoint %s: %w", path, err)
	}
	meta[stateKey] = string(js)
	tensors := append(slices.Clip(m.Params()), m.Momentum()...)
	err = writeAtomic(path, func(w io.Writer) error { return runtime.WriteSafetensors(w, tensors, meta) })
	if err != nil {
		return fmt.Errorf("writing checkpoint %s: %w", path, err)
	}
	return nil
}

// ReadCheckpoint loads the checkpoint at path into m: its parameters, momentum, step count and
// learning rate; it returns the checkpoint's training state. Every error names the file. A
// checkpoint of another network (its netc.network metadata differs from m's), a weights file
// without training state or momentum, tensors whose names or shapes differ from m's, and values
// that are NaN or infinite are refused, leaving m unchanged.
func ReadCheckpoint(path string, m Model) (State, error) {
	st, _, err := readCheckpoint(path, m)
	return st, err
}

// readCheckpoint is ReadCheckpoint that also returns the file's metadata.
func readCheckpoint(path string, m Model) (State, map[string]string, error) {
	own, err := modelMetadata(m)
	if err != nil {
		return State{}, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return State{}, nil, err
	}
	defer f.Close()
	h, err := runtime.ReadSafetensorsHeader(f)
	if err != nil {
		return State{}, nil, fmt.Errorf("%s: not a checkpoint: %w", path, err)
	}
	net, ok := h.Metadata[networkKey]
	switch {
	case !ok:
		return State{}, nil, fmt.Errorf("%s: not a netc checkpoint: its metadata has no %s", path, networkKey)
	case net != own[networkKey]:
		return State{}, nil, fmt.Errorf("%s: a checkpoint of network %s (%s), not of %s (%s); choose another output directory or the matching model",
			path, dsl.Short(net), dsl.Short(h.Metadata[specKey]), own[networkKey], own[specKey])
	}
	js, ok := h.Metadata[stateKey]
	if !ok {
		return State{}, nil, fmt.Errorf("%s: weights of %s without training state (no %s metadata): not a checkpoint written by train", path, net, stateKey)
	}
	var st State
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		return State{}, nil, fmt.Errorf("%s: its %s metadata: %w", path, stateKey, err)
	}
	if st.Epoch < 0 || st.Steps < 0 || st.Batch < 1 || len(st.History) != st.Epoch || !(st.LearningRate > 0) {
		return State{}, nil, fmt.Errorf("%s: its %s metadata is inconsistent: epoch %d, steps %d, batch %d, learning rate %g, %d epochs of history",
			path, stateKey, st.Epoch, st.Steps, st.Batch, st.LearningRate, len(st.History))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return State{}, nil, err
	}
	// Into fresh buffers first, so that a file cut short leaves m as it was.
	model := append(slices.Clip(m.Params()), m.Momentum()...)
	fresh := make([]runtime.Param, len(model))
	for i, p := range model {
		fresh[i] = runtime.Param{Name: p.Name, Shape: p.Shape, Data: make([]float32, len(p.Data))}
	}
	if err := runtime.ReadSafetensorsWith(f, fresh, runtime.SafetensorsOptions{}); err != nil {
		return State{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, p := range fresh {
		copy(model[i].Data, p.Data)
	}
	m.SetStepCount(st.Steps)
	m.SetLearningRate(st.LearningRate)
	return st, h.Metadata, nil
}

// writeWeights writes m's weights to path atomically, as its Save does, with more metadata.
func writeWeights(path string, m Model, more map[string]string) error {
	if len(more) == 0 {
		return writeAtomic(path, m.Save)
	}
	meta, err := modelMetadata(m)
	if err != nil {
		return err
	}
	maps.Copy(meta, more)
	return writeAtomic(path, func(w io.Writer) error { return runtime.WriteSafetensors(w, m.Params(), meta) })
}

// modelMetadata returns the safetensors metadata m's Save writes (netc.network, netc.spec, …),
// reading no more of its output than the header.
func modelMetadata(m Model) (map[string]string, error) {
	hr := &headerReader{}
	if err := m.Save(hr); err != nil && !errors.Is(err, errHeaderRead) {
		return nil, fmt.Errorf("reading the model's metadata: %w", err)
	}
	if hr.meta == nil {
		return nil, fmt.Errorf("reading the model's metadata: its Save wrote %d bytes, not a whole safetensors header", len(hr.head))
	}
	return hr.meta, nil
}

// errHeaderRead stops a Save whose output only the header was wanted of.
var errHeaderRead = errors.New("header read")

// maxHeader is the largest safetensors header headerReader accepts, as the format's readers.
const maxHeader = 100_000_000

// headerReader is the writer modelMetadata hands Save: it collects the safetensors header from
// the stream, however it is cut into writes, then stops it with errHeaderRead, leaving the
// header's metadata in meta.
type headerReader struct {
	head []byte // the header length and the header, while they arrive
	meta map[string]string
}

func (hr *headerReader) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(hr.head) < 8 {
			take := min(8-len(hr.head), len(p))
			hr.head, p = append(hr.head, p[:take]...), p[take:]
			continue
		}
		size := binary.LittleEndian.Uint64(hr.head)
		if size > maxHeader {
			return 0, fmt.Errorf("safetensors header of %d bytes is over the limit of %d", size, maxHeader)
		}
		take := min(8+int(size)-len(hr.head), len(p))
		hr.head, p = append(hr.head, p[:take]...), p[take:]
		if len(hr.head) == 8+int(size) {
			h, err := runtime.ReadSafetensorsHeader(bytes.NewReader(hr.head))
			if err != nil {
				return 0, err
			}
			hr.meta = h.Metadata
			if hr.meta == nil {
				hr.meta = map[string]string{}
			}
			return 0, errHeaderRead
		}
	}
	return n, nil
}
