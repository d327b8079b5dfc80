package compiler

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// describeChains renders a network's chains: [conv1 … pool2] [conv5 … pool5].
func describeChains(n *Network) string {
	var parts []string
	for _, c := range n.Chains() {
		var names []string
		for _, s := range c {
			names = append(names, s.Main().Name)
		}
		parts = append(parts, "["+strings.Join(names, " ")+"]")
	}
	return strings.Join(parts, " ")
}

// TestChains: AlexNet's steps up to pool2 run image by image (2.5 MB of weights between them);
// conv3 and conv4 alone hold more than chainWeightBytes of transformed filters, so each runs
// on its own; conv5 (3.1 MB) chains with pool5. The fully connected layers are one GEMM over
// the batch and dropout runs in training only, so neither chains. In tiny.net the adaptive pool
// writes buffer 4 at another size per image than c2.lrn did, which ends the first chain.
func TestChains(t *testing.T) {
	n := compileFile(t, "../specs/alexnet.net")
	assert.Equal(t, "[conv1 conv1.lrn pool1 conv2 conv2.lrn pool2] [conv5 pool5]", describeChains(n))
	var bytes int64
	for _, s := range n.Chains()[0] {
		bytes += 4 * s.Packed
	}
	assert.Equal(t, int64(2549504), bytes)
	for _, s := range n.Steps[6:8] {
		assert.Zero(t, s.Chain, s.Name())
		assert.Greater(t, 4*s.Packed, int64(chainWeightBytes), s.Name())
	}
	n = compileFile(t, "../specs/tiny.net")
	assert.Equal(t, "[c1 c1.lrn p1 c2 c2.lrn p2] [a a.tanh]", describeChains(n))
	assert.Equal(t, 4, n.Steps[4].OutBuf)
	assert.Equal(t, 4, n.Steps[6].OutBuf)
	assert.NotEqual(t, n.Steps[4].Out().Size(), n.Steps[6].Out().Size())
}

func TestVerifyChains(t *testing.T) {
	n := compileFile(t, "../specs/alexnet.net")
	n.Steps[10].Chain = 2 // fc6, one GEMM over the batch
	assert.ErrorContains(t, Verify(n), "step fc6 + fc6.relu is in chain 2, but cannot run image by image")
	n = compileFile(t, "../specs/alexnet.net")
	n.Steps[8].Chain = 3 // conv5's chain numbered 3 after chain 1
	n.Steps[9].Chain = 3
	assert.ErrorContains(t, Verify(n), "step conv5 + conv5.relu is in chain 3 after chain 1")
	n = compileFile(t, "../specs/alexnet.net")
	n.Steps[7].Chain = 2 // conv4 into conv5's chain: 7.8 MB of weights
	assert.ErrorContains(t, Verify(n), "chain 2 holds 7867392 bytes of weights, more than 4194304")
	n = compileFile(t, "../specs/alexnet.net")
	n.Steps[5].Chain = 0 // a chain of conv5 alone … and chain 1 loses pool2
	n.Steps[9].Chain = 0
	assert.ErrorContains(t, Verify(n), "chain 2 has one step, conv5 + conv5.relu")
	n = compileFile(t, "../specs/tiny.net")
	for _, s := range n.Steps[:8] {
		s.Chain = 1 // through the adaptive pool, which reuses c2.lrn's buffer at another size
	}
	assert.ErrorContains(t, Verify(n), "chain 1: step a uses a buffer at another size per image than the chain's other steps")
}
