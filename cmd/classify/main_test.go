package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/generated/alexnet_torchvision"
	"github.com/netc-project/netc/modelcmd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// picture writes a 320×240 JPEG with some structure, for the tests.
func picture(t *testing.T, path string) {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 240), uint8((x * y / 40) % 256), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// TestAgreesWithTorchvision classifies an image with weights that torchvision makes here, and
// checks that the top five classes and their probabilities (averaged over the ten crops) agree
// with torchvision's own model on the same crops to 1e-4, and that the command prints them.
func TestAgreesWithTorchvision(t *testing.T) {
	if testing.Short() {
		t.Skip("runs torchvision")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import torchvision").Run(); err != nil {
		t.Skip("python3-torchvision not installed; apt-get install python3-torchvision")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "picture.jpg")
	picture(t, path)

	// Our preprocessing: the ten crops, written for torchvision to classify too.
	img, err := data.Load(path)
	require.NoError(t, err)
	x, err := alexnet_torchvision.Input(img)
	require.NoError(t, err)
	crops := alexnet_torchvision.Preprocessing.Crops()
	require.Equal(t, 10, crops)
	var raw bytes.Buffer
	require.NoError(t, binary.Write(&raw, binary.LittleEndian, x))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "crops.bin"), raw.Bytes(), 0o644))

	script, err := filepath.Abs("testdata/torchvision_alexnet.py")
	require.NoError(t, err)
	out, err := exec.Command("/usr/bin/python3", script, dir, "10").CombinedOutput()
	require.NoError(t, err, "%s", out)

	weights := filepath.Join(dir, "alexnet.safetensors")
	m := alexnet_torchvision.New()
	_, err = modelcmd.LoadWeights(m, network, weights)
	require.NoError(t, err, "torchvision's names load through the spec's from settings")
	got, err := m.Predict(img)
	require.NoError(t, err)

	want := make([]float64, 1000)
	f, err := os.ReadFile(filepath.Join(dir, "probs.bin"))
	require.NoError(t, err)
	require.NoError(t, binary.Read(bytes.NewReader(f), binary.LittleEndian, want))
	order := make([]int, 1000)
	for i := range order {
		order[i] = i
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"-weights", weights, path}, &stdout, &stderr), stderr.String())
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	require.Len(t, lines, 6)
	assert.Equal(t, path+":", lines[0])
	for k := 0; k < 5; k++ { // torchvision's top five, by selection
		best := k
		for j := k + 1; j < 1000; j++ {
			if want[order[j]] > want[order[best]] {
				best = j
			}
		}
		order[k], order[best] = order[best], order[k]
		c := order[k]
		assert.InDelta(t, want[c], got[c], 1e-4, "probability of class %d", c)
		for j, p := range got { // and it is our k-th most likely too
			if j != c && (p > got[c] || p == got[c] && j < c) && !slices.Contains(order[:k], j) {
				t.Errorf("class %d is torchvision's number %d, but class %d is more likely here", c, k+1, j)
			}
		}
		assert.Equal(t, fmt.Sprintf("  %6.2f%%  class %d", 100*got[c], c), lines[1+k], "the command's line %d", k+1)
	}
	var total float64
	for _, p := range got {
		total += p
	}
	assert.InDelta(t, 1, total, 1e-6)
}

// writeDummyWeights saves a freshly initialised model, so that a classifier can be made before
// torchvision's weights exist.
func writeDummyWeights(t *testing.T, dir string) string {
	path := filepath.Join(dir, "dummy.safetensors")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, alexnet_torchvision.New().Save(f))
	return path
}

// TestBadInput: a corrupt image, a truncated weight file and a weight file of another network
// each give a clear error naming the file, and exit status 1.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	weights := writeDummyWeights(t, dir)
	good := filepath.Join(dir, "good.jpg")
	picture(t, good)
	src, err := os.ReadFile(good)
	require.NoError(t, err)
	broken := filepath.Join(dir, "broken.jpg")
	require.NoError(t, os.WriteFile(broken, src[:len(src)/2], 0o644))
	var stdout, stderr bytes.Buffer
	code := run([]string{"-weights", weights, broken, good}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "broken.jpg")
	assert.Contains(t, stdout.String(), "good.jpg:", "the good image is still classified")
	assert.Equal(t, 6, strings.Count(stdout.String(), "\n"))

	w, err := os.ReadFile(weights)
	require.NoError(t, err)
	truncated := filepath.Join(dir, "truncated.safetensors")
	require.NoError(t, os.WriteFile(truncated, w[:len(w)-100], 0o644))
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"-weights", truncated, good}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "truncated.safetensors")

	nan := filepath.Join(dir, "nan.safetensors") // the last value of the last tensor is NaN
	bad := append([]byte{}, w...)
	copy(bad[len(bad)-4:], []byte{0x00, 0x00, 0xc0, 0x7f})
	require.NoError(t, os.WriteFile(nan, bad, 0o644))
	stdout.Reset()
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"-weights", nan, good}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "nan.safetensors")
	assert.Contains(t, stderr.String(), "fc8.weight[999,4095] (flat index 4095999) is NaN")
	assert.Empty(t, stdout.String(), "nothing is classified with NaN weights")

	other := filepath.Join("..", "..", "specs", "tiny.net") // not a weight file at all
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"-weights", other, good}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "tiny.net")

	stderr.Reset()
	assert.Equal(t, 2, run([]string{good}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "usage")
}
