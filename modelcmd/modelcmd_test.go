package modelcmd

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/generated/fashion"
	"github.com/netc-project/netc/generated/tiny"
	"github.com/netc-project/netc/runtime"
	"github.com/netc-project/netc/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tinyNetwork = Network{
	Name: "tiny", SpecPath: "specs/tiny.net", Spec: tiny.Spec,
	NewSeeded: func(seed uint64) Model { return tiny.NewSeeded(seed) },
	Classes:   tiny.Classes, BatchSize: tiny.BatchSize, Epochs: tiny.Epochs, DefaultSeed: tiny.DefaultSeed,
	LearningRateAt: tiny.LearningRateAt,
}

// TestClassesMatch checks the one-line error of a data set whose classes are not the spec's.
func TestClassesMatch(t *testing.T) {
	s := &data.Split{Dir: "pets", Classes: []string{"cat", "dog", "eel"}}
	assert.NoError(t, ClassesMatch(s, "pets.net", 3))
	assert.EqualError(t, ClassesMatch(s, "pets.net", 2), "pets: 3 class folders (cat, dog, eel), but pets.net has classes 2; the spec's classes must be the data's")
	s.Classes = []string{"a", "b", "c", "d", "e", "f", "g"}
	assert.EqualError(t, ClassesMatch(s, "x.net", 3), "pets: 7 class folders (a, b, c, d, e, … (7 in all)), but x.net has classes 3; the spec's classes must be the data's")
	s = &data.Split{Dir: "mnist", Classes: make([]string, 10), IDX: true}
	assert.EqualError(t, ClassesMatch(s, "x.net", 3), "mnist: IDX files of 10 classes, but x.net has classes 3; the spec's classes must be the data's")
}

// TestLoadWeights loads a weights file with class names, a checkpoint (its weights; the rest
// ignored), and refuses weights of another network in one line.
func TestLoadWeights(t *testing.T) {
	dir := t.TempDir()
	trained := tiny.NewSeeded(7)
	names := `["0","1","2","3","4","5","6","7","8","9"]`
	weights := filepath.Join(dir, "weights.safetensors")
	var buf bytes.Buffer
	require.NoError(t, runtime.WriteSafetensors(&buf, trained.Params(), map[string]string{
		runtime.NetworkKey: "tiny", runtime.SpecKey: "specs/tiny.net", runtime.ClassesKey: names}))
	require.NoError(t, os.WriteFile(weights, buf.Bytes(), 0o644))
	m := tiny.New()
	got, err := LoadWeights(m, tinyNetwork, weights)
	require.NoError(t, err)
	assert.Len(t, got, 10)
	assert.Equal(t, trained.Params()[0].Data, m.Params()[0].Data)

	checkpoint := filepath.Join(dir, train.CheckpointFile)
	require.NoError(t, train.WriteCheckpoint(checkpoint, trained, train.State{Batch: 4, Seed: 1, LearningRate: 0.1}))
	m = tiny.New()
	got, err = LoadWeights(m, tinyNetwork, checkpoint)
	require.NoError(t, err)
	assert.Nil(t, got, "a checkpoint without class names")
	assert.Equal(t, trained.Params()[3].Data, m.Params()[3].Data)

	other := filepath.Join(dir, "fashion.safetensors")
	f, err := os.Create(other)
	require.NoError(t, err)
	require.NoError(t, fashion.New().Save(f))
	f.Close()
	_, err = LoadWeights(tiny.New(), tinyNetwork, other)
	assert.EqualError(t, err, other+": weights of network fashion (specs/fashion.net), not of tiny (specs/tiny.net)")
}

// TestUsage checks misuse: exit status 2 and a message that says what is wrong.
func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train"}, "netc train: -data DIR is required"},
		{[]string{"train", "-data", "x", "-epochs", "0", "-limit", "-1"}, "netc train: -epochs 0: at least 1; -limit -1: at least 0"},
		{[]string{"predict", "img.png"}, "netc predict: -weights FILE is required"},
		{[]string{"predict", "-weights", "w", "-top", "0"}, "netc predict: -top 0: at least 1; no image to classify"},
		{[]string{"frobnicate"}, "usage: "},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, Run(context.Background(), tinyNetwork, c.args, &stdout, &stderr), "%q", c.args)
		assert.Contains(t, stderr.String(), c.want, "%q", c.args)
	}
	var stderr bytes.Buffer
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(&stderr)
	assert.Equal(t, 0, Train(context.Background(), tinyNetwork, fs, TrainOptions{}, []string{"-h"}, &stderr, &stderr))
	assert.Contains(t, stderr.String(), "-resume")
}
