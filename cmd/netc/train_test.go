package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netc-project/netc/preprocess"
	"github.com/netc-project/netc/runtime"
	"github.com/netc-project/netc/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRoot holds the files the package's tests share: the program cache (NETC_CACHE) and the
// test specs, at fixed paths, so that the program of a spec is built once per run of the tests.
var testRoot string

// TestMain makes testRoot; and makes the test binary, run as a child with NETC_TEST_CHILD=signal,
// a program that waits for an interrupt (for TestRunProgramSignals).
func TestMain(m *testing.M) {
	if os.Getenv("NETC_TEST_CHILD") == "signal" {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		fmt.Println("ready")
		<-c
		fmt.Println("interrupted")
		os.Exit(3)
	}
	var err error
	if testRoot, err = os.MkdirTemp("", "netc-test-"); err != nil {
		panic(err)
	}
	os.Setenv("NETC_CACHE", filepath.Join(testRoot, "cache"))
	code := m.Run()
	os.RemoveAll(testRoot)
	os.Exit(code)
}

// shapesSpec writes the test's network for classes classes into testRoot, if it is not there,
// and returns its path: 16×16 RGB images, a convolution, dropout and a fully connected layer.
func shapesSpec(t *testing.T, classes int) string {
	path := filepath.Join(testRoot, fmt.Sprintf("shapes%d.net", classes))
	spec := fmt.Sprintf(`network shapes
input 3x16x16
classes %d

init {
    weight kaiming(fan_in)
    bias   0
}

train {
    batch    8
    epochs   2
    sgd      lr 0.02 momentum 0.9 decay 0.0005
    lr_steps 1 gamma 0.5
}

augment {
    crop 16
    flip horizontal
    mean 0.5 0.5 0.5
    std  0.25 0.25 0.25
    eval center
}

conv1: conv 8 kernel 3 padding 1    -> 8x16x16
       relu
pool1: maxpool 2 stride 2           -> 8x8x8
       dropout 0.2
fc2:   fc %d                        -> %d
loss:  softmax
`, classes, classes, classes)
	require.NoError(t, os.WriteFile(path, []byte(spec), 0o644))
	return path
}

// The test's classes, by name: a shape of a colour.
var shapes = map[string]color.RGBA{
	"blue_cross": {30, 60, 220, 255},
	"green_disc": {30, 180, 30, 255},
	"red_square": {200, 30, 30, 255},
}

// background returns a side×side image of grey noise from r.
func background(side int, r *rand.Rand) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for p := range img.Pix {
		img.Pix[p] = uint8(100 + r.IntN(40))
		if p%4 == 3 {
			img.Pix[p] = 255
		}
	}
	return img
}

// draw draws the shape of class name, size pixels wide, with its top-left corner at (x, y).
func draw(img *image.RGBA, name string, x, y, size int) {
	for v := range size {
		for u := range size {
			dx, dy := 2*u-size+1, 2*v-size+1 // from the centre, in half pixels
			in := true
			switch name {
			case "green_disc":
				in = dx*dx+dy*dy <= size*size
			case "blue_cross":
				in = 4*dx*dx <= size*size || 4*dy*dy <= size*size
			}
			if in {
				img.SetRGBA(x+u, y+v, shapes[name])
			}
		}
	}
}

// writePNG writes img as a PNG at path, making its folder.
func writePNG(t *testing.T, path string, img image.Image) {
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// writeShapes writes a data set of the given classes into dir: for each split ("" for a folder
// of class folders), n 16×16 images of each class, its 8-pixel shape at a random place.
func writeShapes(t *testing.T, dir string, classes []string, splits map[string]int) {
	r := rand.New(rand.NewPCG(1, 2))
	for split, n := range splits {
		for _, name := range classes {
			for i := range n {
				img := background(16, r)
				draw(img, name, r.IntN(9), r.IntN(9), 8)
				writePNG(t, filepath.Join(dir, split, name, fmt.Sprintf("%02d.png", i)), img)
			}
		}
	}
}

var classNames = []string{"blue_cross", "green_disc", "red_square"}

// metadata returns a safetensors file's metadata.
func metadata(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h, err := runtime.ReadSafetensorsHeader(f)
	require.NoError(t, err)
	return h.Metadata
}

// programs returns the programs in the cache.
func programs(t *testing.T) []string {
	p, err := filepath.Glob(filepath.Join(os.Getenv("NETC_CACHE"), "programs", "*"))
	require.NoError(t, err)
	return p
}

// TestTrainPredict trains the test spec on a folder of train and val class folders for 2 epochs,
// then 1 and, resumed, 1 more, and checks what training writes and that the two runs' weights
// are the same bits; then classifies images with the weights: named classes, an image larger than
// the input scaled to it, the checkpoint given as weights, a labels file, a broken image.
func TestTrainPredict(t *testing.T) {
	dir := t.TempDir()
	spec, data := shapesSpec(t, 3), filepath.Join(dir, "data")
	writeShapes(t, data, classNames, map[string]int{"train": 16, "val": 6})
	out2, out1 := filepath.Join(dir, "out2"), filepath.Join(dir, "out1")

	start := time.Now()
	stdout, stderr, code := netc(t, "train", spec, "-data", data, "-out", out2, "-epochs", "2")
	require.Equal(t, 0, code, "stderr:\n%s", stderr)
	t.Logf("netc train, 2 epochs, with the program's build if not cached: %v", time.Since(start))
	lines := strings.Split(stdout, "\n")
	assert.Equal(t, "netc train: "+spec+", 1,763 parameters; 48 training and 18 validation images of 3 classes; batch 8, 2 epochs; writing to "+out2, lines[0])
	assert.Contains(t, stdout, "epoch 2/2  lr 0.01 ")
	assert.Contains(t, stdout, "netc train: validation accuracy ")
	for _, name := range []string{train.WeightsFile, train.CheckpointFile} {
		meta := metadata(t, filepath.Join(out2, name))
		assert.Equal(t, `["blue_cross","green_disc","red_square"]`, meta[runtime.ClassesKey], name)
		assert.Equal(t, "shapes", meta[runtime.NetworkKey], name)
	}
	var st train.State
	require.NoError(t, json.Unmarshal([]byte(metadata(t, filepath.Join(out2, train.CheckpointFile))[runtime.TrainKey]), &st))
	require.Len(t, st.History, 2)
	assert.Greater(t, st.History[1].Test.Top1, 0.9, "validation accuracy; chance is 1/3")
	for _, name := range []string{train.PlotFile, "conv1" + train.FiltersSuffix} {
		assert.FileExists(t, filepath.Join(out2, name))
	}

	built := programs(t)
	stdout, stderr, code = netc(t, "train", spec, "-data", data, "-out", out1, "-epochs", "1")
	require.Equal(t, 0, code, "stderr:\n%s", stderr)
	assert.NotContains(t, stderr, "building", "the program is cached")
	assert.Contains(t, stdout, "epoch 1/1")
	stdout, stderr, code = netc(t, "train", "-resume", spec, "-epochs", "2", "-out", out1, "-data", data)
	require.Equal(t, 0, code, "stderr:\n%s", stderr)
	assert.Contains(t, stdout, "1 epochs done")
	assert.Equal(t, built, programs(t), "one program for the spec")
	w1, err := os.ReadFile(filepath.Join(out1, train.WeightsFile))
	require.NoError(t, err)
	w2, err := os.ReadFile(filepath.Join(out2, train.WeightsFile))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(w1, w2), "the resumed run's weights are the uninterrupted run's, bit for bit")

	weights := filepath.Join(out2, train.WeightsFile)
	images := t.TempDir()
	r := rand.New(rand.NewPCG(7, 8))
	for _, name := range classNames {
		img := background(16, r)
		draw(img, name, 4, 4, 8)
		writePNG(t, filepath.Join(images, name+".png"), img)
	}
	stdout, stderr, code = netc(t, "predict", spec, "-weights", weights, "-top", "3",
		filepath.Join(images, "red_square.png"), filepath.Join(images, "blue_cross.png"))
	require.Equal(t, 0, code, "stderr:\n%s", stderr)
	lines = strings.Split(stdout, "\n")
	require.Len(t, lines, 9)
	assert.Equal(t, filepath.Join(images, "red_square.png")+":", lines[0])
	assert.Regexp(t, `^  +\d+\.\d\d%  red_square$`, lines[1])
	assert.Regexp(t, `^  +\d+\.\d\d%  blue_cross$`, lines[5])

	// An image four times the input's size: scaled to 16×16, not cropped to its middle. Its big
	// red square is in a corner; its middle holds a small green disc, all the crop would see.
	big := background(64, r)
	draw(big, "red_square", 0, 0, 24)
	draw(big, "green_disc", 29, 29, 6)
	writePNG(t, filepath.Join(images, "big.png"), big)
	small := preprocess.ResizeSquare(big, 16)
	writePNG(t, filepath.Join(images, "scaled.png"), small)
	writePNG(t, filepath.Join(images, "crop.png"), big.SubImage(image.Rect(24, 24, 40, 40)))
	classify := func(name string) string {
		t.Helper()
		stdout, stderr, code := netc(t, "predict", spec, "-weights", weights, "-top", "3", filepath.Join(images, name))
		require.Equal(t, 0, code, "stderr:\n%s", stderr)
		_, probs, _ := strings.Cut(stdout, ":\n")
		return probs
	}
	assert.Equal(t, classify("scaled.png"), classify("big.png"), "the large image is scaled to the input")
	assert.NotEqual(t, classify("crop.png"), classify("big.png"), "the large image is not cropped to its middle")
	assert.Regexp(t, `^  +\d+\.\d\d%  red_square\n`, classify("big.png"), "the large image is its square")
	assert.Regexp(t, `^  +\d+\.\d\d%  green_disc\n`, classify("crop.png"), "the middle alone is the disc")

	// The checkpoint given as weights: its weights.
	stdout, stderr, code = netc(t, "predict", spec, "-weights", filepath.Join(out2, train.CheckpointFile), "-top", "3", filepath.Join(images, "big.png"))
	require.Equal(t, 0, code, "stderr:\n%s", stderr)
	assert.Equal(t, classify("big.png"), strings.SplitN(stdout, "\n", 2)[1])

	// A labels file names the classes instead; a broken image is an error, the others classified.
	labels := filepath.Join(images, "labels.txt")
	require.NoError(t, os.WriteFile(labels, []byte("cross\ndisc\nsquare\n"), 0o644))
	broken := filepath.Join(images, "broken.png")
	require.NoError(t, os.WriteFile(broken, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644))
	stdout, stderr, code = netc(t, "predict", spec, "-weights", weights, "-labels", labels, "-top", "1", broken, filepath.Join(images, "green_disc.png"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "netc predict: "+broken+": ")
	assert.Regexp(t, `green_disc.png:\n  +\d+\.\d\d%  disc\n$`, stdout)
}

// TestTrainClassMismatch checks that a data set whose classes are not the spec's — one more, one
// fewer, or validation folders that differ from the training folders — is a one-line error
// before anything is built or written.
func TestTrainClassMismatch(t *testing.T) {
	dir := t.TempDir()
	three, four := filepath.Join(dir, "three"), filepath.Join(dir, "four")
	writeShapes(t, three, classNames, map[string]int{"train": 2, "val": 1})
	writeShapes(t, four, append(classNames, "red_square2"), map[string]int{"train": 2, "val": 1})
	odd := filepath.Join(dir, "odd")
	writeShapes(t, odd, classNames, map[string]int{"train": 2})
	writeShapes(t, odd, classNames[1:], map[string]int{"val": 1})
	before := programs(t)
	for _, c := range []struct {
		classes int
		data    string
		want    string
	}{
		{4, three, three + ": 3 class folders (blue_cross, green_disc, red_square), but " + shapesSpec(t, 4) + " has classes 4; the spec's classes must be the data's\n"},
		{3, four, four + ": 4 class folders (blue_cross, green_disc, red_square, red_square2), but " + shapesSpec(t, 3) + " has classes 3; the spec's classes must be the data's\n"},
		{3, odd, filepath.Join(odd, "val") + ": its class folders differ from " + filepath.Join(odd, "train") + "'s: it lacks blue_cross\n"},
	} {
		out := filepath.Join(dir, "out")
		stdout, stderr, code := netc(t, "train", shapesSpec(t, c.classes), "-data", c.data, "-out", out)
		assert.Equal(t, 1, code)
		assert.Empty(t, stdout)
		assert.Equal(t, "netc train: "+c.want, stderr)
		assert.NoDirExists(t, out, "nothing written")
	}
	assert.Equal(t, before, programs(t), "nothing built")
}

// TestTrainHoldOut checks a folder of class folders without a split: the first line of output
// says that every 10th image of each class is held out for validation.
func TestTrainHoldOut(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeShapes(t, data, classNames, map[string]int{"": 20})
	stdout, stderr, code := netc(t, "train", shapesSpec(t, 3), "-data", data, "-out", filepath.Join(dir, "out"), "-epochs", "1")
	require.Equal(t, 0, code, "stderr:\n%s", stderr)
	first, rest, _ := strings.Cut(stdout, "\n")
	assert.Equal(t, "netc train: "+data+" has no validation folder: every 10th image of each class, in name order, held out for validation", first)
	assert.Contains(t, rest, "54 training and 6 validation images of 3 classes")
}

// TestTrainWithoutGo checks that a build without the go command on PATH is one line saying so.
func TestTrainWithoutGo(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeShapes(t, data, classNames, map[string]int{"train": 2, "val": 1})
	t.Setenv("NETC_CACHE", filepath.Join(dir, "cache"))
	t.Setenv("PATH", dir)
	_, stderr, code := netc(t, "train", shapesSpec(t, 3), "-data", data, "-out", filepath.Join(dir, "out"))
	assert.Equal(t, 1, code)
	assert.Equal(t, "netc: the go command is not on PATH; netc train and netc predict build a program of the spec with Go 1.26 or later (https://go.dev/dl/)\n", stderr)
}

// TestTrainUsage checks misuse: exit status 2, a message, and the command's usage.
func TestTrainUsage(t *testing.T) {
	spec := shapesSpec(t, 3)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train"}, "netc train: want one spec"},
		{[]string{"train", spec}, "netc train: -data DIR is required"},
		{[]string{"train", spec, "-data", "x", "-epochs", "0"}, "netc train: -epochs 0: at least 1"},
		{[]string{"predict"}, "netc predict: want a spec and images"},
		{[]string{"predict", spec, "x.png"}, "netc predict: -weights FILE is required"},
		{[]string{"predict", spec, "-weights", "w"}, "netc predict: no image to classify"},
	} {
		_, stderr, code := netc(t, c.args...)
		assert.Equal(t, 2, code, "%q", c.args)
		assert.Contains(t, stderr, c.want+"\n", "%q", c.args)
		assert.Contains(t, stderr, "usage: netc "+c.args[0], "%q", c.args)
	}
	_, stderr, code := netc(t, "predict", spec, "-weights", filepath.Join(t.TempDir(), "none.safetensors"), "x.png")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "none.safetensors: no such file or directory")
	for _, c := range []string{"train", "predict"} {
		_, stderr, code := netc(t, c, "-h")
		assert.Equal(t, 0, code)
		assert.Contains(t, stderr, "example:\n  netc "+c)
	}
}

// TestProgramFiles checks that a spec's program module is the same, file for file, every time
// (its directory in the cache is named by their hash), and what its go.mod says.
func TestProgramFiles(t *testing.T) {
	spec := shapesSpec(t, 3)
	n, src, status := compileSpec(spec, io.Discard)
	require.Zero(t, status)
	a, err := programFiles(spec, n, src)
	require.NoError(t, err)
	b, err := programFiles(spec, n, src)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	var mod string
	for _, f := range a {
		if f.Path == "prog/go.mod" {
			mod = string(f.Data)
		}
	}
	assert.Contains(t, mod, "\nmodule netcprogram\n")
	assert.Contains(t, mod, "\ngo 1.26")
	assert.Contains(t, mod, "\tgithub.com/alecthomas/participle/v2 v")
	assert.Contains(t, mod, "\nreplace github.com/netc-project/netc => ../netc\n")
}

// TestRunProgramSignals checks that an interrupt netc receives while the program runs is passed
// on to it, and its exit status back: the child, this test binary, waits for an interrupt and
// exits with status 3.
func TestRunProgramSignals(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("no interrupt to send")
	}
	t.Setenv("NETC_TEST_CHILD", "signal")
	ready := make(chan struct{})
	out := &signalWriter{ready: ready}
	status := make(chan int)
	go func() { status <- runProgram(os.Args[0], nil, out, io.Discard) }()
	select {
	case <-ready:
	case <-time.After(time.Minute):
		t.Fatal("the child did not start")
	}
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	select {
	case code := <-status:
		assert.Equal(t, 3, code)
	case <-time.After(time.Minute):
		t.Fatal("the child was not interrupted")
	}
	assert.Equal(t, "ready\ninterrupted\n", out.String())
}

// signalWriter collects a child's output and closes ready on its first line.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() == 0 {
		defer close(w.ready)
	}
	return w.buf.Write(p)
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestPredictChecksWeightsFirst checks that netc predict refuses weights of another network, or a
// file that is no weights file, in one line before it builds the spec's program.
func TestPredictChecksWeightsFirst(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "a.png")
	writePNG(t, img, image.NewRGBA(image.Rect(0, 0, 16, 16)))
	other := filepath.Join(dir, "other.safetensors")
	f, err := os.Create(other)
	require.NoError(t, err)
	p := runtime.Param{Name: "fc.weight", Shape: []int{2}, Data: []float32{1, 2}}
	require.NoError(t, runtime.WriteSafetensors(f, []runtime.Param{p}, map[string]string{runtime.NetworkKey: "elsewhere", runtime.SpecKey: "elsewhere.net"}))
	require.NoError(t, f.Close())
	spec := shapesSpec(t, 5) // a spec no other test builds
	before := programs(t)
	for weights, want := range map[string]string{
		other: other + ": weights of network elsewhere (elsewhere.net), not of shapes (",
		img:   img + ": not a weights file: ",
	} {
		stdout, stderr, code := netc(t, "predict", spec, "-weights", weights, img)
		assert.Equal(t, 1, code)
		assert.Empty(t, stdout)
		assert.True(t, strings.HasPrefix(stderr, "netc predict: "+want), "%s", stderr)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %s", stderr)
	}
	assert.Equal(t, before, programs(t), "nothing built")
}
