// Package modeltest holds the checks every generated package runs on itself: its forward pass
// against the naive reference implementation, its weight files, its allocations, and its
// benchmarks; and for training (train.go, torch.go), its gradients and optimiser steps against
// the reference (CheckGradients, CheckSteps) and against PyTorch (CheckTorch, through
// testdata/torch_net.py). Each generated package's own test file calls these with its Model.
//
// The training checks compare float32 results with float64 ones relative to the largest value of
// each tensor, and allow for the one way a correct float32 model can still disagree: a ReLU or
// max-pool decision within rounding of a tie, taken the other way (see nearMargin). Their own
// tests run them on a fake model built on the reference, which must pass, and on the same fake
// with one bug at a time, which must fail with a message that names the bug's tensor.
package modeltest

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/internal/reference"
	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/require"
)

// Model is the API every generated package's Model has.
type Model interface {
	Forward(x []float32, n int, train bool) []float32
	Params() []runtime.Param
	Save(w io.Writer) error
	Load(r io.Reader) error
}

// Compile compiles the spec at path (relative to the test's package).
func Compile(t testing.TB, path string) *compiler.Network {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	n, err := compiler.Compile(path, src)
	require.NoError(t, err)
	return n
}

// Randomize gives the model's parameters random values from seed, scaled as Kaiming's fan-in
// rule so that activations keep their size through the network, and biases N(0, 0.1²), so
// that every value takes part (the spec's own initialisation may zero the biases).
func Randomize(m Model, seed uint64) {
	rng := runtime.NewRNG(seed)
	for _, p := range m.Params() {
		std := 0.1
		if len(p.Shape) > 1 {
			std = math.Sqrt(2 / float64(p.Size()/p.Shape[0]))
		}
		rng.FillNormal(p.Data, 0, std)
	}
}

// Input returns n random images of size values each, N(0, 1).
func Input(n, size int, seed uint64) []float32 {
	x := make([]float32, n*size)
	rng := runtime.NewRNG(seed)
	rng.FillNormal(x, 0, 1)
	return x
}

// CheckForward compares the model's Forward (train=false) on n random images with the reference
// implementation's, on random parameters: every logit must agree to within tol relative to the
// largest logit.
func CheckForward(t *testing.T, m Model, spec string, n int, tol float64) {
	t.Helper()
	net := Compile(t, spec)
	Randomize(m, 7)
	size := net.Input.C * net.Input.H * net.Input.W
	x := Input(n, size, 11)
	got := m.Forward(x, n, false)
	require.Len(t, got, n*net.Classes)

	params := map[string][]float32{}
	for _, p := range m.Params() {
		params[p.Name] = p.Data
	}
	want, err := reference.Forward(net, params, x, n, nil)
	require.NoError(t, err)
	require.NoError(t, Close(got, want, tol), "%s, n=%d", spec, n)
}

// Close reports whether got and want agree to within tol relative to want's largest magnitude,
// naming the first value that does not.
func Close(got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	var scale float64
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	if scale == 0 {
		scale = 1
	}
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if !(d <= tol*scale) {
			return fmt.Errorf("value %d is %g, want %g: error %.3g of the largest |value| %.3g (tolerance %g)", i, got[i], want[i], d/scale, scale, tol)
		}
	}
	return nil
}

// CheckSaveLoad writes the model, reads the file into a fresh model, and checks that every
// parameter comes back bit for bit and that the outputs agree; then that a truncated file and
// a file of another model are refused, leaving the model unchanged.
func CheckSaveLoad(t *testing.T, newModel func() Model) {
	t.Helper()
	a := newModel()
	Randomize(a, 3)
	var file bytes.Buffer
	require.NoError(t, a.Save(&file))

	b := newModel()
	require.NoError(t, b.Load(bytes.NewReader(file.Bytes())))
	for i, p := range a.Params() {
		q := b.Params()[i]
		require.Equal(t, p.Name, q.Name)
		for j := range p.Data {
			if math.Float32bits(p.Data[j]) != math.Float32bits(q.Data[j]) {
				t.Fatalf("%s[%d] is %g after Save and Load, want %g", p.Name, j, q.Data[j], p.Data[j])
			}
		}
	}

	c := newModel()
	before := c.Params()[0].Data[0]
	err := c.Load(bytes.NewReader(file.Bytes()[:file.Len()-1]))
	require.Error(t, err)
	require.Contains(t, err.Error(), "safetensors")
	require.Equal(t, before, c.Params()[0].Data[0], "a failed Load changed the model")

	// A file whose first tensor has another shape.
	p := c.Params()[0]
	wrong := []runtime.Param{{Name: p.Name, Shape: []int{p.Size() + 1}, Data: make([]float32, p.Size()+1)}}
	var bad bytes.Buffer
	require.NoError(t, runtime.WriteSafetensors(&bad, wrong, nil))
	err = c.Load(&bad)
	require.Error(t, err)
	require.Contains(t, err.Error(), p.Name)
}

// CheckSeed checks that a seed determines the initial parameters: fresh, the model New makes and
// the one newSeeded makes from defaultSeed are equal, and the one of defaultSeed+1 differs.
func CheckSeed(t *testing.T, fresh Model, newSeeded func(seed uint64) Model, defaultSeed uint64) {
	t.Helper()
	b, c := newSeeded(defaultSeed), newSeeded(defaultSeed+1)
	differ := false
	for i, p := range fresh.Params() {
		require.Equal(t, p.Data, b.Params()[i].Data, p.Name)
		differ = differ || !slices.Equal(p.Data, c.Params()[i].Data)
	}
	require.True(t, differ, "seeds %d and %d give the same parameters", defaultSeed, defaultSeed+1)
}

// CheckBatch checks that Forward gives each of n images the logits it gives the image alone,
// within tol of the largest |logit|: whatever path a batch of n takes (the fully connected
// layers' direct kernels take 32 images at a time, the GEMM the rest) computes the same network.
// It is cheap where CheckForward's float64 reference of n images is not.
func CheckBatch(t *testing.T, m Model, size, n int, tol float64) {
	t.Helper()
	x := Input(n, size, 1)
	all := slices.Clone(m.Forward(x, n, false))
	classes := len(all) / n
	for _, i := range []int{0, n / 2, n - 1} {
		one := m.Forward(x[i*size:(i+1)*size], 1, false)
		want := all[i*classes : (i+1)*classes]
		var worst, largest float64
		for j, v := range one {
			worst = max(worst, math.Abs(float64(v)-float64(want[j])))
			largest = max(largest, math.Abs(float64(v)))
		}
		require.LessOrEqual(t, worst, tol*max(largest, 1e-30), "image %d of %d: logits differ by %g alone and in the batch (largest |logit| %g)", i, n, worst, largest)
	}
}

// CheckNoAllocs checks that Forward allocates nothing once its buffers exist.
func CheckNoAllocs(t *testing.T, m Model, size, n int, train bool) {
	t.Helper()
	x := Input(n, size, 1)
	m.Forward(x, n, train)
	allocs := testing.AllocsPerRun(3, func() { m.Forward(x, n, train) })
	require.Zero(t, allocs, "Forward(n=%d, train=%v) allocates", n, train)
}

// BenchmarkForward runs Forward on n images per op and reports images/s and GFLOP/s, given the
// network's forward FLOPs per image.
func BenchmarkForward(b *testing.B, m Model, size, n int, flopsPerImage float64) {
	x := Input(n, size, 1)
	m.Forward(x, n, false)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Forward(x, n, false)
	}
	sec := b.Elapsed().Seconds()
	images := float64(b.N * n)
	b.ReportMetric(images/sec, "img/s")
	b.ReportMetric(images*flopsPerImage/sec/1e9, "GFLOP/s")
}
