package compiler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// describeSteps renders the steps and their buffers compactly: name[+fused](in→out).
func describeSteps(n *Network) string {
	var parts []string
	for _, s := range n.Steps {
		var names []string
		for _, l := range s.Layers {
			names = append(names, l.Name)
		}
		kind := ""
		switch {
		case s.View:
			kind = " view"
		case s.InPlace:
			kind = " inplace"
		}
		parts = append(parts, fmt.Sprintf("%s(%d→%d%s)", strings.Join(names, "+"), s.InBuf, s.OutBuf, kind))
	}
	return strings.Join(parts, " ")
}

func TestFuseAndPlanAlexNet(t *testing.T) {
	n := compileFile(t, "../specs/alexnet.net")
	assert.Equal(t, "conv1+conv1.relu(-1→0) conv1.lrn(0→1) pool1(1→0) conv2+conv2.relu(0→1) conv2.lrn(1→0) "+
		"pool2(0→1) conv3+conv3.relu(1→0) conv4+conv4.relu(0→1) conv5+conv5.relu(1→0) pool5(0→1) "+
		"fc6+fc6.relu(1→0) fc6.dropout(0→0 inplace) fc7+fc7.relu(0→1) fc7.dropout(1→1 inplace) fc8(1→0) loss(0→0 view)",
		describeSteps(n))
	assert.Equal(t, []int64{96 * 55 * 55, 96 * 55 * 55}, n.Buffers)
	assert.EqualValues(t, 3*11*11*55*55, n.Scratch, "conv1's im2col matrix is the largest")
}

func TestFuseAndPlanTiny(t *testing.T) {
	n := compileFile(t, "../specs/tiny.net")
	assert.Equal(t, "c1+c1.relu(-1→0) c1.lrn(0→1) p1(1→0) c2+c2.relu(0→1) c2.lrn(1→0) p2(0→1) a(1→0) "+
		"a.flatten(0→0 view) fc1+fc1.relu(0→1) fc1.dropout(1→1 inplace) fc2(1→0) loss(0→0 view)", describeSteps(n))
}

// TestPlanFirstInPlace: an in-place layer first cannot write the caller's input.
func TestPlanFirstInPlace(t *testing.T) {
	n, err := Compile("x.net", []byte("network x\ninput 2x3x3\nclasses 2\nrelu\nflatten\nfc 2\nsoftmax\n"))
	require.NoError(t, err)
	assert.Equal(t, "relu(-1→0 inplace) flatten(0→0 view) fc(0→1) softmax(1→1 view)", describeSteps(n))
}

func TestVerifyPlan(t *testing.T) {
	n := compileFile(t, "../specs/tiny.net")
	n.Steps[2].OutBuf = n.Steps[2].InBuf
	assert.ErrorContains(t, Verify(n), "p1 reads buffer 1 and writes buffer 1")
	n = compileFile(t, "../specs/tiny.net")
	n.Buffers[1] = 3
	assert.ErrorContains(t, Verify(n), "c1.lrn: buffer 1 holds 3 values")
	n = compileFile(t, "../specs/tiny.net")
	n.Steps[1].Layers = append(n.Steps[1].Layers, n.Layers[5])
	assert.ErrorContains(t, Verify(n), "out of order")
}
