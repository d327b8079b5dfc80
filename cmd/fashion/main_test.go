package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/netc-project/netc/generated/fashion"
	"github.com/netc-project/netc/generated/tiny"
	"github.com/netc-project/netc/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fashionMNIST = "/usr/share/datasets/fashion-mnist"

// runFashion runs the command with args and returns its exit status, stdout and stderr.
func runFashion(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestSmoke trains on a few hundred images of the real data set for two epochs, resumes for a
// third, and checks the output files.
func TestSmoke(t *testing.T) {
	if _, err := os.Stat(fashionMNIST); err != nil {
		t.Skipf("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): %v", err)
	}
	out := t.TempDir()
	code, stdout, stderr := runFashion(t, "-data", fashionMNIST, "-out", out, "-limit", "300", "-epochs", "2")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "300 training and 300 test images")
	assert.Contains(t, stdout, fmt.Sprintf("epoch 1/2  lr %-8.4g", fashion.LearningRateAt(0)))
	assert.Contains(t, stdout, "epoch 2/2")
	assert.Contains(t, stdout, "fashion: test accuracy ")
	for _, name := range []string{train.PlotFile, "conv1" + train.FiltersSuffix} {
		f, err := os.Open(filepath.Join(out, name))
		require.NoError(t, err)
		_, err = png.Decode(f)
		f.Close()
		require.NoError(t, err, name)
	}
	f, err := os.Open(filepath.Join(out, train.WeightsFile))
	require.NoError(t, err)
	require.NoError(t, fashion.New().Load(f), "the weights file loads into the model")
	f.Close()

	code, stdout, stderr = runFashion(t, "-data", fashionMNIST, "-out", out, "-limit", "300", "-epochs", "3", "-resume")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "2 epochs done")
	assert.Contains(t, stdout, "epoch 3/3")
	assert.NotContains(t, stdout, "epoch 1/3")

	code, _, stderr = runFashion(t, "-data", fashionMNIST, "-out", out, "-limit", "300", "-epochs", "3")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, filepath.Join(out, train.CheckpointFile)+" already holds a checkpoint")
}

// writeIDX writes an IDX file of unsigned bytes with dims, gzipped if the name ends in .gz.
func writeIDX(t *testing.T, path string, dims []int, values []byte) {
	t.Helper()
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&buf, binary.BigEndian, uint32(d))
	}
	buf.Write(values)
	b := buf.Bytes()
	if filepath.Ext(path) == ".gz" {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		require.NoError(t, zw.Close())
		b = z.Bytes()
	}
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// fakeData writes a Fashion-MNIST-shaped data set of n random images in each split to a new
// directory, and returns it.
func fakeData(t *testing.T, n int) string {
	dir := t.TempDir()
	pixels, labels := make([]byte, n*28*28), make([]byte, n)
	for i := range pixels {
		pixels[i] = byte(i * 7)
	}
	for i := range labels {
		labels[i] = byte(i % 10)
	}
	for _, split := range []string{"train", "t10k"} {
		writeIDX(t, filepath.Join(dir, split+"-images-idx3-ubyte.gz"), []int{n, 28, 28}, pixels)
		writeIDX(t, filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), []int{n}, labels)
	}
	return dir
}

func TestFakeData(t *testing.T) {
	code, stdout, stderr := runFashion(t, "-data", fakeData(t, 20), "-out", t.TempDir(), "-epochs", "1")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "epoch 1/1")
}

// TestCorruptIDX checks that a broken data file is an error that names it, not a panic.
func TestCorruptIDX(t *testing.T) {
	for name, corrupt := range map[string]func(t *testing.T, path string){
		"truncated IDX data": func(t *testing.T, path string) {
			writeIDX(t, path, []int{20, 28, 28}, make([]byte, 100))
		},
		"not an IDX file": func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, []byte("<html>404 Not Found</html>"), 0o644))
		},
		"gzip": func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, b[:len(b)/2], 0o644))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := fakeData(t, 20)
			path := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
			corrupt(t, path)
			code, _, stderr := runFashion(t, "-data", dir, "-out", t.TempDir())
			assert.Equal(t, 1, code)
			assert.Contains(t, stderr, "fashion: "+path+": ")
		})
	}
	code, _, stderr := runFashion(t, "-data", t.TempDir(), "-out", t.TempDir())
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "train-images-idx3-ubyte")
}

// TestCheckpointOfAnotherSpec checks that resuming from a checkpoint of another network is a
// clear error naming the file.
func TestCheckpointOfAnotherSpec(t *testing.T) {
	out := t.TempDir()
	path := filepath.Join(out, train.CheckpointFile)
	require.NoError(t, train.WriteCheckpoint(path, tiny.New(), train.State{Batch: tiny.BatchSize, Seed: 1, LearningRate: tiny.LearningRate0}))
	code, _, stderr := runFashion(t, "-data", fakeData(t, 20), "-out", out, "-resume")
	assert.Equal(t, 1, code)
	assert.Equal(t, "fashion: "+path+": a checkpoint of network tiny (specs/tiny.net), not of fashion (specs/fashion.net); choose another output directory or the matching model\n", stderr)
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-epochs", "0"}, {"-limit", "-1"}} {
		code, _, stderr := runFashion(t, args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.NotEmpty(t, stderr)
	}
	code, _, _ := runFashion(t, "-h")
	assert.Equal(t, 0, code)
}
