package modeltest

import (
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/internal/reference"
	"github.com/stretchr/testify/require"
)

// torchScript runs a network in PyTorch; see its doc string.
//
//go:embed testdata/torch_net.py
var torchScript []byte

// Entries of the network description torch_net.py reads.
type (
	torchDesc struct {
		Input      string       `json:"input"`
		InputShape []int        `json:"input_shape"`
		Labels     []int32      `json:"labels"`
		Layers     []torchLayer `json:"layers"`
		Params     []torchParam `json:"params"`
		Rule       string       `json:"rule"`
		Momentum   float64      `json:"momentum"`
		Decay      float64      `json:"decay"`
		LRs        []float64    `json:"lrs"`
		// Flips are, per step, the near ties the model took the other way (see nearMargin),
		// for PyTorch to take likewise.
		Flips [][]torchFlip `json:"flips"`
	}
	torchFlip struct {
		Layer string `json:"layer"`
		Index int    `json:"index"` // the ReLU's input or the max pool's output, flat over the batch
		Other int    `json:"other"` // max pool: the input that takes the gradient instead, flat over the batch
	}
	torchLayer struct {
		Name string `json:"name"`
		Op   string `json:"op"`
		// Torch is the layer's PyTorch equivalent, the compiler's expression over x, w, b
		// and mask (Layer.Torch); Loss marks the softmax loss, which has none.
		Torch    string `json:"torch"`
		Loss     bool   `json:"loss"`
		InShape  []int  `json:"in_shape"`
		OutShape []int  `json:"out_shape"`
		Weight   string `json:"weight,omitempty"`
		Bias     string `json:"bias,omitempty"`
	}
	torchParam struct {
		Name      string  `json:"name"`
		Shape     []int   `json:"shape"`
		File      string  `json:"file"`
		LRMult    float64 `json:"lr_mult"`    // Train.Weights or Train.Biases LR × the parameter's LRMult
		DecayMult float64 `json:"decay_mult"` // likewise for the decay
	}
)

// torchStep is what the model gave in one step of CheckTorch.
type torchStep struct {
	logits        []float32
	loss          float32
	grads         [][]float32          // per parameter, in Params order
	before, after map[string][]float64 // the parameters before and after the step
}

// CheckTorch compares the model with PyTorch (testdata/torch_net.py, in float64, one Python
// process): the network is rebuilt from the compiled spec, each layer as its PyTorch expression
// (compiler.Layer.Torch), and both run two steps of Forward(x, n, false), Backward and Step from
// the same random parameters, images and labels, with the learning rate cut tenfold between the
// steps, as CheckSteps does. The logits, the loss and every gradient of both steps, and every
// parameter's change in each step, must agree to within GradTol of the tensor's largest |value|
// (the loss relative to itself; the changes, as in CheckSteps, plus the rounding of the float32
// weights). PyTorch also checks every layer's output shape against the compiler's.
//
// The reference runs the same steps first, to find any near tie the model took the other way
// (see nearMargin); PyTorch is told to take those the same way, so that the model is always
// compared with PyTorch directly. m must be fresh from New, as for CheckSteps. Without
// python3-torch, or with -short, the test is skipped.
func CheckTorch(t testing.TB, m Trainer, spec string, n int) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not starting Python")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		t.Skip("python3-torch not installed; apt-get install python3-torch")
	}
	net := Compile(t, spec)
	require.Zero(t, m.StepCount(), "CheckTorch needs a fresh model, with zero momentum")
	require.Equal(t, net.Train.LR, m.LearningRate(), "the learning rate starts at the spec's sgd lr")
	Randomize(m, 29)
	x := Input(n, int(net.Input.Size()), 31)
	labels := randomLabels(n, net.Classes, 37)
	lrs := []float64{net.Train.LR, net.Train.LR / 10}
	dir := t.TempDir()
	desc := describe(t, dir, net, m, x, n, labels, lrs)

	var steps []torchStep
	for _, lr := range lrs {
		if lr != m.LearningRate() {
			m.SetLearningRate(lr)
		}
		s := torchStep{before: paramValues(m)}
		s.logits = slices.Clone(m.Forward(x, n, false))
		s.loss = m.Backward(labels)
		for _, p := range m.Params() {
			s.grads = append(s.grads, slices.Clone(p.Grad))
		}
		m.Step()
		s.after = paramValues(m)
		steps = append(steps, s)
	}

	// The reference's steps, for the near ties.
	ref, momentum := steps[0].before, map[string][]float64{}
	for k, s := range steps {
		what := fmt.Sprintf("%s, n=%d, step %d (lr %g) against the reference", spec, n, k+1, lrs[k])
		var nextRef, nextMomentum map[string][]float64 // the step agree accepts, as in CheckSteps
		agree := func(loss float64, grads map[string][]float64) bool {
			p, v := cloneAll(ref), cloneAll(momentum)
			reference.SGDStep(net, p, grads, v, lrs[k])
			ok := closeScalar(float64(s.loss), loss, GradTol) &&
				updateErrors(m.Params(), s.before, s.after, ref, p, GradTol) == nil
			if ok {
				nextRef, nextMomentum = p, v
			}
			return ok
		}
		_, grads, flips := referenceFor(t, what, net, ref, widen(x), n, labels, nil, agree)
		if nextRef == nil {
			reference.SGDStep(net, ref, grads, momentum, lrs[k])
		} else {
			ref, momentum = nextRef, nextMomentum
		}
		desc.Flips = append(desc.Flips, []torchFlip{})
		for _, f := range reference.Flatten(flips) {
			desc.Flips[k] = append(desc.Flips[k], torchFlip{Layer: f.Layer, Index: f.Index, Other: f.Other})
		}
	}

	data, err := json.MarshalIndent(desc, "", "  ")
	require.NoError(t, err)
	descPath := filepath.Join(dir, "net.json")
	require.NoError(t, os.WriteFile(descPath, data, 0o644))
	script := filepath.Join(dir, "torch_net.py")
	require.NoError(t, os.WriteFile(script, torchScript, 0o644))
	cmd := exec.CommandContext(t.Context(), "/usr/bin/python3", script, descPath)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "torch_net.py:\n%s", out)

	for k, s := range steps {
		what := fmt.Sprintf("%s, n=%d, step %d (lr %g) against PyTorch", spec, n, k+1, lrs[k])
		read := func(name string) []float64 {
			return readFloat64s(t, filepath.Join(dir, fmt.Sprintf("step%d.%s", k, name)))
		}
		if _, err := closeTensor(s.logits, read("logits"), []int{n, net.Classes}, GradTol); err != nil {
			t.Errorf("%s: the logits: %v", what, err)
		}
		if want := read("loss"); !closeScalar(float64(s.loss), want[0], GradTol) {
			t.Errorf("%s: the loss is %.9g, want %.9g (tolerance %g relative)", what, s.loss, want[0], GradTol)
		}
		for i, p := range m.Params() {
			if _, err := closeTensor(s.grads[i], read(fmt.Sprintf("grad.%d", i)), p.Shape, GradTol); err != nil {
				t.Errorf("%s: %s's gradient: %v", what, p.Name, err)
			}
			wantBefore := s.before[p.Name] // the same float32 values
			if k > 0 {
				wantBefore = readFloat64s(t, filepath.Join(dir, fmt.Sprintf("step%d.weight.%d", k-1, i)))
			}
			if err := updateError(p.Shape, s.before[p.Name], s.after[p.Name], wantBefore, read(fmt.Sprintf("weight.%d", i)), GradTol); err != nil {
				t.Errorf("%s: %s: the step's change: %v", what, p.Name, err)
			}
		}
	}
}

// describe writes the input and the model's parameters into dir and returns the description of
// the network and of the run for torch_net.py.
func describe(t testing.TB, dir string, net *compiler.Network, m Trainer, x []float32, n int, labels []int32, lrs []float64) torchDesc {
	desc := torchDesc{
		Input: "x.f32", InputShape: append([]int{n}, net.Input.Dims()...), Labels: labels,
		Rule: net.Train.Rule.String(), Momentum: net.Train.Momentum, Decay: net.Train.Decay, LRs: lrs,
	}
	writeFloat32s(t, filepath.Join(dir, desc.Input), x)
	data := map[string][]float32{}
	for _, p := range m.Params() {
		data[p.Name] = p.Data
	}
	for _, l := range net.Layers {
		tl := torchLayer{Name: l.Name, Op: l.Op.String(), Torch: l.Torch(), Loss: l.Op.IsLoss(), InShape: l.In.Dims(), OutShape: l.Out.Dims()}
		for _, p := range l.ParamShapes() {
			values, ok := data[p.Name]
			require.True(t, ok, "the model has no parameter %s", p.Name)
			mult := net.Train.Weights
			if p.Bias {
				mult, tl.Bias = net.Train.Biases, p.Name
			} else {
				tl.Weight = p.Name
			}
			tp := torchParam{Name: p.Name, Shape: p.Shape, File: p.Name + ".f32",
				LRMult: mult.LR * p.Learn.LRMult, DecayMult: mult.Decay * p.Learn.DecayMult}
			writeFloat32s(t, filepath.Join(dir, tp.File), values)
			desc.Params = append(desc.Params, tp)
		}
		desc.Layers = append(desc.Layers, tl)
	}
	// The parameters in the model's order, which the results are numbered by.
	order := map[string]int{}
	for i, p := range m.Params() {
		order[p.Name] = i
	}
	require.Len(t, desc.Params, len(order), "the model's parameters are not the spec's")
	slices.SortFunc(desc.Params, func(a, b torchParam) int { return order[a.Name] - order[b.Name] })
	return desc
}

// writeFloat32s writes values as raw little-endian float32.
func writeFloat32s(t testing.TB, path string, values []float32) {
	buf := make([]byte, 0, 4*len(values))
	for _, v := range values {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	require.NoError(t, os.WriteFile(path, buf, 0o644))
}

// readFloat64s reads raw little-endian float64 values.
func readFloat64s(t testing.TB, path string) []float64 {
	buf, err := os.ReadFile(path)
	require.NoError(t, err)
	values := make([]float64, len(buf)/8)
	for j := range values {
		values[j] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*j:]))
	}
	return values
}
