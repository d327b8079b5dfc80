package modeltest

import (
	"fmt"
	"io"
	"maps"
	"math"
	goruntime "runtime"
	"slices"
	"sync"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/internal/reference"
	"github.com/netc-project/netc/runtime"
)

// fake is a Trainer built on the reference implementation: its forward pass is reference.Forward
// in float32, its Backward reference.Gradients and its Step reference.SGDStep, in float64 with
// float32 parameters and gradients, as a generated model keeps them. It is the checks' own test
// subject: they must pass it, and fail it when one of its faults is switched on.
type fake struct {
	net      *compiler.Network
	params   []runtime.Param
	momentum map[string][]float64
	lr       float64
	steps    int64
	x        []float32
	n        int
	masks    map[string][]float32 // the last training-mode Forward's
	train    bool                 // the last Forward's mode
	rng      runtime.RNG
	fault    fault
}

// fault is a bug the fake can be given.
type fault int

const (
	noFault         fault = iota
	faultGradValue        // one gradient value off by 1e-3 of its tensor's largest
	faultUnwritten        // Backward leaves one gradient value as it was
	faultAccumulate       // Backward adds to Grad instead of overwriting it
	faultMaskless         // Backward ignores the dropout masks
	faultBadMask          // Masks reports a mask value that is neither 0 nor 1/(1−p)
	faultRule             // Step uses the other update rule
	faultBiasMult         // Step ignores the biases' multipliers
	faultIgnoreLR         // SetLearningRate does nothing
	faultLossScale        // Backward returns the summed loss, not the mean
	faultLogits           // Forward's first logit is off by 1e-3 of the largest
	faultNearTie          // Backward takes its nearest ReLU or max-pool decision the other way
	faultFarTie           // Backward takes a decision beyond the nearTries nearest the other way
	faultNearReLU         // faultNearTie, among the ReLUs' decisions only
)

// newFake returns a fake of the spec at path, its parameters initialised to zero.
func newFake(t testing.TB, path string, f fault) *fake {
	net := Compile(t, path)
	m := &fake{net: net, momentum: map[string][]float64{}, lr: net.Train.LR, rng: runtime.NewRNG(5), fault: f}
	for _, l := range net.Layers {
		for _, p := range l.ParamShapes() {
			k := 1
			for _, d := range p.Shape {
				k *= d
			}
			m.params = append(m.params, runtime.Param{Name: p.Name, Shape: p.Shape, Data: make([]float32, k), Grad: make([]float32, k)})
		}
	}
	return m
}

func (m *fake) Params() []runtime.Param { return m.params }

func (m *fake) Save(w io.Writer) error { return runtime.WriteSafetensors(w, m.params, nil) }

func (m *fake) Load(r io.Reader) error {
	return runtime.ReadSafetensorsWith(r, m.params, runtime.SafetensorsOptions{})
}

func (m *fake) Forward(x []float32, n int, train bool) []float32 {
	m.x, m.n, m.train = x[:n*int(m.net.Input.Size())], n, train
	var masks map[string][]float32
	if train {
		m.masks = map[string][]float32{}
		for _, l := range m.net.Layers {
			if d := l.Dropout(); d != nil {
				mask := make([]float32, n*int(l.Out.Size()))
				for j := range mask {
					if m.rng.Float64() >= d.P {
						mask[j] = float32(1 / (1 - d.P))
					}
				}
				m.masks[l.Name] = mask
			}
		}
		masks = m.masks
	}
	params := map[string][]float32{}
	for _, p := range m.params {
		params[p.Name] = p.Data
	}
	logits, err := reference.Forward(m.net, params, m.x, n, masks)
	if err != nil {
		panic(err)
	}
	if m.fault == faultLogits {
		logits[0] += 1e-3 * float32(maxAbs(widen(logits)))
	}
	return logits
}

func (m *fake) Backward(labels []int32) float32 {
	var masks map[string][]float64
	if m.train && m.fault != faultMaskless {
		masks = widenAll(m.masks)
	}
	params, x := paramValues(m), widen(m.x)
	loss, grads, err := reference.Gradients(m.net, params, x, m.n, labels, masks)
	if err != nil {
		panic(err)
	}
	if m.fault == faultNearTie || m.fault == faultFarTie || m.fault == faultNearReLU {
		loss, grads = m.flipTie(params, x, labels, masks)
	}
	for _, p := range m.params {
		g := grads[p.Name]
		for j := range p.Grad {
			switch {
			case m.fault == faultAccumulate:
				p.Grad[j] += float32(g[j])
			case m.fault == faultUnwritten && j == len(p.Grad)-1:
			default:
				p.Grad[j] = float32(g[j])
			}
		}
		if m.fault == faultGradValue && p.Name == m.params[len(m.params)/2].Name {
			p.Grad[len(p.Grad)/3] += float32(1e-3 * maxAbs(g))
		}
	}
	if m.fault == faultLossScale {
		loss *= float64(m.n)
	}
	return float32(loss)
}

// flipTie returns the loss and gradients with one ReLU or max-pool tie (reference.Ties) taken the
// other way: of the nearTries nearest ties (faultNearTie; of the ReLUs' among them for
// faultNearReLU, if any) or of the next ones (faultFarTie), the one that changes the gradients
// most, so that the change shows.
func (m *fake) flipTie(params map[string][]float64, x []float64, labels []int32, masks map[string][]float64) (float64, map[string][]float64) {
	decisions, err := reference.NearDecisions(m.net, params, x, m.n, labels, masks, 1)
	if err != nil {
		panic(err)
	}
	ties := reference.Ties(decisions)
	switch m.fault {
	case faultNearTie:
		ties = ties[:nearTries]
	case faultNearReLU:
		ties = slices.DeleteFunc(ties[:nearTries], func(d []reference.Decision) bool { return d[0].Other >= 0 })
	default:
		ties = ties[nearTries:min(len(ties), 3*nearTries)]
	}
	loss, grads, _ := reference.Gradients(m.net, params, x, m.n, labels, masks)
	plain := grads
	var most float64
	for _, tie := range ties {
		l, g, err := reference.GradientsFlipped(m.net, params, x, m.n, labels, masks, tie)
		if err != nil {
			panic(err)
		}
		var change float64 // the largest change, relative to its tensor's largest gradient
		for name, v := range g {
			scale := maxAbs(plain[name])
			for j := range v {
				change = max(change, math.Abs(v[j]-plain[name][j])/scale)
			}
		}
		if change > most {
			loss, grads, most = l, g, change
		}
	}
	return loss, grads
}

func (m *fake) Step() {
	net := *m.net
	switch m.fault {
	case faultRule:
		net.Train.Rule = map[compiler.UpdateRule]compiler.UpdateRule{
			compiler.RulePaper: compiler.RulePyTorch, compiler.RulePyTorch: compiler.RulePaper}[net.Train.Rule]
	case faultBiasMult:
		net.Train.Biases = net.Train.Weights
	}
	params, grads := map[string][]float64{}, map[string][]float64{}
	for _, p := range m.params {
		params[p.Name], grads[p.Name] = widen(p.Data), widen(p.Grad)
	}
	reference.SGDStep(&net, params, grads, m.momentum, m.lr)
	for _, p := range m.params {
		for j, v := range params[p.Name] {
			p.Data[j] = float32(v)
		}
	}
	m.steps++
}

func (m *fake) TrainStep(x []float32, labels []int32, n int) float32 {
	m.Forward(x, n, true)
	loss := m.Backward(labels)
	m.Step()
	return loss
}

func (m *fake) LearningRate() float64 { return m.lr }

func (m *fake) SetLearningRate(lr float64) {
	if m.fault != faultIgnoreLR {
		m.lr = lr
	}
}

func (m *fake) StepCount() int64     { return m.steps }
func (m *fake) SetStepCount(n int64) { m.steps = n }

func (m *fake) Masks() map[string][]float32 {
	if m.fault == faultBadMask {
		bad := maps.Clone(m.masks)
		for name, mask := range bad {
			bad[name] = slices.Clone(mask)
			bad[name][0] = 1.5
		}
		return bad
	}
	return m.masks
}

// maxAbs is the largest |value| of x.
func maxAbs(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// recorder is a testing.TB that records failures instead of failing the test, so that a check can
// be run on a faulty model and shown to fail. Its FailNow and SkipNow end the goroutine, as
// testing's do, so the check must run on a goroutine of its own: see failures. Everything else
// (Helper, Log, TempDir, Context, Cleanup…) goes to the real test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	messages []string
	skipped  bool
}

func (r *recorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any)                 { r.record(fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); goruntime.Goexit() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); goruntime.Goexit() }
func (r *recorder) Fail()                             { r.record("Fail") }
func (r *recorder) FailNow()                          { r.Fail(); goruntime.Goexit() }
func (r *recorder) Skip(args ...any)                  { r.SkipNow() }
func (r *recorder) Skipf(format string, args ...any)  { r.SkipNow() }

func (r *recorder) SkipNow() {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	goruntime.Goexit()
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.messages) > 0
}

func (r *recorder) record(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messages = append(r.messages, msg)
}

// failures runs check with a recorder and returns what it reported, skipping t when the check
// skipped.
func failures(t *testing.T, check func(testing.TB)) []string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	if r.skipped {
		t.Skip("the check skipped")
	}
	return r.messages
}
