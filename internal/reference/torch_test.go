package reference

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/require"
)

// Comparisons with PyTorch: every network below runs through ForwardTrace, and each of its layers
// through testdata/torch_ops.py, which computes in float64 on the same input: the reference's
// output of the layer before. A value passes within 1e-5 of PyTorch's, relative, with a floor of
// 1e-7 times the layer's largest value for values near zero. Each layer's backward pass is
// compared too, from a random output gradient (for the loss, from the loss): the gradients of its
// input and parameters, computed by the reference's backward ops and by PyTorch's autograd, both
// in float64 from the same float32 values, so that they agree to rounding (backRel, backFloor).
const (
	torchRel   = 1e-5
	torchFloor = 1e-7
	backRel    = 1e-10
	backFloor  = 1e-12
)

// oneLayer is a spec that applies layer to inputs of the given shape, then flattens and ends in
// a small classifier, as every spec must.
func oneLayer(input, layer string) string {
	return fmt.Sprintf("network t\ninput %s\nclasses 3\nx: %s\nflatten\nfc 3\nloss: softmax\n", input, layer)
}

// torchNetworks are the specs compared with PyTorch: single layers at awkward sizes and
// settings, and whole small networks.
func torchNetworks(t *testing.T) map[string]string {
	nets := map[string]string{
		"conv 1ch":              oneLayer("1x4x4", "conv 1 kernel 3"),
		"conv stride padding":   oneLayer("3x8x6", "conv 4 kernel 3x2 stride 2x1 padding 1x0 rounding floor"),
		"conv groups 2":         oneLayer("4x5x5", "conv 6 kernel 3 padding 1 groups 2 bias off"),
		"conv groups 3 strided": oneLayer("6x6x5", "conv 6 kernel 2x3 stride 2 padding 1 groups 3"),
		"conv alexnet conv1":    oneLayer("3x15x15", "conv 4 kernel 11 stride 4 padding 2"),
		"conv depthwise":        oneLayer("4x5x5", "conv 8 kernel 3 padding 1 groups 4"),
		"fc image input":        oneLayer("3x2x2", "fc 5"),
		"lrn 5":                 oneLayer("7x3x2", "lrn size 5 alpha 0.5 beta 0.75 k 2"),
		"lrn 5 paper":           oneLayer("7x3x2", "lrn size 5 alpha 0.5 beta 0.75 k 2 paper"),
		"lrn 4 even":            oneLayer("6x2x2", "lrn size 4 alpha 1 beta 0.6 k 1"),
		"lrn 7 wider than C":    oneLayer("3x2x2", "lrn size 7 alpha 2 beta 0.9 k 1.5 paper"),
		"lrn 1":                 oneLayer("4x2x2", "lrn size 1 alpha 1 beta 1 k 1"),
		"adaptive 5 to 3":       oneLayer("2x5x5", "adaptive_avgpool 3"),
		"adaptive 7x6 to 3x4":   oneLayer("2x7x6", "adaptive_avgpool 3x4"),
		"adaptive identity":     oneLayer("2x6x6", "adaptive_avgpool 6"),
		"adaptive 13 to 6":      oneLayer("2x13x13", "adaptive_avgpool 6"),
		"adaptive to 1":         oneLayer("2x8x8", "adaptive_avgpool 1"),
		"relu":                  oneLayer("2x3x3", "relu"),
		"tanh":                  oneLayer("2x3x3", "tanh"),
		"tanh after fc":         "network t\ninput 2x2x2\nclasses 3\nf: fc 6\nx: tanh\nfc 3\nloss: softmax\n",
		"dropout":               oneLayer("2x3x3", "dropout 0.5"),
		// The input of "ties" is rounded to whole numbers, so that most max-pool windows have
		// several largest values: the gradient must go where PyTorch's goes, the first.
		"maxpool ties":     oneLayer("2x7x7", "maxpool 3 stride 2 padding 1 rounding ceil"),
		"maxpool ties 2/2": oneLayer("2x6x6", "maxpool 2 stride 2"),
	}
	for _, op := range []string{"maxpool", "avgpool"} {
		for name, c := range map[string][2]string{
			"3/2":                {"2x7x7", "3 stride 2"},
			"3/2 pad 1 floor":    {"2x7x7", "3 stride 2 padding 1 rounding floor"},
			"3/2 pad 1 ceil":     {"2x4x4", "3 stride 2 padding 1 rounding ceil"},
			"2/2 ceil":           {"2x5x6", "2 stride 2 rounding ceil"},
			"3x2 pad 1x0 ceil":   {"2x6x5", "3x2 stride 2x1 padding 1x0 rounding ceil"},
			"ceil drops last":    {"2x5x5", "2 stride 2 padding 1 rounding ceil"},
			"3/3 ceil":           {"2x8x8", "3 stride 3 rounding ceil"},
			"alexnet pool floor": {"2x13x13", "3 stride 2 rounding floor"},
		} {
			nets[op+" "+name] = oneLayer(c[0], op+" "+c[1])
		}
	}
	src, err := os.ReadFile("../../specs/tiny.net")
	require.NoError(t, err)
	nets["specs/tiny.net"] = string(src)
	nets["mini alexnet"] = miniAlexNet
	return nets
}

// Manifest entries for testdata/torch_ops.py; see its doc string.
type (
	torchManifest struct {
		Networks []torchNet `json:"networks"`
	}
	torchNet struct {
		Name   string       `json:"name"`
		Labels []int32      `json:"labels"`
		Loss   string       `json:"loss"`
		Layers []torchLayer `json:"layers"`
	}
	torchLayer struct {
		Name string `json:"name"`
		Op   string `json:"op"`
		// Torch is the layer's PyTorch equivalent, the compiler's expression over x, w, b
		// and mask (Layer.Torch); Loss marks the softmax loss, which has none.
		Torch       string `json:"torch"`
		Loss        bool   `json:"loss"`
		Input       string `json:"input"`
		InputShape  []int  `json:"input_shape"`
		Out         string `json:"out"`
		Weight      string `json:"weight,omitempty"`
		WeightShape []int  `json:"weight_shape,omitempty"`
		Bias        string `json:"bias,omitempty"`
		Mask        string `json:"mask,omitempty"`
		// OutGrad is the gradient of the layer's output to take back through it (none for
		// the loss, which starts from itself); the script writes the gradients of the input
		// and parameters to Out + ".dx", ".dw" and ".db".
		OutGrad string `json:"out_grad,omitempty"`
	}
)

// torchRun is one network's run through the reference, with what PyTorch needs to repeat it.
type torchRun struct {
	name     string
	src      string
	net      *compiler.Network
	n        int
	trace    map[string][]float32
	loss     float64
	files    torchNet
	params   map[string][]float32
	masks    map[string][]float32
	labels   []int32
	inputs   map[string][]float32 // each layer's input
	outGrads map[string][]float32 // each layer's output gradient, but the loss's
}

// backward returns the reference's gradients of layer l's input and parameters, in float64 from
// its input and output gradient, as PyTorch gets them: the layer's output, which a backward pass
// may read, is computed again from the input in float64, as PyTorch's autograd keeps it.
func (r *torchRun) backward(t *testing.T, l *compiler.Layer) (dx []float64, grads map[string][]float64) {
	x := widen(r.inputs[l.Name])
	if l.Op.IsLoss() {
		_, probs := SoftmaxCrossEntropy(x, r.n, l.In.C, r.labels)
		return SoftmaxCrossEntropyBackward(probs, r.n, l.In.C, r.labels), nil
	}
	row, err := opOf(l)
	require.NoError(t, err)
	w, b, err := layerParams(l, widenAll(r.params))
	require.NoError(t, err)
	c := &call{l: l, n: r.n, x: x, w: w, b: b, mask: float64s(r.masks[l.Name]), dy: widen(r.outGrads[l.Name])}
	c.y = row.forward(c)
	grads = map[string][]float64{}
	return backLayer(c, grads), grads
}

// TestAgainstPyTorch compares every layer of torchNetworks, and the loss, with PyTorch.
func TestAgainstPyTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not starting Python")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		t.Skip("python3-torch not installed; apt-get install python3-torch")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(11, 12))
	nets := torchNetworks(t)
	var runs []*torchRun
	var manifest torchManifest
	for j, name := range slices.Sorted(maps.Keys(nets)) {
		r := &torchRun{name: name, src: nets[name], n: 2, net: compileSpec(t, name, nets[name])}
		r.files = prepare(t, dir, fmt.Sprintf("net%d", j), r, rng)
		runs = append(runs, r)
		manifest.Networks = append(manifest.Networks, r.files)
	}
	data, err := json.MarshalIndent(manifest, "", "  ")
	require.NoError(t, err)
	manifestPath := filepath.Join(dir, "manifest.json")
	require.NoError(t, os.WriteFile(manifestPath, data, 0o644))

	cmd := exec.CommandContext(t.Context(), "/usr/bin/python3", "testdata/torch_ops.py", manifestPath)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "torch_ops.py:\n%s", out)
	var shapes map[string]map[string][]int
	data, err = os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &shapes))

	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			lines := strings.Split(r.src, "\n")
			for j, l := range r.net.Layers {
				wantShape := append([]int{r.n}, l.Out.Dims()...)
				if got := shapes[r.files.Name][l.Name]; !slices.Equal(got, wantShape) {
					t.Errorf("%s (%s): PyTorch's output is %v, the compiler's %v", l.Name, l.Op, got, wantShape)
					continue
				}
				out := filepath.Join(dir, r.files.Layers[j].Out)
				where := fmt.Sprintf("%s:%d: %s (%s → %s)", r.name, l.Pos.Line, l.Name, l.In, l.Out)
				line := strings.TrimSpace(lines[l.Pos.Line-1])
				if bad := mismatches(r.trace[l.Name], readFloat64s(t, out), torchRel, torchFloor); bad != nil {
					t.Errorf("%s differs from PyTorch: %v\n\t%s", where, bad, line)
				}
				dx, grads := r.backward(t, l)
				if bad := mismatches(dx, readFloat64s(t, out+".dx"), backRel, backFloor); bad != nil {
					t.Errorf("%s: the input's gradient differs from PyTorch's: %v\n\t%s", where, bad, line)
				}
				for _, p := range l.ParamShapes() {
					file := out + ".dw"
					if p.Bias {
						file = out + ".db"
					}
					if bad := mismatches(grads[p.Name], readFloat64s(t, file), backRel, backFloor); bad != nil {
						t.Errorf("%s: %s's gradient differs from PyTorch's: %v\n\t%s", where, p.Name, bad, line)
					}
				}
			}
			want := readFloat64s(t, filepath.Join(dir, r.files.Loss))
			if bad := mismatches([]float64{r.loss}, want, torchRel, 0); bad != nil {
				t.Errorf("the loss differs from PyTorch's: %v", bad)
			}
		})
	}
}

// prepare draws an input, parameters, dropout masks and labels for run r, runs the reference on
// them, and writes what PyTorch needs into dir, with file names starting with prefix. Each layer's
// input for PyTorch is the reference's output of the layer before, so that every layer is
// compared on its own.
func prepare(t *testing.T, dir, prefix string, r *torchRun, rng *rand.Rand) torchNet {
	net := r.net
	write := func(name string, values []float32) string {
		file := prefix + "_" + name
		writeFloat32s(t, filepath.Join(dir, file), values)
		return file
	}
	params := randomParams(net, rng)
	x := uniform(rng, size(r.n, net.Input), 2)
	if strings.Contains(r.name, "ties") {
		for j, v := range x {
			x[j] = float32(math.Round(float64(v)))
		}
	}
	labels := randomLabels(rng, r.n, net.Classes)
	masks := map[string][]float32{}
	for name, mask := range randomMasks(net, r.n, rng) {
		masks[name] = rounded[float32](mask)
	}
	var err error
	r.trace, err = ForwardTrace(net, params, x, r.n, masks)
	require.NoError(t, err, r.name)
	logits, err := Forward(net, params, x, r.n, masks)
	require.NoError(t, err, r.name)
	r.loss, _ = SoftmaxCrossEntropy(logits, r.n, net.Classes, labels)

	r.params, r.masks, r.labels = params, masks, labels
	r.inputs, r.outGrads = map[string][]float32{}, map[string][]float32{}
	files := torchNet{Name: prefix, Labels: labels, Loss: prefix + ".cross_entropy"}
	in := x
	for _, l := range net.Layers {
		r.inputs[l.Name] = in
		tl := torchLayer{Name: l.Name, Op: l.Op.String(), Torch: l.Torch(), Loss: l.Op.IsLoss(), Out: prefix + "_" + l.Name + ".out",
			Input: write(l.Name+".in", in), InputShape: append([]int{r.n}, l.In.Dims()...)}
		if !tl.Loss {
			r.outGrads[l.Name] = uniform(rng, size(r.n, l.Out), 1)
			tl.OutGrad = write(l.Name+".dy", r.outGrads[l.Name])
		}
		for _, p := range l.ParamShapes() {
			if p.Bias {
				tl.Bias = write(p.Name, params[p.Name])
			} else {
				tl.Weight, tl.WeightShape = write(p.Name, params[p.Name]), p.Shape
			}
		}
		if mask, ok := masks[l.Name]; ok {
			tl.Mask = write(l.Name+".mask", mask)
		}
		files.Layers = append(files.Layers, tl)
		in = r.trace[l.Name]
	}
	return files
}

// writeFloat32s writes values as raw little-endian float32.
func writeFloat32s(t *testing.T, path string, values []float32) {
	buf := make([]byte, 0, 4*len(values))
	for _, v := range values {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	require.NoError(t, os.WriteFile(path, buf, 0o644))
}

// readFloat64s reads raw little-endian float64 values.
func readFloat64s(t *testing.T, path string) []float64 {
	buf, err := os.ReadFile(path)
	require.NoError(t, err)
	values := make([]float64, len(buf)/8)
	for j := range values {
		values[j] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*j:]))
	}
	return values
}
