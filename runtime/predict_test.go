package runtime

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClassNames reads the class names back from a file's metadata; a file without them has
// none, and a malformed list is an error.
func TestClassNames(t *testing.T) {
	p := []Param{{Name: "w", Shape: []int{1}, Data: []float32{1}}}
	header := func(meta map[string]string) SafetensorsHeader {
		var buf bytes.Buffer
		require.NoError(t, WriteSafetensors(&buf, p, meta))
		h, err := ReadSafetensorsHeader(&buf)
		require.NoError(t, err)
		return h
	}
	names, err := header(map[string]string{ClassesKey: `["cat","dog"]`}).ClassNames()
	require.NoError(t, err)
	assert.Equal(t, []string{"cat", "dog"}, names)
	names, err = header(nil).ClassNames()
	assert.NoError(t, err)
	assert.Nil(t, names)
	_, err = header(map[string]string{ClassesKey: "cat"}).ClassNames()
	assert.ErrorContains(t, err, "netc.classes is not a JSON list of names")
}

// TestReadCheckpointAsWeights checks that a training checkpoint read as weights is one line
// saying what the file is, not a list of the momentum tensors the model has no param for; the
// same tensors without the checkpoint's metadata keep the full list.
func TestReadCheckpointAsWeights(t *testing.T) {
	w := []Param{{Name: "a.weight", Shape: []int{2}, Data: []float32{1, 2}}, {Name: "a.bias", Shape: []int{1}, Data: []float32{3}}}
	momentum := []Param{{Name: "a.weight.momentum", Shape: []int{2}, Data: []float32{0, 0}}, {Name: "a.bias.momentum", Shape: []int{1}, Data: []float32{0}}}
	file := func(meta map[string]string) *bytes.Reader {
		var buf bytes.Buffer
		require.NoError(t, WriteSafetensors(&buf, append(w[:2:2], momentum...), meta))
		return bytes.NewReader(buf.Bytes())
	}
	fresh := []Param{{Name: "a.weight", Shape: []int{2}, Data: make([]float32, 2)}, {Name: "a.bias", Shape: []int{1}, Data: make([]float32, 1)}}
	err := ReadSafetensorsWith(file(map[string]string{TrainKey: "{}"}), fresh, SafetensorsOptions{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n")
	assert.Contains(t, err.Error(), "a training checkpoint")
	assert.Equal(t, []float32{0, 0}, fresh[0].Data, "nothing read")

	err = ReadSafetensorsWith(file(nil), fresh, SafetensorsOptions{})
	assert.ErrorContains(t, err, "a.weight.momentum: in file, but the model has no such param")
	require.NoError(t, ReadSafetensorsWith(file(map[string]string{TrainKey: "{}"}), append(fresh, momentum...), SafetensorsOptions{}),
		"read with its momentum, a checkpoint is a safetensors file like any other")
	assert.Equal(t, []float32{1, 2}, fresh[0].Data)
}
