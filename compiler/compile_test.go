package compiler

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func compileFile(t *testing.T, path string) *Network {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	n, err := Compile(path, src)
	require.NoError(t, err)
	return n
}

// TestAlexNet checks the paper's network against the layer table of ALEXNET.md.
func TestAlexNet(t *testing.T) {
	n := compileFile(t, "../specs/alexnet.net")
	want := map[string]struct {
		out         string
		params, mac int64
	}{
		"conv1": {"96x55x55", 34944, 105415200},
		"pool1": {"96x27x27", 0, 0},
		"conv2": {"256x27x27", 307456, 223948800},
		"pool2": {"256x13x13", 0, 0},
		"conv3": {"384x13x13", 885120, 149520384},
		"conv4": {"384x13x13", 663936, 112140288},
		"conv5": {"256x13x13", 442624, 74760192},
		"pool5": {"256x6x6", 0, 0},
		"fc6":   {"4096", 37752832, 37748736},
		"fc7":   {"4096", 16781312, 16777216},
		"fc8":   {"1000", 4097000, 4096000},
	}
	seen := 0
	for _, l := range n.Layers {
		if w, ok := want[l.Name]; ok {
			seen++
			assert.Equal(t, w.out, l.Out.String(), l.Name)
			assert.Equal(t, w.params, l.Params, l.Name)
			assert.Equal(t, w.mac, l.MACs, l.Name)
		}
	}
	assert.Equal(t, len(want), seen)
	params, macs, _ := n.Totals()
	assert.EqualValues(t, 60965224, params)
	assert.EqualValues(t, 724406816, macs)

	// The paper's settings, as the spec says them.
	assert.Equal(t, Train{Batch: 128, Epochs: 90, LR: 0.01, Momentum: 0.9, Decay: 0.0005, Rule: RulePaper,
		Steps: []int{30, 60, 80}, Gamma: 0.1, Weights: Mult{1, 1}, Biases: Mult{1, 1}}, n.Train)
	assert.Equal(t, Augment{Set: true, Resize: 256, Crop: 227, Flip: true, Lighting: 0.1,
		Mean: imagenetMean, Std: imagenetStd, Eval: EvalTenCrop}, n.Augment)
	byName := map[string]*Layer{}
	for _, l := range n.Layers {
		byName[l.Name] = l
	}
	assert.Equal(t, 2, byName["conv2"].Conv().Groups)
	assert.Equal(t, Init{Kind: InitConstant, Value: 1}, byName["conv2"].Conv().Learn.BiasInit)
	assert.Equal(t, Init{Kind: InitConstant, Value: 0}, byName["conv3"].Conv().Learn.BiasInit)
	assert.Equal(t, Init{Kind: InitNormal, Std: 0.01}, byName["fc8"].FC().Learn.WeightInit)
	assert.Equal(t, &LRN{Size: 5, Alpha: 1e-4, Beta: 0.75, K: 2, Paper: true}, byName["conv1.lrn"].LRN())
	assert.Equal(t, &Pool{KH: 3, KW: 3, SH: 2, SW: 2, Rounding: RoundExact}, byName["pool1"].Pool())
}

// TestGreyNormalisation checks a grey input's mean and std: one value each, none by default
// (ImageNet's RGB statistics do not apply), and a resize allowed.
func TestGreyNormalisation(t *testing.T) {
	spec := func(augment string) string {
		return "network g\ninput 1x8x8\nclasses 2\naugment {\n" + augment + "}\nfc1: fc 2\nloss: softmax\n"
	}
	n, err := Compile("g.net", []byte(spec("crop 8\n")))
	require.NoError(t, err)
	assert.Equal(t, [3]float64{0, 0, 0}, n.Augment.Mean)
	assert.Equal(t, [3]float64{1, 1, 1}, n.Augment.Std)
	n, err = Compile("g.net", []byte(spec("resize 12\nmean 0.286\nstd 0.353\n")))
	require.NoError(t, err)
	assert.Equal(t, [3]float64{0.286, 0, 0}, n.Augment.Mean)
	assert.Equal(t, [3]float64{0.353, 1, 1}, n.Augment.Std)
	assert.Equal(t, 12, n.Augment.Resize)
}

func TestAlexNetHalf(t *testing.T) {
	n := compileFile(t, "../specs/alexnet_half.net")
	params, _, _ := n.Totals()
	assert.EqualValues(t, 16630440, params)
	assert.Equal(t, RoundFloor, n.Layers[0].Conv().Rounding)
	assert.Equal(t, Init{Kind: InitKaiming, FanOut: true}, n.Layers[0].Conv().Learn.WeightInit)
	var names []string
	for _, l := range n.Layers {
		for _, p := range l.ParamShapes() {
			names = append(names, p.Name)
		}
	}
	assert.Equal(t, []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias",
		"conv4.weight", "conv4.bias", "conv5.weight", "conv5.bias", "fc6.weight", "fc6.bias", "fc7.weight", "fc7.bias",
		"fc8.weight", "fc8.bias"}, names)
}

// TestTiny checks that the small spec uses every kind of layer.
func TestTiny(t *testing.T) {
	n := compileFile(t, "../specs/tiny.net")
	ops := map[Op]bool{}
	for _, l := range n.Layers {
		ops[l.Op] = true
	}
	for _, op := range Ops() {
		assert.True(t, ops[op], "tiny.net does not use %s", op)
	}
	var paper, pytorch bool
	for _, l := range n.Layers {
		if l.LRN() != nil {
			paper, pytorch = paper || l.LRN().Paper, pytorch || !l.LRN().Paper
		}
	}
	assert.True(t, paper && pytorch, "tiny.net must use both LRN conventions")
	assert.Equal(t, Mult{2, 0}, n.Train.Biases)
	assert.Equal(t, 12, n.Layers[4].Conv().Out, "const width")
	assert.False(t, n.Layers[4].Conv().Learn.Bias, "bias off")
}

func TestOutSize(t *testing.T) {
	for _, c := range []struct {
		in, k, s, p int
		r           Rounding
		out         int
		ok          bool
	}{
		{227, 11, 4, 0, RoundExact, 55, true},
		{224, 11, 4, 0, RoundExact, 0, false},
		{224, 11, 4, 2, RoundFloor, 55, true},
		{55, 3, 2, 0, RoundExact, 27, true},
		{56, 3, 2, 0, RoundCeil, 28, true},
		{56, 3, 2, 0, RoundFloor, 27, true},
		{6, 3, 2, 0, RoundCeil, 3, true},
		// Ceil must not start a window in the trailing padding: (5+2−2)/2 = 2.5 → 4 windows,
		// but the 4th would start at 6 ≥ 5+1, so 3.
		{5, 2, 2, 1, RoundCeil, 3, true},
	} {
		out, ok := outSize(c.in, c.k, c.s, c.p, c.r)
		assert.Equal(t, c.ok, ok, "%+v", c)
		assert.Equal(t, c.out, out, "%+v", c)
	}
}

// TestVerify checks that the verifier catches each kind of broken IR, naming the layer.
func TestVerify(t *testing.T) {
	for _, c := range []struct {
		name   string
		break_ func(n *Network)
		want   string
	}{
		{"duplicate name", func(n *Network) { n.Layers[1].Name = n.Layers[0].Name }, "duplicate name"},
		{"broken chain", func(n *Network) { n.Layers[3].In.C++ }, "c1.lrn.*|p1: input"},
		{"bad output", func(n *Network) { n.Layers[2].Out.H = 0 }, "c1.lrn: invalid output shape"},
		{"wrong params", func(n *Network) { n.Layers[0].Params++ }, "c1: counts"},
		{"missing config", func(n *Network) { n.Layers[0].Attrs = nil }, "c1: op conv"},
		{"config of another op", func(n *Network) { n.Layers[0].Attrs = n.Layers[2].Attrs }, "c1: op conv"},
		{"bad fusion", func(n *Network) { n.Steps[0].Layers = append(n.Steps[0].Layers, n.Layers[2]) }, "cannot fold|out of order"},
		{"no input gradient", func(n *Network) { n.Steps[1].InputGrad = "" }, "input gradient"},
		{"scratch too small", func(n *Network) { n.Scratch = 0 }, "scratch"},
		{"out of range", func(n *Network) { n.Layers[0].Conv().SH = 0 }, "c1: conv configuration out of range"},
		{"no loss", func(n *Network) { n.Layers = n.Layers[:len(n.Layers)-1] }, "not a softmax"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := compileFile(t, "../specs/tiny.net")
			require.NoError(t, Verify(n))
			c.break_(n)
			err := Verify(n)
			require.Error(t, err)
			assert.Regexp(t, c.want, err.Error())
		})
	}
}

// TestSuggestion checks the fix a non-whole size suggests.
func TestSuggestion(t *testing.T) {
	src := []byte("network x\ninput 3x224x224\nclasses 10\nc1: conv 8 kernel 11 stride 4\nfc: fc 10\nloss: softmax\n")
	_, err := Compile("x.net", src)
	require.EqualError(t, err, "x.net:4:1: c1: (224 + 2·0 − 11)/4 + 1 = 54.25 is not a whole number; use input 3x227x227, or padding 2 with rounding floor")

	src = []byte("network x\ninput 3x20x21\nclasses 10\np: maxpool 2\nfc: fc 10\nloss: softmax\n")
	_, err = Compile("x.net", src)
	require.EqualError(t, err, "x.net:4:1: p: (21 + 2·0 − 2)/2 + 1 = 10.5 is not a whole number; use input 3x20x22, or padding 1 with rounding floor")
}

// TestWordPositions: a message about a line's word or the call in its head points at it, not at
// the line's label. The first line is the one a user reported.
func TestWordPositions(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"conv1: conv2d(3,16,3)", "x.net:4:8: conv1: conv2d(3, 16, 3) is a call, not a netc layer: write conv1: conv 16 kernel 3, an op and key value settings (PyTorch's Conv2d(in_channels, out_channels, kernel_size, stride, padding) is conv OUT kernel KERNEL stride STRIDE padding PADDING; netc infers in_channels from the input)"},
		{"c1:   Conv2d 8 kernel 3", "x.net:4:7: c1: unknown op \"Conv2d\"; "},
		{"  conv: foo", "x.net:4:9: conv: unknown op \"foo\"; "},
		{"train {\n  adam lr 0.1\n}", "x.net:5:3: train: unknown setting \"adam\"; "},
	} {
		src := "network x\ninput 3x8x8\nclasses 2\n" + c.line + "\nfc 2\nsoftmax\n"
		_, err := Compile("x.net", []byte(src))
		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), c.want), "%s:\n got %s\nwant %s…", c.line, err, c.want)
	}
}

// TestBoundedMessages: a spec's literals are quoted in messages by a few dozen characters at
// most, however long they are, and a byte-order mark before the spec is accepted.
func TestBoundedMessages(t *testing.T) {
	huge := strings.Repeat("9", 1_000_000)
	for _, c := range []struct{ src, want string }{
		{"network x\ninput 3x8x8\nclasses 2\nc: conv " + huge + " kernel 3\nfc 2\nsoftmax\n", "c: out 99999999999999999999999999999999… (1000000 characters) is not a finite number"},
		{"network x\ninput 3x8x8\nclasses 2\n" + strings.Repeat("z", 100_000) + " 2\nfc 2\nsoftmax\n", "unknown op \"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz… (100000 characters)\""},
		{"network x\ninput 3x8x8\nclasses 2\nfc 2 " + strings.Repeat("q", 100_000) + " 3\nsoftmax\n", "unknown fc setting \"qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq… (100000 characters)\""},
	} {
		_, err := Compile("x.net", []byte(c.src))
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 1000, "the message is %d bytes", len(err.Error()))
		assert.Contains(t, err.Error(), c.want)
	}
	_, err := Compile("bom.net", []byte("\ufeffnetwork x\ninput 3x8x8\nclasses 2\nfc 2\nsoftmax\n"))
	assert.NoError(t, err, "a byte-order mark is not an error")
}

// TestChannelsLast checks which inputs are taken for channels last (an error) and which are left
// as the C×H×W they say.
func TestChannelsLast(t *testing.T) {
	for dims, want := range map[[3]int]bool{
		{32, 32, 3}: true, {224, 224, 3}: true, {28, 28, 1}: true, {480, 640, 4}: true,
		{3, 32, 32}: false, {16, 8, 4}: false, {7, 6, 5}: false, {32, 2, 2}: false, {5, 5, 1}: true, {4, 32, 3}: false,
	} {
		assert.Equal(t, want, channelsLast(dims[:]), "%v", dims)
	}
}
