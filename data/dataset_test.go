package data

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fashionDir is where Debian's dataset-fashion-mnist package installs Fashion-MNIST.
const fashionDir = "/usr/share/datasets/fashion-mnist"

// TestFashionMNISTReal reads the real data set, if it is installed, and checks its counts,
// image size, labels and class balance (exactly 6,000 training and 1,000 test images a class).
func TestFashionMNISTReal(t *testing.T) {
	if _, err := os.Stat(filepath.Join(fashionDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST is not installed in %s (apt-get install dataset-fashion-mnist): %v", fashionDir, err)
	}
	train, test, err := FashionMNIST(fashionDir)
	require.NoError(t, err)
	for _, split := range []struct {
		name     string
		d        *Dataset
		n, class int
	}{{"train", train, 60000, 6000}, {"test", test, 10000, 1000}} {
		require.Equal(t, split.n, split.d.Len(), split.name)
		require.Len(t, split.d.Labels, split.n, split.name)
		counts := make([]int, FashionMNISTClasses)
		for i := range split.n { // plain checks: testify's cost, 70,000 times, adds up
			img, label, err := split.d.Example(i)
			g, ok := img.(*image.Gray)
			if err != nil || !ok || g.Bounds() != image.Rect(0, 0, 28, 28) || len(g.Pix) != 28*28 || label < 0 || label >= FashionMNISTClasses {
				t.Fatalf("%s %d: %T %v, label %d, error %v; want a 28×28 *image.Gray, label 0–9", split.name, i, img, img.Bounds(), label, err)
			}
			counts[label]++
		}
		for c, k := range counts {
			assert.Equal(t, split.class, k, "%s: images of class %d", split.name, c)
		}
	}
	// The images are not blank: the first training image has ink.
	g := train.Images[0].(*image.Gray)
	assert.NotZero(t, maxByte(g.Pix))
}

// maxByte returns the largest of b.
func maxByte(b []byte) byte {
	m := byte(0)
	for _, v := range b {
		m = max(m, v)
	}
	return m
}

// writeMNIST writes a small MNIST-like data set in dir: n training and m test images of h×w,
// image i's pixels all i, its label i mod 10.
func writeMNIST(t *testing.T, dir string, n, m, h, w int) {
	for _, s := range []struct {
		split string
		n     int
	}{{"train", n}, {"t10k", m}} {
		pix := make([]byte, s.n*h*w)
		labels := make([]byte, s.n)
		for i := range s.n {
			labels[i] = byte(i % 10)
			for j := range h * w {
				pix[i*h*w+j] = byte(i)
			}
		}
		writeFile(t, dir, s.split+"-images-idx3-ubyte.gz", gzipBytes(t, idxBytes([]uint32{uint32(s.n), uint32(h), uint32(w)}, pix)))
		writeFile(t, dir, s.split+"-labels-idx1-ubyte", idxBytes([]uint32{uint32(s.n)}, labels))
	}
}

// TestFashionMNISTSynthetic reads a small hand-built data set: gzipped and plain files, image
// views at the right pixels, labels.
func TestFashionMNISTSynthetic(t *testing.T) {
	dir := t.TempDir()
	writeMNIST(t, dir, 12, 3, 4, 5)
	train, test, err := FashionMNIST(dir)
	require.NoError(t, err)
	require.Equal(t, 12, train.Len())
	require.Equal(t, 3, test.Len())
	img, label, err := train.Example(11)
	require.NoError(t, err)
	assert.Equal(t, int32(1), label)
	assert.Equal(t, image.Rect(0, 0, 5, 4), img.Bounds())
	assert.Equal(t, uint8(11), img.(*image.Gray).GrayAt(4, 3).Y)
	assert.Equal(t, uint8(2), test.Images[2].(*image.Gray).GrayAt(0, 0).Y)
}

// TestFashionMNISTErrors checks that inconsistent files are refused with the file named.
func TestFashionMNISTErrors(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(dir string)
		want    string
	}{
		{"missing", func(dir string) { os.Remove(filepath.Join(dir, "t10k-labels-idx1-ubyte")) },
			`: no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte\.gz$`},
		{"count", func(dir string) {
			writeFile(t, dir, "train-labels-idx1-ubyte", idxBytes([]uint32{11}, make([]byte, 11)))
		}, `train-labels-idx1-ubyte: 11 labels for the 12 images of .*train-images-idx3-ubyte\.gz$`},
		{"label", func(dir string) {
			writeFile(t, dir, "train-labels-idx1-ubyte", idxBytes([]uint32{12}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0}))
		}, `train-labels-idx1-ubyte: label 10 of example 10 is not a class 0–9$`},
		{"image-dims", func(dir string) {
			os.Remove(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
			writeFile(t, dir, "train-images-idx3-ubyte", idxBytes([]uint32{12, 20}, make([]byte, 240)))
		}, `train-images-idx3-ubyte: images have 2 dimensions \[12 20\]; want 3 \(count, height, width\)$`},
		{"label-dims", func(dir string) {
			writeFile(t, dir, "t10k-labels-idx1-ubyte", idxBytes([]uint32{3, 1}, make([]byte, 3)))
		}, `t10k-labels-idx1-ubyte: labels have 2 dimensions \[3 1\]; want 1 \(count\)$`},
		{"broken", func(dir string) { writeFile(t, dir, "t10k-images-idx3-ubyte.gz", []byte{0x1f, 0x8b}) },
			`t10k-images-idx3-ubyte\.gz: (truncated gzip data|corrupt gzip data)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeMNIST(t, dir, 12, 3, 4, 5)
			tt.corrupt(dir)
			train, test, err := FashionMNIST(dir)
			require.Error(t, err)
			assert.Nil(t, train)
			assert.Nil(t, test)
			assert.Regexp(t, "^"+dir+".*"+tt.want, err.Error())
		})
	}
}

// TestFolder lists a class-per-directory data set.
func TestFolder(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"dog/b.JPEG", "dog/a.png", "dog/notes.txt", "cat/x.jpg", "ant/y.jpeg"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		writeFile(t, dir, p, pngBytes(t, positions(2, 2)))
	}
	writeFile(t, dir, "README", []byte("not a class"))
	f, err := Folder(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"ant", "cat", "dog"}, f.Classes)
	assert.Equal(t, []int32{0, 1, 2, 2}, f.Labels)
	assert.Equal(t, []string{"ant/y.jpeg", "cat/x.jpg", "dog/a.png", "dog/b.JPEG"}, relative(t, dir, f.Paths))
	img, label, err := f.Example(2)
	require.NoError(t, err)
	assert.Equal(t, int32(2), label)
	assert.Equal(t, image.Rect(0, 0, 2, 2), img.Bounds())

	_, err = Folder(t.TempDir())
	assert.ErrorContains(t, err, ": no images")
}

// relative returns paths relative to dir.
func relative(t *testing.T, dir string, paths []string) []string {
	var out []string
	for _, p := range paths {
		r, err := filepath.Rel(dir, p)
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}
