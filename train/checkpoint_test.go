package train

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trained returns a fake with weights, step count and learning rate of its own, and a state.
func trained() (*fakeModel, State) {
	m := newFake("fake", classes)
	rng := runtime.NewRNG(9)
	for _, p := range append(m.Params(), m.Momentum()...) {
		rng.FillNormal(p.Data, 0, 1)
	}
	m.steps, m.lr = 26, 0.25
	top5 := 0.75
	return m, State{Epoch: 2, Steps: 26, LearningRate: 0.25, Batch: 16, Seed: 3, History: []Epoch{
		{Epoch: 1, LearningRate: 0.5, TrainLoss: 1.5, Test: Metrics{Loss: 1.25, Top1: 0.5, Examples: 64}},
		{Epoch: 2, LearningRate: 0.25, TrainLoss: 0.5, Test: Metrics{Loss: 0.25, Top1: 0.875, Top5: &top5, Examples: 64}, ImagesPerSec: 1000, Seconds: 0.5},
	}}
}

func TestCheckpointRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	m, st := trained()
	require.NoError(t, WriteCheckpoint(path, m, st))

	fresh := newFake("fake", classes)
	got, err := ReadCheckpoint(path, fresh)
	require.NoError(t, err)
	assert.Equal(t, st, got)
	assert.Equal(t, int64(26), fresh.StepCount())
	assert.Equal(t, 0.25, fresh.LearningRate())
	for i, p := range m.Params() {
		assert.Equal(t, p.Data, fresh.Params()[i].Data, p.Name)
		assert.Equal(t, m.Momentum()[i].Data, fresh.Momentum()[i].Data, m.Momentum()[i].Name)
	}

	// It is a safetensors file with the model's own metadata kept.
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h, err := runtime.ReadSafetensorsHeader(f)
	require.NoError(t, err)
	assert.Equal(t, "fake", h.Metadata[networkKey])
	assert.Equal(t, "specs/fake.net", h.Metadata[specKey])
	var js State
	require.NoError(t, json.Unmarshal([]byte(h.Metadata[stateKey]), &js))
	assert.Equal(t, st, js)
	var names []string
	for _, t := range h.Tensors {
		names = append(names, t.Name)
	}
	assert.ElementsMatch(t, []string{"conv1.weight", "conv1.bias", "conv1.weight.momentum", "conv1.bias.momentum"}, names)
}

// TestHeaderReader checks that the model's metadata is read the same however Save's output is
// cut into writes, and that a stream without a whole header is an error.
func TestHeaderReader(t *testing.T) {
	m, _ := trained()
	want := map[string]string{networkKey: "fake", specKey: "specs/fake.net"}
	for _, w := range []func(io.Writer) io.Writer{
		func(w io.Writer) io.Writer { return w },
		func(w io.Writer) io.Writer { return oneByteWriter{w} },
	} {
		hr := &headerReader{}
		require.ErrorIs(t, m.Save(w(hr)), errHeaderRead)
		assert.Equal(t, want, hr.meta)
	}

	short := &headerReader{}
	n, err := short.Write([]byte{16, 0, 0, 0, 0, 0, 0, 0, '{'})
	require.NoError(t, err)
	require.Equal(t, 9, n)
	require.Nil(t, short.meta)
	_, err = (&headerReader{}).Write([]byte{4, 0, 0, 0, 0, 0, 0, 0, '[', ']', ' ', ' '})
	require.Error(t, err)
	_, err = (&headerReader{}).Write([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0})
	require.ErrorContains(t, err, "over the limit")
}

type oneByteWriter struct{ w io.Writer }

func (o oneByteWriter) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := o.w.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// TestCheckpointOfAnotherNetwork checks that a checkpoint of another spec is refused with an
// error naming the file and both networks, leaving the model unchanged.
func TestCheckpointOfAnotherNetwork(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	other := newFake("other", classes)
	require.NoError(t, WriteCheckpoint(path, other, State{Epoch: 0, Batch: 1, LearningRate: 1}))
	m := newFake("fake", classes)
	before := append([]float32(nil), m.params[0].Data...)
	_, err := ReadCheckpoint(path, m)
	require.EqualError(t, err, path+": a checkpoint of network other (specs/other.net), not of fake (specs/fake.net); choose another output directory or the matching model")
	assert.Equal(t, before, m.params[0].Data)
	assert.Zero(t, m.StepCount())
}

// TestCheckpointNonFinite checks that a checkpoint holding a NaN or an infinity is refused with
// an error naming each tensor and the index of its first such value, leaving the model unchanged.
func TestCheckpointNonFinite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	m, st := trained()
	m.params[0].Data[side+2] = float32(math.NaN())
	m.moments[1].Data[2] = float32(math.Inf(-1))
	m.moments[1].Data[3] = float32(math.Inf(1))
	require.NoError(t, WriteCheckpoint(path, m, st))

	fresh := newFake("fake", classes)
	before := append([]float32(nil), fresh.params[0].Data...)
	_, err := ReadCheckpoint(path, fresh)
	require.EqualError(t, err, path+": safetensors: conv1.bias.momentum[2] is -Inf, and 1 more of its values are not finite; weights must be finite\n"+
		"safetensors: conv1.weight[0,0,1,2] (flat index 10) is NaN; weights must be finite")
	assert.Equal(t, before, fresh.params[0].Data)
	assert.Zero(t, fresh.StepCount())
}

// TestCheckpointLongNetwork checks that the error for a checkpoint of another network quotes at
// most a few dozen characters of its metadata.
func TestCheckpointLongNetwork(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	long := strings.Repeat("é", 1<<19)
	require.NoError(t, WriteCheckpoint(path, newFake(long, classes), State{Epoch: 0, Batch: 1, LearningRate: 1}))
	_, err := ReadCheckpoint(path, newFake("fake", classes))
	// 32 characters each, then the length (dsl.Short)
	network := strings.Repeat("é", 32) + "… (524288 characters)"
	spec := "specs/" + strings.Repeat("é", 26) + "… (524298 characters)"
	require.EqualError(t, err, path+": a checkpoint of network "+network+" ("+spec+"), not of fake (specs/fake.net); choose another output directory or the matching model")
}

func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	m, st := trained()

	// Weights without training state: the model's own Save.
	plain := filepath.Join(dir, "plain.safetensors")
	var buf bytes.Buffer
	require.NoError(t, m.Save(&buf))
	require.NoError(t, os.WriteFile(plain, buf.Bytes(), 0o644))
	_, err := ReadCheckpoint(plain, newFake("fake", classes))
	require.ErrorContains(t, err, plain+": weights of fake without training state")

	// Same network name, other shapes: Load's error, with the file's name.
	good := filepath.Join(dir, "good.safetensors")
	require.NoError(t, WriteCheckpoint(good, m, st))
	_, err = ReadCheckpoint(good, newFake("fake", classes+1))
	require.ErrorContains(t, err, good+": ")
	require.ErrorContains(t, err, "conv1.bias: shape [4] in file, model has [5]")

	// Cut short, in the header and in the data.
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	for _, n := range []int{0, 5, 100, len(data) - 3} {
		cut := filepath.Join(dir, "cut.safetensors")
		require.NoError(t, os.WriteFile(cut, data[:n], 0o644))
		fresh := newFake("fake", classes)
		_, err := ReadCheckpoint(cut, fresh)
		require.ErrorContains(t, err, cut+": ", "cut at %d", n)
	}

	// Not safetensors at all; no metadata; state that is not JSON, or inconsistent.
	junk := filepath.Join(dir, "junk")
	require.NoError(t, os.WriteFile(junk, []byte("PK\x03\x04 a zip file, say"), 0o644))
	_, err = ReadCheckpoint(junk, newFake("fake", classes))
	require.ErrorContains(t, err, junk+": not a checkpoint")
	for name, meta := range map[string]map[string]string{
		"has no netc.network": {"format": "pt"},
		"its netc.train":      {networkKey: "fake", stateKey: "{"},
		"is inconsistent:":    {networkKey: "fake", stateKey: `{"epoch":2,"batch":16,"learning_rate":0.1,"history":[]}`},
		"learning rate -1,":   {networkKey: "fake", stateKey: `{"epoch":0,"batch":16,"learning_rate":-1}`},
	} {
		path := filepath.Join(dir, "meta.safetensors")
		var buf bytes.Buffer
		require.NoError(t, runtime.WriteSafetensors(&buf, m.Params(), meta))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		_, err := ReadCheckpoint(path, newFake("fake", classes))
		require.ErrorContains(t, err, path+": ")
		require.ErrorContains(t, err, name)
	}

	_, err = ReadCheckpoint(filepath.Join(dir, "missing"), newFake("fake", classes))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestWriteAtomic checks that a failed write leaves the previous file as it was and no
// temporary file behind.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, CheckpointFile)
	m, st := trained()
	require.NoError(t, WriteCheckpoint(path, m, st))
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	m.saveErr = errSave
	st.Epoch = 3
	err = WriteCheckpoint(path, m, st)
	require.ErrorIs(t, err, errSave)
	require.ErrorContains(t, err, "writing checkpoint "+path)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	assertOnly(t, dir, CheckpointFile)

	// A write that fails half-way.
	err = writeAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial output"))
		return errSave
	})
	require.ErrorIs(t, err, errSave)
	after, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	assertOnly(t, dir, CheckpointFile)

	require.Error(t, writeAtomic(filepath.Join(dir, "no such dir", "x"), func(io.Writer) error { return nil }))
	require.NoError(t, writeAtomic(filepath.Join(dir, "new"), func(w io.Writer) error {
		_, err := w.Write([]byte("hello"))
		return err
	}))
	got, err := os.ReadFile(filepath.Join(dir, "new"))
	require.NoError(t, err)
	assert.Equal(t, "hello", string(got))
	info, err := os.Stat(filepath.Join(dir, "new"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	assertOnly(t, dir, CheckpointFile, "new")

	// The temporary files of runs killed while writing (kill -9) go with the next write.
	for _, stale := range []string{".checkpoint.safetensors.tmp-123", ".checkpoint.safetensors.tmp-456"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, stale), []byte("half"), 0o600))
	}
	m.saveErr = nil
	require.NoError(t, WriteCheckpoint(path, m, st))
	assertOnly(t, dir, CheckpointFile, "new")
}

// assertOnly checks that dir holds exactly the files names.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got)
}
