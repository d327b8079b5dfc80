package modeltest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinySpec has every op, both LRN conventions, per-layer multipliers and Caffe's bias multipliers.
const tinySpec = "../../specs/tiny.net"

// paperSpec writes specs/tiny.net with the paper's update rule instead of PyTorch's into a
// temporary file and returns its path.
func paperSpec(t *testing.T) string {
	src, err := os.ReadFile(tinySpec)
	require.NoError(t, err)
	paper := strings.Replace(string(src), "rule pytorch", "rule paper", 1)
	require.NotEqual(t, string(src), paper, "tiny.net no longer says rule pytorch")
	path := filepath.Join(t.TempDir(), "tiny_paper.net")
	require.NoError(t, os.WriteFile(path, []byte(paper), 0o644))
	return path
}

// The checks a fault is tried against.
var (
	gradients      = func(tb testing.TB, m Trainer, spec string) { CheckGradients(tb, m, spec, 3, false, 0) }
	trainGradients = func(tb testing.TB, m Trainer, spec string) { CheckGradients(tb, m, spec, 3, true, 0) }
	steps          = func(tb testing.TB, m Trainer, spec string) { CheckSteps(tb, m, spec, 3) }
	torch          = func(tb testing.TB, m Trainer, spec string) { CheckTorch(tb, m, spec, 3) }
)

// TestChecksPassTheReference runs the checks on the fake model, which is the reference itself
// in float32 clothing: all must pass, for both update rules.
func TestChecksPassTheReference(t *testing.T) {
	for _, spec := range []string{tinySpec, paperSpec(t)} {
		for _, check := range []func(testing.TB, Trainer, string){gradients, trainGradients, steps} {
			check(t, newFake(t, spec, noFault), spec)
		}
	}
}

// TestChecksCatchFaults gives the fake model one bug at a time and checks that the checks fail
// it, saying what is wrong.
func TestChecksCatchFaults(t *testing.T) {
	paper := paperSpec(t)
	for _, tc := range []struct {
		name  string
		fault fault
		spec  string
		check func(testing.TB, Trainer, string)
		want  string // a regexp the report must match
	}{
		{"gradient value", faultGradValue, tinySpec, gradients,
			`train=false, Backward #1: fc1.weight's gradient: 1 of 768 values are off; the worst, \[256\] = \(5, 16\), is .* error 0.001 of the largest`},
		{"unwritten gradient", faultUnwritten, tinySpec, gradients, `Backward #1: c1.weight's gradient: 1 of 216 values are off; the worst, \[215\] = \(7, 2, 2, 2\), is NaN`},
		{"accumulated gradient", faultAccumulate, tinySpec, gradients, `Backward #2: c1.weight's gradient: 216 of 216 values are off`},
		{"dropout ignored by Backward", faultMaskless, tinySpec, trainGradients, `train=true, Backward #1: fc1.weight's gradient`},
		{"bad mask", faultBadMask, tinySpec, trainGradients, `fc1.dropout's mask \[0\] is 1.5; a mask value is 0 or 1/\(1−0.3\) = 1.4285`},
		{"summed loss", faultLossScale, tinySpec, gradients, `the loss is .*, want .* \(tolerance 0.0001 relative\)`},
		{"pytorch rule as paper", faultRule, tinySpec, steps, `step 2 \(lr 0.005, train=false\): c1.weight: the step's change`},
		{"paper rule as pytorch", faultRule, paper, steps, `step 2 \(lr 0.005, train=false\): c1.weight: the step's change`},
		{"bias multipliers ignored", faultBiasMult, tinySpec, steps, `step 1 \(lr 0.05, train=false\): c1.bias: the step's change`},
		{"learning rate not set", faultIgnoreLR, tinySpec, steps, `SetLearningRate`},
		{"dropout ignored in TrainStep", faultMaskless, tinySpec, steps, `step 3 \(lr 0.005, train=true\): fc1.weight: the step's change`},
		{"torch: gradient value", faultGradValue, tinySpec, torch, `step 1 \(lr 0.05\) against PyTorch: fc1.weight's gradient: 1 of 768 values are off`},
		{"torch: logits", faultLogits, tinySpec, torch, `step 1 \(lr 0.05\) against PyTorch: the logits: 1 of 30 values are off; the worst, \[0\] = \(0, 0\)`},
		{"torch: paper rule as pytorch", faultRule, paper, torch, `step 2 \(lr 0.005\) against PyTorch: c1.weight: the step's change`},
		{"a tie that is not near", faultNearTie, tinySpec, gradients, `Backward #1: .*'s gradient: .* values are off`},
		{"a tie too far down the list", faultFarTie, tinySpec, gradients, `Backward #1: .*'s gradient: .* values are off`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault == faultFarTie {
				defer setNearMargin(1)()
			}
			got := failures(t, func(tb testing.TB) { tc.check(tb, newFake(tb, tc.spec, tc.fault), tc.spec) })
			require.NotEmpty(t, got, "the check passed a model with a fault")
			for _, msg := range got {
				t.Log(msg)
			}
			assert.Regexp(t, tc.want, strings.Join(got, "\n"))
		})
	}
}

// TestCheckTorchPassesTheReference runs CheckTorch on the fake model for both update rules.
func TestCheckTorchPassesTheReference(t *testing.T) {
	for _, spec := range []string{tinySpec, paperSpec(t)} {
		CheckTorch(t, newFake(t, spec, noFault), spec, 3)
	}
}

// TestChecksAllowNearTies gives the fake model the nearest ReLU or max-pool decision of every
// Backward taken the other way, as float32 rounding may take a near tie; with every decision
// counting as near, the checks must find it and pass, and CheckTorch must have PyTorch take the
// same decision.
func TestChecksAllowNearTies(t *testing.T) {
	defer setNearMargin(1)()
	for _, f := range []fault{faultNearTie, faultNearReLU} {
		for _, check := range []func(testing.TB, Trainer, string){gradients, trainGradients, steps, torch} {
			check(t, newFake(t, tinySpec, f), tinySpec)
		}
	}
}

// setNearMargin sets nearMargin and returns a function that restores it.
func setNearMargin(m float64) func() {
	old := nearMargin
	nearMargin = m
	return func() { nearMargin = old }
}
