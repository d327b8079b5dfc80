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
		case s.InPlace && s.InBuf == s.OutBuf:
			kind = " inplace"
		}
		parts = append(parts, fmt.Sprintf("%s(%d→%d%s)", strings.Join(names, "+"), s.InBuf, s.OutBuf, kind))
	}
	return strings.Join(parts, " ")
}

// TestFuseAndPlanAlexNet: in AlexNet the backward pass reads every value the forward pass makes
// (the inputs of conv, LRN, max pooling and fc, and the ReLUs' outputs), so no buffer is reused,
// and dropout, which could work in place, writes buffers of its own rather than overwrite the
// ReLUs' outputs.
func TestFuseAndPlanAlexNet(t *testing.T) {
	n := compileFile(t, "../specs/alexnet.net")
	assert.Equal(t, "conv1+conv1.relu(-1→0) conv1.lrn(0→1) pool1(1→2) conv2+conv2.relu(2→3) conv2.lrn(3→4) "+
		"pool2(4→5) conv3+conv3.relu(5→6) conv4+conv4.relu(6→7) conv5+conv5.relu(7→8) pool5(8→9) "+
		"fc6+fc6.relu(9→10) fc6.dropout(10→11) fc7+fc7.relu(11→12) fc7.dropout(12→13) fc8(13→14) loss(14→14 view)",
		describeSteps(n))
	assert.Equal(t, []int64{290400, 290400, 69984, 186624, 186624, 43264, 64896, 64896, 43264, 9216, 4096, 4096, 4096, 4096, 1000}, n.Buffers)
	assert.EqualValues(t, 290400, n.GradSize)
	var grads []string
	for _, s := range n.Steps {
		grads = append(grads, fmt.Sprintf("%d←%d", s.GradIn, s.GradOut))
	}
	assert.Equal(t, "1←0 0←1 1←0 0←1 1←0 0←1 1←0 0←1 1←0 0←1 1←0 0←0 0←1 1←1 1←0 0←0", strings.Join(grads, " "),
		"gradients alternate between two buffers, except through dropout and the loss, in place")
}

// TestFuseAndPlanTiny: average and adaptive pooling need not keep their inputs for the backward
// pass, so their buffers are reused.
func TestFuseAndPlanTiny(t *testing.T) {
	n := compileFile(t, "../specs/tiny.net")
	assert.Equal(t, "c1+c1.relu(-1→0) c1.lrn(0→1) p1(1→2) c2+c2.relu(2→3) c2.lrn(3→4) p2(4→5) a(5→4) "+
		"a.tanh(4→4 inplace) a.flatten(4→4 view) fc1+fc1.relu(4→5) fc1.dropout(5→6) fc2(6→7) loss(7→7 view)", describeSteps(n))
}

// TestPlanInPlaceProtects: a step that may work in place writes a buffer of its own when the
// backward pass reads what it would overwrite (tanh's and relu's outputs).
func TestPlanInPlaceProtects(t *testing.T) {
	n, err := Compile("x.net", []byte("network x\ninput 2x3x3\nclasses 2\nflatten\nfc 4\ntanh\ndropout 0.5\nrelu\ndropout 0.5\nfc 2\nsoftmax\n"))
	require.NoError(t, err)
	assert.Equal(t, "flatten(-1→-1 view) fc(-1→0) tanh(0→0 inplace) dropout(0→1) relu(1→1 inplace) dropout2(1→2) fc2(2→3) softmax(3→3 view)", describeSteps(n))
}

// TestPlanFirstInPlace: an in-place layer first cannot write the caller's input.
func TestPlanFirstInPlace(t *testing.T) {
	n, err := Compile("x.net", []byte("network x\ninput 2x3x3\nclasses 2\nrelu\nflatten\nfc 2\nsoftmax\n"))
	require.NoError(t, err)
	assert.Equal(t, "relu(-1→0) flatten(0→0 view) fc(0→1) softmax(1→1 view)", describeSteps(n))
}

func TestVerifyPlan(t *testing.T) {
	n := compileFile(t, "../specs/tiny.net")
	n.Steps[2].OutBuf = n.Steps[2].InBuf
	assert.ErrorContains(t, Verify(n), "p1 overwrites its input, buffer 1")
	n = compileFile(t, "../specs/tiny.net")
	n.Steps[1].OutBuf = 0 // c1.lrn over c1's output, which its backward pass reads (the ReLU's mask)
	n.Steps[2].InBuf = 0
	assert.ErrorContains(t, Verify(n), "c1.lrn overwrites its input")
	n = compileFile(t, "../specs/tiny.net")
	n.Steps[3].OutBuf = 0 // c2 over c1's output
	n.Steps[4].InBuf = 0
	assert.ErrorContains(t, Verify(n), "c2 + c2.relu overwrites buffer 0, the output of c1 + c1.relu, which the backward pass reads")
	n = compileFile(t, "../specs/tiny.net")
	n.Steps[2].InPlace, n.Steps[2].OutBuf = true, 1 // p1 in place over its input, which its backward pass reads
	n.Steps[3].InBuf = 1
	assert.ErrorContains(t, Verify(n), "p1 overwrites buffer 1, the output of c1.lrn, which the backward pass reads")
	n = compileFile(t, "../specs/tiny.net")
	n.Buffers[1] = 3
	assert.ErrorContains(t, Verify(n), "c1.lrn: buffer 1 holds 3 values")
	n = compileFile(t, "../specs/tiny.net")
	n.Steps[1].Layers = append(n.Steps[1].Layers, n.Layers[5])
	assert.ErrorContains(t, Verify(n), "out of order")
}
