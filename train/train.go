package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/runtime"
)

// Model is what Run needs of a model: the Model of every package netc generates has it.
type Model interface {
	// Forward runs n images and returns their n×classes logits; train selects dropout.
	Forward(x []float32, n int, train bool) []float32
	// TrainStep is Forward in training mode, Backward and an optimiser Step; it returns the loss.
	TrainStep(x []float32, labels []int32, n int) float32
	Params() []runtime.Param
	// Momentum is the optimiser's momentum, one buffer per parameter in the order of Params,
	// named after it with ".momentum" added; a checkpoint saves and restores it.
	Momentum() []runtime.Param
	// Save and Load write and read the parameters as safetensors, with the network's name in
	// the metadata under "netc.network".
	Save(w io.Writer) error
	Load(r io.Reader) error
	LearningRate() float64
	SetLearningRate(lr float64)
	StepCount() int64
	SetStepCount(n int64)
}

// Config says what Run trains on, for how long, and where it writes.
type Config struct {
	Train, Test data.Source     // the training and test examples
	Augmenter   *data.Augmenter // prepares them: augmented for training, as evaluated for testing
	Classes     int             // the model's outputs per image
	Batch       int             // examples per training step, and per evaluation batch
	Epochs      int             // the epochs the run ends after, counting those of a resumed checkpoint
	// Schedule gives the learning rate of each epoch, from 0: the generated LearningRateAt.
	Schedule func(epoch int) float64
	// Seed seeds the data order and augmentation; the model's own seed, set when it was made,
	// decides its initial weights and dropout masks.
	Seed uint64
	// Dir is where Run writes the checkpoint, the plot and the filter grid (see the *File
	// constants); it is made if need be.
	Dir string
	// Resume continues the run whose checkpoint is in Dir. Without it, a checkpoint already in
	// Dir is an error rather than overwritten.
	Resume bool
	// Log receives the progress bar (when it is a terminal) or progress lines, and a line per
	// epoch; nil for silence.
	Log io.Writer
	// Filters names the parameter drawn as an image grid after training: the first
	// convolution's weight ("conv1.weight"); empty for the first parameter of 4 dimensions.
	Filters string
	// Metadata is written into the safetensors metadata of the checkpoint and of the weights
	// file, beside the model's own: the class names under runtime.ClassesKey, say. A checkpoint
	// resumed from that holds one of these keys must hold the same value.
	Metadata map[string]string
}

// The files Run writes in Config.Dir; the filter grid's name is its parameter's layer name
// followed by FiltersSuffix: conv1-filters.png.
const (
	CheckpointFile = "checkpoint.safetensors"
	WeightsFile    = "weights.safetensors" // the weights alone, as the model's Save writes them, for its Load
	PlotFile       = "curves.png"
	FiltersSuffix  = "-filters.png"
)

// Epoch is what one epoch of a run measured.
type Epoch struct {
	Epoch        int     `json:"epoch"` // from 1
	LearningRate float64 `json:"learning_rate"`
	TrainLoss    float64 `json:"train_loss"` // the mean of the epoch's training losses, with dropout
	Test         Metrics `json:"test"`
	ImagesPerSec float64 `json:"images_per_sec"` // training images per second of training
	Seconds      float64 `json:"seconds"`        // the epoch's wall time, training and evaluation
}

// DivergedError is the error of a run stopped because a training loss was NaN or infinite.
type DivergedError struct {
	Loss       float32
	Step       int64  // the model's step count after the step that gave Loss
	Epoch      int    // from 1
	Batch      int    // from 1
	Batches    int    // in the epoch
	Checkpoint string // the run's checkpoint file
	Saved      int    // the epochs it holds; 0 if none was written
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("step %d (epoch %d, batch %d of %d): the training loss is %v; stopped, %s; a lower learning rate may help",
		e.Step, e.Epoch, e.Batch, e.Batches, e.Loss, checkpointNote(e.Checkpoint, e.Saved))
}

// checkpointNote says what a stopped run leaves to resume from.
func checkpointNote(path string, epochs int) string {
	if epochs == 0 {
		return "with no checkpoint written"
	}
	return fmt.Sprintf("the last checkpoint, %s, is of epoch %d", path, epochs)
}

// Run trains m as cfg says and returns the history of every epoch, those of a resumed
// checkpoint included. See the package documentation for what it does each epoch. It stops
// with an error when ctx is done, when a training loss is NaN or infinite (a *DivergedError),
// and on any error reading data or writing files; what it wrote until then stays valid.
func Run(ctx context.Context, m Model, cfg Config) ([]Epoch, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	filters, err := filterParam(m, cfg.Filters)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	r := &runner{
		m: m, cfg: cfg, log: newProgress(cfg.Log),
		checkpoint: filepath.Join(cfg.Dir, CheckpointFile),
		state:      State{Batch: cfg.Batch, Seed: cfg.Seed},
	}
	if cfg.Resume {
		st, meta, err := readCheckpoint(r.checkpoint, m)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(cfg.Metadata)) {
			if v, ok := meta[k]; ok && v != cfg.Metadata[k] {
				return nil, fmt.Errorf("%s: its %s is %s, but this run's is %s; resuming would not continue the same run",
					r.checkpoint, k, v, cfg.Metadata[k])
			}
		}
		if st.Batch != cfg.Batch || st.Seed != cfg.Seed {
			return nil, fmt.Errorf("%s: trained with batch %d and seed %d, but this run has batch %d and seed %d; resuming would not continue the same run",
				r.checkpoint, st.Batch, st.Seed, cfg.Batch, cfg.Seed)
		}
		r.state = st
		r.log.line("resuming from %s: %d epochs done, %d steps", r.checkpoint, st.Epoch, st.Steps)
		if st.Epoch >= cfg.Epochs {
			r.log.line("nothing to train: the run has %d epochs; ask for more to go on", cfg.Epochs)
		}
	} else if _, err := os.Stat(r.checkpoint); err == nil {
		return nil, fmt.Errorf("%s already holds a checkpoint: resume from it, or write to another directory", r.checkpoint)
	}
	for r.state.Epoch < cfg.Epochs {
		if err := r.epoch(ctx); err != nil {
			return r.state.History, err
		}
	}
	if len(r.state.History) > 0 { // again, for a resumed run that had nothing left to train
		if err := WritePlot(filepath.Join(cfg.Dir, PlotFile), r.state.History); err != nil {
			return r.state.History, err
		}
	}
	if filters != nil {
		name := strings.TrimSuffix(filters.Name, ".weight") + FiltersSuffix
		if err := WriteFilters(filepath.Join(cfg.Dir, name), *filters); err != nil {
			return r.state.History, err
		}
	}
	return r.state.History, nil
}

// check reports what is missing from cfg.
func (cfg *Config) check() error {
	var errs []error
	if cfg.Train == nil || cfg.Test == nil || cfg.Augmenter == nil || cfg.Schedule == nil {
		errs = append(errs, errors.New("train: Config needs Train, Test, Augmenter and Schedule"))
	}
	if cfg.Classes < 2 || cfg.Batch < 1 || cfg.Epochs < 1 {
		errs = append(errs, fmt.Errorf("train: %d classes, batch %d and %d epochs: need at least 2, 1 and 1", cfg.Classes, cfg.Batch, cfg.Epochs))
	}
	if cfg.Dir == "" {
		errs = append(errs, errors.New("train: Config needs an output directory"))
	}
	return errors.Join(errs...)
}

// filterParam returns m's parameter called name, or with name empty the first of 4 dimensions,
// or nil if m has none.
func filterParam(m Model, name string) (*runtime.Param, error) {
	for _, p := range m.Params() {
		if (name == "" && len(p.Shape) == 4) || (name != "" && p.Name == name) {
			return &p, nil
		}
	}
	if name != "" {
		return nil, fmt.Errorf("train: the model has no parameter %s to draw as filters", name)
	}
	return nil, nil
}

// runner is the state of one Run.
type runner struct {
	m          Model
	cfg        Config
	log        *progress
	checkpoint string
	state      State
	evalTime   time.Duration // how long the last evaluation took, for the ETA
}

// epoch trains, evaluates and checkpoints the next epoch.
func (r *runner) epoch(ctx context.Context) error {
	start := time.Now()
	e := r.state.Epoch // from 0
	lr := r.cfg.Schedule(e)
	r.m.SetLearningRate(lr)
	loss, rate, err := r.train(ctx, e)
	if err != nil {
		return err
	}
	evalStart := time.Now()
	test, err := Evaluate(ctx, r.m, r.cfg.Test, r.cfg.Augmenter, r.cfg.Batch, r.cfg.Classes)
	if err != nil {
		if ctx.Err() != nil {
			return r.stopped(ctx, e)
		}
		return fmt.Errorf("epoch %d: %w", e+1, err)
	}
	r.evalTime = time.Since(evalStart)
	rec := Epoch{Epoch: e + 1, LearningRate: lr, TrainLoss: loss, Test: test, ImagesPerSec: rate,
		Seconds: time.Since(start).Seconds()}
	st := r.state
	st.Epoch, st.Steps, st.LearningRate = e+1, r.m.StepCount(), r.m.LearningRate()
	st.History = append(st.History[:len(st.History):len(st.History)], rec)
	if err := writeCheckpoint(r.checkpoint, r.m, st, r.cfg.Metadata); err != nil {
		return err
	}
	if err := writeWeights(filepath.Join(r.cfg.Dir, WeightsFile), r.m, r.cfg.Metadata); err != nil {
		return fmt.Errorf("writing the weights: %w", err)
	}
	r.state = st
	r.log.line("%s", epochLine(rec, r.cfg.Epochs))
	return WritePlot(filepath.Join(r.cfg.Dir, PlotFile), st.History)
}

// train runs the training steps of epoch e (from 0) and returns their mean loss and the images
// trained per second.
func (r *runner) train(ctx context.Context, e int) (loss, rate float64, err error) {
	seed := runtime.NewRNG(r.cfg.Seed)
	epochRNG := seed.Split(uint64(e))
	l, err := data.NewLoader(ctx, r.cfg.Train, r.cfg.Augmenter, data.LoaderConfig{
		Batch: r.cfg.Batch, Seed: epochRNG.Uint64(), Train: true, Epochs: 1,
	})
	if err != nil {
		return 0, 0, err
	}
	defer l.Close()
	steps, total := l.StepsPerEpoch(), r.cfg.Train.Len()
	var sum float64
	images := 0
	start := time.Now()
	for step := 1; ; step++ {
		b, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return 0, 0, r.stopped(ctx, e)
			}
			return 0, 0, fmt.Errorf("epoch %d: %w", e+1, err)
		}
		if err := checkLabels(b, r.cfg.Classes); err != nil {
			return 0, 0, fmt.Errorf("epoch %d: %w", e+1, err)
		}
		bl := r.m.TrainStep(b.X, b.Labels, b.N)
		if math.IsNaN(float64(bl)) || math.IsInf(float64(bl), 0) {
			r.log.clear()
			return 0, 0, &DivergedError{Loss: bl, Step: r.m.StepCount(), Epoch: e + 1, Batch: step, Batches: steps,
				Checkpoint: r.checkpoint, Saved: r.state.Epoch}
		}
		sum += float64(bl) * float64(b.N)
		images += b.N
		now := time.Now()
		rate = float64(images) / now.Sub(start).Seconds()
		r.log.update(status{
			epoch: e + 1, epochs: r.cfg.Epochs, step: step, steps: steps, images: images, total: total,
			rate: rate, loss: sum / float64(images), eta: r.eta(e, images, rate),
		}, now)
	}
	return sum / float64(images), rate, nil
}

// checkLabels returns an error if an example of b has no class of the model's classes, which
// the model's Backward would panic on.
func checkLabels(b *data.Batch, classes int) error {
	for i, l := range b.Labels[:b.N] {
		if l < 0 || int(l) >= classes {
			return fmt.Errorf("example %d is of class %d, but the model has %d classes (0 to %d)", b.Indices[i], l, classes, classes-1)
		}
	}
	return nil
}

// eta estimates the time left in the run, during epoch e (from 0) with images of it trained at
// rate: the training images left at that rate, and an evaluation per epoch left, as long as the
// last took or, before the first, the test images at three times the rate (a forward pass is
// about a third of a training step).
func (r *runner) eta(e, images int, rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	n := r.cfg.Train.Len()
	left := float64(n-images+(r.cfg.Epochs-e-1)*n) / rate
	eval := r.evalTime.Seconds()
	if eval == 0 {
		eval = float64(r.cfg.Test.Len()) / (3 * rate)
	}
	left += float64(r.cfg.Epochs-e) * eval
	return time.Duration(left * float64(time.Second))
}

// stopped is the error of a run stopped by its context during epoch e (from 0).
func (r *runner) stopped(ctx context.Context, e int) error {
	r.log.clear()
	return fmt.Errorf("stopped in epoch %d (%w), %s", e+1, context.Cause(ctx), checkpointNote(r.checkpoint, r.state.Epoch))
}

// epochLine is the line that reports an epoch:
//
//	epoch  3/15  lr 0.05  train loss 0.3412  test loss 0.2811  top-1 90.12%  2,950 img/s  32s
func epochLine(e Epoch, epochs int) string {
	width := len(fmt.Sprint(epochs))
	s := fmt.Sprintf("epoch %*d/%d  lr %-8.4g  train loss %.4f  test loss %.4f  top-1 %6.2f%%",
		width, e.Epoch, epochs, e.LearningRate, e.TrainLoss, e.Test.Loss, 100*e.Test.Top1)
	if e.Test.Top5 != nil {
		s += fmt.Sprintf("  top-5 %6.2f%%", 100**e.Test.Top5)
	}
	return s + fmt.Sprintf("  %6s img/s  %s", thousands(e.ImagesPerSec), duration(time.Duration(e.Seconds*float64(time.Second))))
}
