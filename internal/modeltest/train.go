package modeltest

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/internal/reference"
	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/require"
)

// Trainer is the API of a generated package's Model that trains: Model, with the backward pass
// and the optimiser.
type Trainer interface {
	Model
	// Backward, after Forward, returns the mean softmax cross-entropy of the last logits at
	// labels and writes its gradient with respect to every parameter into Params()[i].Grad.
	Backward(labels []int32) float32
	// Step takes one optimiser step as the spec's train block says, from the gradients.
	Step()
	// TrainStep is Forward(x, n, true), Backward(labels) and Step(), returning the loss.
	TrainStep(x []float32, labels []int32, n int) float32
	LearningRate() float64
	SetLearningRate(lr float64)
	StepCount() int64
	SetStepCount(n int64)
	// Masks are the dropout masks of the last training-mode Forward by layer name, n × the
	// layer's size values each, 0 or 1/(1−p).
	Masks() map[string][]float32
}

// GradTol is the default tolerance of CheckGradients, and the tolerance of CheckSteps and
// CheckTorch: float32 results against float64 ones, relative to the largest value of a tensor.
const GradTol = 1e-4

// Near ties. A float32 model may take a ReLU or max-pool decision whose inputs are within its
// rounding of a tie the other way from the float64 reference, and its gradients then differ by a
// whole position's contribution (see reference.Decision): at AlexNet's size that happens in about
// one random draw in three. When the model disagrees with the reference, the checks therefore try
// again with the nearTries nearest ties of margin below nearMargin taken the other way, one or two
// at a time, and accept the first choice that agrees, logging it. A tie is one comparison: the
// overlapping windows of a max pool that compare the same two inputs are one (reference.Ties). nearMargin is about ten
// times the float32 error of AlexNet's logits relative to the largest (5e-7 … 8e-7); ties flipped
// in practice are nearer than 1e-7. The search costs up to 11 backward passes of the reference,
// and only when the plain comparison fails.
var nearMargin = 5e-6

const nearTries = 4

// CheckGradients compares the model's loss and gradients on n random images with the reference's
// (reference.Gradients, in float64), on random parameters and labels. With train set it runs
// Forward in training mode and hands the model's Masks to the reference, so that dropout is
// checked too. Each gradient must agree to within tol (GradTol when 0) of its tensor's largest
// |value|; the loss to within tol relative. A failure names the tensor and its worst value. Near
// ties are allowed for as described at nearMargin.
//
// It runs twice: first with every Grad set to NaN beforehand, which catches values Backward does
// not write; then on top of the first gradients, which catches a Backward that accumulates into
// Grad instead of overwriting it.
func CheckGradients(t testing.TB, m Trainer, spec string, n int, train bool, tol float64) {
	t.Helper()
	if tol == 0 {
		tol = GradTol
	}
	net := Compile(t, spec)
	Randomize(m, 7)
	x := Input(n, int(net.Input.Size()), 11)
	labels := randomLabels(n, net.Classes, 13)
	for round := range 2 {
		what := fmt.Sprintf("%s, n=%d, train=%v, Backward #%d", spec, n, train, round+1)
		if round == 0 {
			for _, p := range m.Params() {
				for j := range p.Grad {
					p.Grad[j] = float32(math.NaN())
				}
			}
		}
		m.Forward(x, n, train)
		loss := m.Backward(labels)
		var masks map[string][]float64
		if train {
			masks = checkMasks(t, net, m.Masks(), n)
		}
		agree := func(want float64, grads map[string][]float64) bool {
			return closeScalar(float64(loss), want, tol) && gradErrors(m.Params(), grads, tol) == nil
		}
		want, grads, _ := referenceFor(t, what, net, paramValues(m), widen(x), n, labels, masks, agree)
		if !closeScalar(float64(loss), want, tol) {
			t.Errorf("%s: the loss is %.9g, want %.9g (tolerance %g relative)", what, loss, want, tol)
		}
		for _, err := range gradErrors(m.Params(), grads, tol) {
			t.Errorf("%s: %v", what, err)
		}
		worst, name := worstGrad(m.Params(), grads)
		t.Logf("%s: worst gradient error %.2g of its tensor's largest, in %s", what, worst, name)
	}
}

// CheckSteps checks the optimiser against reference.SGDStep: three steps on n random images and
// labels, comparing every parameter's change after each step with the reference's. The first two
// steps are Forward(x, n, false), Backward, Step, with the learning rate cut tenfold by
// SetLearningRate in between, so that the paper's and PyTorch's rules give different second
// steps; the third is a TrainStep, with dropout, checked with the model's Masks. It also checks
// LearningRate and StepCount.
//
// Each step's reference starts from the model's parameters before the step, widened to float64,
// and from the reference's own momentum, carried from step to step. Starting from the model's
// parameters checks each step at its own rounding: the reference's float64 trajectory drifts from
// the model's float32 one by the rounding of the weights (1e-7 relative), which the network
// amplifies hundreds of times in the next steps' gradients — fashion.net's largest fc3 gradient
// of its third step differed by 1.0e-4 relative that way, and by 3.5e-7 from the model's own
// parameters. Carrying the reference's momentum keeps a model that mishandles its momentum from
// passing.
//
// m must be fresh from New: momentum starts at zero, StepCount at 0 and the learning rate at the
// spec's. A change passes when it is within GradTol of its tensor's largest change, plus the
// rounding of the float32 weights; near ties are allowed for as described at nearMargin.
func CheckSteps(t testing.TB, m Trainer, spec string, n int) {
	t.Helper()
	net := Compile(t, spec)
	require.Zero(t, m.StepCount(), "CheckSteps needs a fresh model, with zero momentum")
	require.Equal(t, net.Train.LR, m.LearningRate(), "the learning rate starts at the spec's sgd lr")
	Randomize(m, 17)
	x := Input(n, int(net.Input.Size()), 19)
	labels := randomLabels(n, net.Classes, 23)
	momentum := map[string][]float64{}

	for step, lr := range []float64{net.Train.LR, net.Train.LR / 10, net.Train.LR / 10} {
		train := step == 2
		what := fmt.Sprintf("%s, n=%d, step %d (lr %g, train=%v)", spec, n, step+1, lr, train)
		if lr != m.LearningRate() {
			m.SetLearningRate(lr)
			require.Equal(t, lr, m.LearningRate(), "%s: SetLearningRate", what)
		}
		before := paramValues(m)
		var loss float32
		if train {
			loss = m.TrainStep(x, labels, n)
		} else {
			m.Forward(x, n, false)
			loss = m.Backward(labels)
			m.Step()
		}
		var masks map[string][]float64
		if train {
			masks = checkMasks(t, net, m.Masks(), n)
		}
		after := paramValues(m)
		// The reference's step from the model's parameters before it and the reference's
		// momentum; agree keeps the momentum of the step it accepts for the next step
		// (AlexNet's copies are 0.5 GB each).
		var nextMomentum map[string][]float64
		agree := func(want float64, grads map[string][]float64) bool {
			p, v := cloneAll(before), cloneAll(momentum)
			reference.SGDStep(net, p, grads, v, lr)
			ok := closeScalar(float64(loss), want, GradTol) && updateErrors(m.Params(), before, after, before, p, GradTol) == nil
			if ok {
				nextMomentum = v
			}
			return ok
		}
		want, grads, _ := referenceFor(t, what, net, before, widen(x), n, labels, masks, agree)
		if nextMomentum == nil { // no reference agreed: report against the plain one's step
			if !closeScalar(float64(loss), want, GradTol) {
				t.Errorf("%s: the loss is %.9g, want %.9g (tolerance %g relative)", what, loss, want, GradTol)
			}
			p := cloneAll(before)
			nextMomentum = cloneAll(momentum)
			reference.SGDStep(net, p, grads, nextMomentum, lr)
			for _, err := range updateErrors(m.Params(), before, after, before, p, GradTol) {
				t.Errorf("%s: %v", what, err)
			}
		}
		momentum = nextMomentum
		require.Equal(t, int64(step+1), m.StepCount(), "%s: StepCount counts the steps", what)
	}
	m.SetStepCount(41)
	require.Equal(t, int64(41), m.StepCount(), "SetStepCount")
}

// referenceFor returns the reference's loss and gradients for a run of the model, as agree judges
// them: the plain ones if they agree, or else the first that agrees of those with one or two of
// the nearest near ties taken the other way, with those decisions (see nearMargin). When none
// agrees it returns the plain ones, for the caller to report the disagreement against.
func referenceFor(t testing.TB, what string, net *compiler.Network, params map[string][]float64, x []float64, n int, labels []int32, masks map[string][]float64,
	agree func(loss float64, grads map[string][]float64) bool) (float64, map[string][]float64, []reference.Decision) {
	t.Helper()
	loss, grads, err := reference.Gradients(net, params, x, n, labels, masks)
	require.NoError(t, err, what)
	if agree(loss, grads) {
		return loss, grads, nil
	}
	near, err := reference.NearDecisions(net, params, x, n, labels, masks, nearMargin)
	require.NoError(t, err, what)
	ties := reference.Ties(near)
	ties = ties[:min(len(ties), nearTries)]
	var tries [][]reference.Decision
	for a := range ties {
		tries = append(tries, ties[a])
	}
	for a := range ties {
		for b := a + 1; b < len(ties); b++ {
			tries = append(tries, slices.Concat(ties[a], ties[b]))
		}
	}
	for _, flips := range tries {
		l, g, err := reference.GradientsFlipped(net, params, x, n, labels, masks, flips)
		require.NoError(t, err, what)
		if agree(l, g) {
			t.Logf("%s: the model agrees with the reference once it takes %d near tie(s) the other way, as float32 rounding may: %v", what, len(flips), flips)
			return l, g, flips
		}
	}
	if len(ties) > 0 {
		t.Logf("%s: taking the nearest ties the other way does not explain the disagreement: %v", what, ties)
	}
	return loss, grads, nil
}

// randomLabels returns n random labels in 0…classes−1 from seed.
func randomLabels(n, classes int, seed uint64) []int32 {
	rng := runtime.NewRNG(seed)
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(rng.Intn(classes))
	}
	return labels
}

// checkMasks checks that masks has a mask for every step of net that keeps one (dropout) and
// nothing else, each of n × the step's mask size values 0 or 1/(1−p), and returns them in float64
// for the reference.
func checkMasks(t testing.TB, net *compiler.Network, masks map[string][]float32, n int) map[string][]float64 {
	t.Helper()
	want := map[string]bool{}
	for _, s := range net.Steps {
		if s.Mask == 0 {
			continue
		}
		l := s.Main()
		want[l.Name] = true
		mask, ok := masks[l.Name]
		require.True(t, ok, "Masks has no mask for the dropout layer %s", l.Name)
		require.Len(t, mask, n*int(s.Mask), "%s's mask", l.Name)
		p := l.Dropout().P
		keep := 1 / (1 - p)
		for j, v := range mask {
			if v != 0 && !closeScalar(float64(v), keep, 1e-6) {
				require.Failf(t, "bad dropout mask", "%s's mask [%d] is %g; a mask value is 0 or 1/(1−%g) = %g", l.Name, j, v, p, keep)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(masks)) {
		require.True(t, want[name], "Masks has a mask for %s, which is not a dropout layer", name)
	}
	return widenAll(masks)
}

// gradErrors compares every parameter's Grad with the reference's gradient of the same name,
// returning an error for each one that disagrees.
func gradErrors(params []runtime.Param, want map[string][]float64, tol float64) []error {
	var errs []error
	if len(params) != len(want) {
		errs = append(errs, fmt.Errorf("the model has %d parameters, the reference %d", len(params), len(want)))
	}
	for _, p := range params {
		w, ok := want[p.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("the reference has no parameter %s", p.Name))
			continue
		}
		if _, err := closeTensor(p.Grad, w, p.Shape, tol); err != nil {
			errs = append(errs, fmt.Errorf("%s's gradient: %v", p.Name, err))
		}
	}
	return errs
}

// worstGrad returns the worst gradient error relative to its tensor's largest value, and the
// tensor's name.
func worstGrad(params []runtime.Param, want map[string][]float64) (worst float64, name string) {
	for _, p := range params {
		if w, ok := want[p.Name]; ok {
			if e, _ := closeTensor(p.Grad, w, p.Shape, math.Inf(1)); !(e <= worst) {
				worst, name = e, p.Name
			}
		}
	}
	return worst, name
}

// updateErrors compares every parameter's change in one step, from before to after (float32
// values), with the reference's change from wantBefore to wantAfter, returning an error for each
// one that disagrees: by more than tol of the tensor's largest change, plus the float32 rounding
// of the weights before and after.
func updateErrors(params []runtime.Param, before, after, wantBefore, wantAfter map[string][]float64, tol float64) []error {
	var errs []error
	for _, p := range params {
		if err := updateError(p.Shape, before[p.Name], after[p.Name], wantBefore[p.Name], wantAfter[p.Name], tol); err != nil {
			errs = append(errs, fmt.Errorf("%s: the step's change: %v", p.Name, err))
		}
	}
	return errs
}

// updateError compares one parameter's change with the reference's; see updateErrors. It is
// closeTensor of after − before against wantAfter − wantBefore, with slack for the rounding of
// the float32 weights, computed value by value rather than in copies (AlexNet's are 61M values).
func updateError(shape []int, before, after, wantBefore, wantAfter []float64, tol float64) error {
	if len(wantAfter) != len(after) || len(wantBefore) != len(before) || len(before) != len(after) {
		return fmt.Errorf("%d values, want %d", len(after), len(wantAfter))
	}
	var scale float64
	for j := range wantAfter {
		scale = max(scale, math.Abs(wantAfter[j]-wantBefore[j]))
	}
	scale = max(scale, negligible)
	worst, at, bad := 0.0, -1, 0
	for j := range after {
		d := math.Abs((after[j] - before[j]) - (wantAfter[j] - wantBefore[j]))
		d = max(0, d-0x1p-23*(math.Abs(before[j])+math.Abs(after[j])))
		e := d / scale
		if !(e <= tol) {
			bad++
		}
		if !(e <= worst) && !math.IsNaN(worst) {
			worst, at = e, j
		}
	}
	if bad == 0 {
		return nil
	}
	return offError(bad, at, shape, after[at]-before[at], wantAfter[at]-wantBefore[at], worst, scale, tol)
}

// negligible is the smallest scale closeTensor compares at: float32 has nothing below 1.2e-38
// but subnormals, and a float32 model computes gradients that small as 0 (as after a step that
// makes a softmax certain, where float64 finds 1e-99).
const negligible = 1e-30

// closeTensor returns the worst error of got against want, relative to want's largest |value| but
// at least negligible; and, when it is more than tol, an error that counts the values off and
// describes the worst, with its index given flat and as coordinates of shape. NaN never agrees.
func closeTensor[T float32 | float64](got []T, want []float64, shape []int, tol float64) (float64, error) {
	if len(got) != len(want) {
		return math.Inf(1), fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	var scale float64
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	scale = max(scale, negligible)
	worst, at, bad := 0.0, -1, 0
	for j := range want {
		e := math.Abs(float64(got[j])-want[j]) / scale
		if !(e <= tol) {
			bad++
		}
		if !(e <= worst) && !math.IsNaN(worst) {
			worst, at = e, j
		}
	}
	if bad == 0 {
		return worst, nil
	}
	return worst, offError(bad, at, shape, float64(got[at]), want[at], worst, scale, tol)
}

// offError describes a tensor with bad values off, the worst at flat index at.
func offError(bad, at int, shape []int, got, want, worst, scale, tol float64) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return fmt.Errorf("%d of %d values are off; the worst, [%d] = %s, is %.7g, want %.9g: error %.3g of the largest |value| %.3g (tolerance %g)",
		bad, n, at, coords(at, shape), got, want, worst, scale, tol)
}

// coords writes flat index j of a tensor of the given shape as its coordinates, (o, c, kh, kw).
func coords(j int, shape []int) string {
	c := make([]string, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		c[d] = fmt.Sprint(j % shape[d])
		j /= shape[d]
	}
	return "(" + strings.Join(c, ", ") + ")"
}

// closeScalar reports whether got is within tol of want, relative to |want|.
func closeScalar(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

// paramValues copies the model's parameters into float64, by name.
func paramValues(m Model) map[string][]float64 {
	params := map[string][]float64{}
	for _, p := range m.Params() {
		params[p.Name] = widen(p.Data)
	}
	return params
}

// widen converts float32 values to float64.
func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for j, v := range x {
		y[j] = float64(v)
	}
	return y
}

// widenAll converts every tensor of m to float64.
func widenAll(m map[string][]float32) map[string][]float64 {
	w := map[string][]float64{}
	for k, v := range m {
		w[k] = widen(v)
	}
	return w
}

// cloneAll copies every tensor of m.
func cloneAll(m map[string][]float64) map[string][]float64 {
	c := map[string][]float64{}
	for k, v := range m {
		c[k] = slices.Clone(v)
	}
	return c
}

// Resumer is a Trainer whose optimiser state can be saved and restored, as a checkpoint needs.
type Resumer interface {
	Trainer
	// Momentum returns the optimiser's momentum buffers, one per parameter in the order of
	// Params, named after it with ".momentum" added; their Data are the model's own.
	Momentum() []runtime.Param
}

// CheckResume checks that a run stopped after a step and resumed in a fresh model, from its
// parameters, momentum, step count and learning rate, goes on exactly as the uninterrupted run:
// four training steps of n images, with dropout and a learning-rate change, then the same run
// stopped after the second step and resumed, must give bit-identical parameters and momentum.
// A resumed run that leaves out the momentum must differ, so that the check can fail.
func CheckResume(t testing.TB, newModel func() Resumer, size, classes, n int) {
	t.Helper()
	x := make([][]float32, 4)
	labels := make([][]int32, 4)
	for s := range x {
		x[s], labels[s] = Input(n, size, uint64(31+s)), randomLabels(n, classes, uint64(37+s))
	}
	whole := newModel()
	lrs := [...]float64{1, 1, 0.5, 0.5}
	lr0 := whole.LearningRate()
	run := func(m Resumer, from, to int) {
		for s := from; s < to; s++ {
			m.SetLearningRate(lr0 * lrs[s])
			m.TrainStep(x[s], labels[s], n)
		}
	}

	for i, v := range whole.Momentum() {
		p := whole.Params()[i]
		require.Equal(t, p.Name+".momentum", v.Name)
		require.Equal(t, p.Shape, v.Shape, v.Name)
		require.Len(t, v.Data, len(p.Data), v.Name)
		require.Equal(t, -1, slices.IndexFunc(v.Data, func(f float32) bool { return f != 0 }), "%s starts at zero", v.Name)
	}
	run(whole, 0, 4)

	stopped := newModel()
	run(stopped, 0, 2)
	resume := func(withMomentum bool) Resumer {
		m := newModel()
		for i, p := range stopped.Params() {
			copy(m.Params()[i].Data, p.Data)
			if withMomentum {
				copy(m.Momentum()[i].Data, stopped.Momentum()[i].Data)
			}
		}
		m.SetStepCount(stopped.StepCount())
		m.SetLearningRate(stopped.LearningRate())
		run(m, 2, 4)
		return m
	}

	resumed := resume(true)
	require.Equal(t, whole.StepCount(), resumed.StepCount())
	for i, p := range whole.Params() {
		for _, pair := range [][2]runtime.Param{{p, resumed.Params()[i]}, {whole.Momentum()[i], resumed.Momentum()[i]}} {
			for j, v := range pair[0].Data {
				if math.Float32bits(v) != math.Float32bits(pair[1].Data[j]) {
					t.Fatalf("%s[%d]: %g after 4 steps, %g after 2 steps, a resume and 2 more", pair[0].Name, j, v, pair[1].Data[j])
				}
			}
		}
	}

	forgetful := resume(false)
	same := true
	for i, p := range whole.Params() {
		same = same && slices.Equal(p.Data, forgetful.Params()[i].Data)
	}
	require.False(t, same, "a resume without the momentum gives the same parameters: the check could not fail")
}

// CheckConcurrent checks that a model's training does not depend on what else runs in the
// process: steps training steps of n images (fresh models from newModel, the same data) give
// bit-identical parameters when run alone, when four models train at once in goroutines (three
// times), and when run inside a runtime.Parallel body, where every parallel call finds the
// worker pool busy. With one worker there is nothing to check.
func CheckConcurrent(t testing.TB, newModel func() Trainer, spec string, n, steps int) {
	t.Helper()
	if runtime.Workers() == 1 {
		t.Skip("one worker: nothing runs in parallel")
	}
	net := Compile(t, spec)
	x := Input(n, int(net.Input.Size()), 41)
	labels := randomLabels(n, net.Classes, 43)
	train := func() [][]uint32 {
		m := newModel()
		for range steps {
			m.TrainStep(x, labels, n)
		}
		var bits [][]uint32
		for _, p := range m.Params() {
			b := make([]uint32, len(p.Data))
			for j, v := range p.Data {
				b[j] = math.Float32bits(v)
			}
			bits = append(bits, b)
		}
		return bits
	}
	alone := train()
	same := func(what string, got [][]uint32) {
		t.Helper()
		for i, p := range newModel().Params() {
			if !slices.Equal(alone[i], got[i]) {
				t.Errorf("%s: %s differs from a lone run after %d steps", what, p.Name, steps)
				return
			}
		}
	}
	for run := range 3 {
		results := make([][][]uint32, 4)
		var wg sync.WaitGroup
		for g := range results {
			wg.Go(func() { results[g] = train() })
		}
		wg.Wait()
		for g, r := range results {
			same(fmt.Sprintf("run %d, model %d of 4 in goroutines", run+1, g+1), r)
		}
	}
	var busy [][]uint32
	runtime.Parallel(runtime.Workers(), func(w, lo, hi int) {
		if w == 0 {
			busy = train()
		}
	})
	same("inside a Parallel body", busy)
}
