package train

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const classes = 4

// config trains a fake on stripes for epochs epochs, writing to dir, logging to log.
func config(dir string, epochs int, log io.Writer) Config {
	return Config{
		Train: stripes(200, classes, 1), Test: stripes(64, classes, 2), Augmenter: plainAugmenter(),
		Classes: classes, Batch: 16, Epochs: epochs,
		Schedule: func(e int) float64 { return 0.5 / float64(1+e) },
		Seed:     3, Dir: dir, Log: log,
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	m := newFake("fake", classes)
	history, err := Run(context.Background(), m, config(dir, 3, &log))
	require.NoError(t, err)
	require.Len(t, history, 3)
	for i, e := range history {
		assert.Equal(t, i+1, e.Epoch)
		assert.Equal(t, 0.5/float64(1+i), e.LearningRate, "the schedule's rate")
		assert.Equal(t, 64, e.Test.Examples)
		assert.Nil(t, e.Test.Top5, "top-5 with %d classes", classes)
		assert.Positive(t, e.ImagesPerSec)
	}
	assert.Greater(t, history[2].Test.Top1, 0.9, "the fake learns the stripes")
	assert.Less(t, history[2].TrainLoss, history[0].TrainLoss)
	assert.Equal(t, int64(3*13), m.StepCount(), "13 batches of 16 in 200 images, 3 epochs")

	out := log.String()
	for _, want := range []string{"epoch 1/3  lr 0.5 ", "epoch 3/3  lr 0.1667", "top-1 ", "img/s"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "\r", "no bar drawn into a buffer")
	assert.NotContains(t, out, "top-5")

	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.ElementsMatch(t, []string{CheckpointFile, WeightsFile, PlotFile, "conv1" + FiltersSuffix}, names, "and no temporary files")
	decodePNG(t, filepath.Join(dir, PlotFile))
	img := decodePNG(t, filepath.Join(dir, "conv1"+FiltersSuffix))
	assert.Equal(t, 2*(48+filterGap)+filterGap, img.Bounds().Dx(), "4 filters of 8×8 scaled ×6, in 2 columns")

	st, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile), newFake("fake", classes))
	require.NoError(t, err)
	assert.Equal(t, 3, st.Epoch)
	assert.Equal(t, history, st.History)

	// The weights file is the trained weights, for the model's Load.
	f, err := os.Open(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	defer f.Close()
	loaded := newFake("fake", classes)
	require.NoError(t, loaded.Load(f))
	for i, p := range loaded.Params() {
		assert.Equal(t, m.Params()[i].Data, p.Data, p.Name)
	}
}

// TestResume checks that a run stopped after two epochs and resumed for two more ends exactly
// where an uninterrupted run of four does: weights, step count, and every epoch's results.
func TestResume(t *testing.T) {
	whole := newFake("fake", classes)
	want, err := Run(context.Background(), whole, config(t.TempDir(), 4, nil))
	require.NoError(t, err)

	dir := t.TempDir()
	_, err = Run(context.Background(), newFake("fake", classes), config(dir, 2, nil))
	require.NoError(t, err)
	var log bytes.Buffer
	cfg := config(dir, 4, &log)
	cfg.Resume = true
	resumed := newFake("fake", classes)
	got, err := Run(context.Background(), resumed, cfg)
	require.NoError(t, err)
	assert.Contains(t, log.String(), "2 epochs done")

	require.Len(t, got, 4)
	for i := range want {
		want[i].ImagesPerSec, want[i].Seconds, got[i].ImagesPerSec, got[i].Seconds = 0, 0, 0, 0
	}
	assert.Equal(t, want, got)
	assert.Equal(t, whole.StepCount(), resumed.StepCount())
	assert.Equal(t, whole.LearningRate(), resumed.LearningRate())
	for i, p := range whole.Params() {
		assert.Equal(t, p.Data, resumed.Params()[i].Data, p.Name)
	}

	// A finished run resumed with no more epochs trains nothing.
	again := newFake("fake", classes)
	got, err = Run(context.Background(), again, cfg)
	require.NoError(t, err)
	assert.Len(t, got, 4)
	assert.Equal(t, whole.StepCount(), again.StepCount())
}

func TestRunRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	_, err := Run(context.Background(), newFake("fake", classes), config(dir, 1, nil))
	require.NoError(t, err)
	_, err = Run(context.Background(), newFake("fake", classes), config(dir, 1, nil))
	require.ErrorContains(t, err, filepath.Join(dir, CheckpointFile)+" already holds a checkpoint")

	cfg := config(dir, 2, nil)
	cfg.Resume, cfg.Batch = true, 8
	_, err = Run(context.Background(), newFake("fake", classes), cfg)
	require.ErrorContains(t, err, "trained with batch 16 and seed 3, but this run has batch 8 and seed 3")

	cfg = config(t.TempDir(), 1, nil)
	cfg.Resume = true
	_, err = Run(context.Background(), newFake("fake", classes), cfg)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorContains(t, err, CheckpointFile)
}

// TestRunMetadata checks that Config.Metadata is in the checkpoint's and the weights file's
// metadata, beside the model's own, and that resuming with other values is refused.
func TestRunMetadata(t *testing.T) {
	dir := t.TempDir()
	cfg := config(dir, 1, nil)
	cfg.Metadata = map[string]string{runtime.ClassesKey: `["a","b","c","d"]`}
	_, err := Run(context.Background(), newFake("fake", classes), cfg)
	require.NoError(t, err)
	for _, name := range []string{CheckpointFile, WeightsFile} {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		h, err := runtime.ReadSafetensorsHeader(f)
		f.Close()
		require.NoError(t, err)
		names, err := h.ClassNames()
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b", "c", "d"}, names, name)
		assert.Equal(t, "fake", h.Metadata[networkKey], name)
	}
	f, err := os.Open(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, newFake("fake", classes).Load(f), "the weights file is still one for Load")

	cfg.Resume, cfg.Epochs = true, 2
	cfg.Metadata = map[string]string{runtime.ClassesKey: `["a","b","c","e"]`}
	_, err = Run(context.Background(), newFake("fake", classes), cfg)
	assert.EqualError(t, err, filepath.Join(dir, CheckpointFile)+`: its netc.classes is ["a","b","c","d"], but this run's is ["a","b","c","e"]; resuming would not continue the same run`)
}

// TestRunLabelBeyondClasses checks that an example whose class the model does not have stops
// the run with an error naming it, rather than a panic in the model's Backward.
func TestRunLabelBeyondClasses(t *testing.T) {
	cfg := config(t.TempDir(), 1, nil)
	bad := stripes(200, classes+1, 1)
	cfg.Train = bad
	_, err := Run(context.Background(), newFake("fake", classes), cfg)
	assert.ErrorContains(t, err, "epoch 1: example ")
	assert.ErrorContains(t, err, " is of class 4, but the model has 4 classes (0 to 3)")

	cfg = config(t.TempDir(), 1, nil)
	cfg.Test = bad
	_, err = Run(context.Background(), newFake("fake", classes), cfg)
	assert.ErrorContains(t, err, "is of class 4, but the model has 4 classes (0 to 3)")
}

// TestDiverged checks that a NaN loss stops the run at once with an error naming the step, and
// that the checkpoint of the last whole epoch is left as it was.
func TestDiverged(t *testing.T) {
	for _, tc := range []struct {
		nanAt       int64
		batch, done int
		note        string
	}{
		{nanAt: 5, batch: 5, done: 0, note: "with no checkpoint written"},
		{nanAt: 13 + 2, batch: 2, done: 1, note: "checkpoint.safetensors, is of epoch 1"},
	} {
		dir := t.TempDir()
		m := newFake("fake", classes)
		m.nanAt = tc.nanAt
		var log bytes.Buffer
		history, err := Run(context.Background(), m, config(dir, 3, &log))
		var div *DivergedError
		require.ErrorAs(t, err, &div)
		assert.Equal(t, tc.nanAt, div.Step)
		assert.Equal(t, tc.done+1, div.Epoch)
		assert.Equal(t, tc.batch, div.Batch)
		assert.Equal(t, 13, div.Batches)
		assert.Len(t, history, tc.done)
		assert.Contains(t, err.Error(), "the training loss is NaN")
		assert.Contains(t, err.Error(), tc.note)
		assert.Equal(t, tc.nanAt, m.StepCount(), "no step after the NaN")
		if tc.done > 0 {
			st, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile), newFake("fake", classes))
			require.NoError(t, err)
			assert.Equal(t, tc.done, st.Epoch)
		} else {
			assert.NoFileExists(t, filepath.Join(dir, CheckpointFile))
		}
	}
}

func TestStoppedByContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, newFake("fake", classes), config(t.TempDir(), 2, nil))
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "stopped in epoch 1")
}

func TestConfigErrors(t *testing.T) {
	_, err := Run(context.Background(), newFake("fake", classes), Config{Epochs: 1})
	require.ErrorContains(t, err, "needs Train, Test, Augmenter and Schedule")
	require.ErrorContains(t, err, "needs an output directory")
	cfg := config(t.TempDir(), 1, nil)
	cfg.Filters = "conv9.weight"
	_, err = Run(context.Background(), newFake("fake", classes), cfg)
	require.ErrorContains(t, err, "no parameter conv9.weight")
}

// TestEvaluate checks loss and accuracy against values worked out by hand, top-5 with enough
// classes, and the average over ten crops.
func TestEvaluate(t *testing.T) {
	m := newFake("fake", 20)
	clear(m.params[0].Data) // every logit is the bias: class 3 first, then 0, 1, 2, …
	for c := range m.params[1].Data {
		m.params[1].Data[c] = -float32(c) / 10
	}
	m.params[1].Data[3] = 1
	src := stripes(40, 20, 1) // labels 0…19 twice
	got, err := Evaluate(context.Background(), m, src, plainAugmenter(), 16, 20)
	require.NoError(t, err)
	logp := make([]float64, 20)
	logSoftmax(logp, m.params[1].Data)
	var loss float64
	for c := range 20 {
		loss -= logp[c]
	}
	assert.InDelta(t, loss/20, got.Loss, 1e-12)
	assert.Equal(t, 2.0/40, got.Top1, "class 3 only")
	require.NotNil(t, got.Top5)
	assert.Equal(t, 10.0/40, *got.Top5, "classes 3, 0, 1, 2, 4")
	assert.Equal(t, 40, got.Examples)
}

// TestEvaluateTenCrop checks that ten-crop evaluation averages the softmax of the crops.
func TestEvaluateTenCrop(t *testing.T) {
	aug, err := data.NewAugmenter(compiler.Augment{Set: true, Crop: side, Std: [3]float64{1, 1, 1}, Eval: compiler.EvalTenCrop}, compiler.Shape{C: 1, H: side, W: side})
	require.NoError(t, err)
	m := newFake("fake", classes)
	rng := runtime.NewRNG(5)
	rng.FillNormal(m.params[0].Data, 0, 1) // large weights, so that a mirror image scores otherwise
	src := stripes(6, classes, 1)
	got, err := Evaluate(context.Background(), m, src, aug, 4, classes)
	require.NoError(t, err)

	var loss float64
	top1 := 0
	crops := make([]float32, 10*aug.Size())
	for i := range src.Len() {
		img, label, _ := src.Example(i)
		require.NoError(t, aug.Eval(img, crops))
		logits := m.Forward(crops, 10, false)
		p := make([]float64, classes)
		for c := range 10 {
			lp := make([]float64, classes)
			logSoftmax(lp, logits[c*classes:(c+1)*classes])
			for j, v := range lp {
				p[j] += math.Exp(v) / 10
			}
		}
		loss -= math.Log(p[label])
		best := 0
		for j, v := range p {
			if v > p[best] {
				best = j
			}
		}
		if best == int(label) {
			top1++
		}
	}
	assert.InDelta(t, loss/6, got.Loss, 1e-9)
	assert.Equal(t, float64(top1)/6, got.Top1)
}

func TestEvaluateNaN(t *testing.T) {
	m := newFake("fake", classes)
	m.params[1].Data[0] = float32(math.NaN())
	_, err := Evaluate(context.Background(), m, stripes(8, classes, 1), plainAugmenter(), 4, classes)
	require.ErrorContains(t, err, "NaN")
}

// decodePNG decodes the PNG file at path.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err, path)
	return img
}
