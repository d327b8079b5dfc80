package data

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeImages writes n tiny PNGs into dir/class (made if need be), named 00.png, 01.png, ….
func writeImages(t *testing.T, dir, class string, n int) {
	d := filepath.Join(dir, class)
	require.NoError(t, os.MkdirAll(d, 0o755))
	png := pngBytes(t, positions(2, 2))
	for i := range n {
		writeFile(t, d, fmt.Sprintf("%02d.png", i), png)
	}
}

// TestSurveySplitFolders checks train and val folders (or test, without val): their classes,
// examples and labels, and that a hidden folder is no class.
func TestSurveySplitFolders(t *testing.T) {
	for _, val := range []string{"val", "test"} {
		dir := t.TempDir()
		for _, c := range []string{"cat", "dog"} {
			writeImages(t, filepath.Join(dir, "train"), c, 3)
			writeImages(t, filepath.Join(dir, val), c, 2)
		}
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "train", ".ipynb_checkpoints"), 0o755))
		s, err := Survey(dir)
		require.NoError(t, err)
		assert.Equal(t, []string{"cat", "dog"}, s.Classes)
		assert.Equal(t, map[string]string{"val": "validation", "test": "test"}[val], s.ValName)
		assert.False(t, s.HeldOut)
		assert.Equal(t, filepath.Join(dir, "train")+" and "+filepath.Join(dir, val), s.Layout)
		assert.Equal(t, []int32{0, 0, 0, 1, 1, 1}, s.Train.(*Files).Labels)
		assert.Equal(t, []int32{0, 0, 1, 1}, s.Val.(*Files).Labels)
		assert.Equal(t, filepath.Join(dir, val, "dog", "01.png"), s.Val.(*Files).Paths[3])
	}
}

// TestSurveyClassMismatch checks that validation classes that differ from training's are one line
// that names both sides.
func TestSurveyClassMismatch(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"ant", "bee", "cat"} {
		writeImages(t, filepath.Join(dir, "train"), c, 2)
	}
	writeImages(t, filepath.Join(dir, "val"), "ant", 1)
	writeImages(t, filepath.Join(dir, "val"), "cow", 1)
	_, err := Survey(dir)
	assert.EqualError(t, err, filepath.Join(dir, "val")+": its class folders differ from "+filepath.Join(dir, "train")+
		"'s: it lacks bee, cat and has cow that training lacks")
}

// TestSurveyHoldOut checks a folder of class folders without a split: every 10th image of each
// class, in name order, held out, the same on every call; dir/train alone is split the same way.
func TestSurveyHoldOut(t *testing.T) {
	for _, sub := range []string{"", "train"} {
		dir := t.TempDir()
		writeImages(t, filepath.Join(dir, sub), "a", 25)
		writeImages(t, filepath.Join(dir, sub), "b", 9)
		s, err := Survey(dir)
		require.NoError(t, err)
		assert.True(t, s.HeldOut)
		assert.Equal(t, "validation", s.ValName)
		assert.Equal(t, filepath.Join(dir, sub)+" has no validation folder: every 10th image of each class, in name order, held out for validation", s.Layout)
		val := s.Val.(*Files)
		assert.Equal(t, []string{filepath.Join(dir, sub, "a", "09.png"), filepath.Join(dir, sub, "a", "19.png")}, val.Paths)
		assert.Equal(t, []int32{0, 0}, val.Labels)
		assert.Equal(t, 32, s.Train.Len())
		assert.Equal(t, []string{"a", "b"}, s.Classes)
	}
	dir := t.TempDir()
	writeImages(t, dir, "a", 9)
	_, err := Survey(dir)
	assert.ErrorContains(t, err, "too few images to hold every 10th of each class out for validation")
}

// TestSurveyIDX checks IDX files: classes 0–9 from the listing alone, the images read by Open.
func TestSurveyIDX(t *testing.T) {
	dir := t.TempDir()
	writeMNIST(t, dir, 12, 5, 3, 3)
	s, err := Survey(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, s.Classes)
	assert.Nil(t, s.Train)
	assert.Equal(t, "test", s.ValName)
	s, err = Open(dir)
	require.NoError(t, err)
	assert.Equal(t, 12, s.Train.Len())
	assert.Equal(t, 5, s.Val.Len())
}

// TestSurveyNothing checks that a directory without a data set is one line saying what it wants.
func TestSurveyNothing(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "notes.txt", []byte("hello"))
	_, err := Survey(dir)
	assert.EqualError(t, err, dir+": no data set: want IDX files (train-images-idx3-ubyte[.gz] and the rest, as Fashion-MNIST's), "+
		"train and val folders holding a folder of images per class, or a folder of images per class")
	_, err = Survey(filepath.Join(dir, "missing"))
	assert.ErrorContains(t, err, "no such file or directory")
}

// TestSubset checks that a subset is spread over its source, in order.
func TestSubset(t *testing.T) {
	src := flatDataset(10)
	s := Subset(src, 4)
	require.Equal(t, 4, s.Len())
	var labels []int32
	for i := range 4 {
		_, l, err := s.Example(i)
		require.NoError(t, err)
		labels = append(labels, l)
	}
	assert.Equal(t, []int32{0, 2, 5, 7}, labels)
	assert.Same(t, src, Subset(src, 10))
}
