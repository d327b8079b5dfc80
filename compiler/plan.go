package compiler

import (
	"slices"

	"github.com/netc-project/netc/dsl"
)

// plan is a pass: it assigns every step's output to a buffer, reusing a buffer once nothing
// reads what it holds any more, and sizes each worker's scratch space. Views and in-place
// steps write into the buffer they read. Sizes are per image; the generated code multiplies
// them by the batch size once per batch size.
func plan(n *Network, errs *dsl.ErrorList) {
	// lastUse[i] is the index of the last step that reads step i's output (len(Steps) for the
	// logits, which Forward returns).
	lastUse := make([]int, len(n.Steps))
	for i := range n.Steps {
		lastUse[i] = i
		if i+1 < len(n.Steps) {
			lastUse[i] = i + 1
		}
	}
	lastUse[len(n.Steps)-1] = len(n.Steps)
	// A view or in-place step's output is its input: that input lives as long as it does.
	for i := len(n.Steps) - 1; i > 0; i-- {
		if s := n.Steps[i]; s.View || s.InPlace {
			lastUse[i-1] = max(lastUse[i-1], lastUse[i])
		}
	}

	n.Buffers = nil
	var free []int    // buffers holding nothing live
	holder := []int{} // holder[b]: the step whose output buffer b holds
	in := -1          // the buffer holding the current value; −1: the network's input
	for i, s := range n.Steps {
		s.InBuf = in
		if s.View || (s.InPlace && in >= 0) {
			s.OutBuf = in
		} else {
			b := takeBuffer(n, &free, s.Out().Size())
			if b == len(holder) {
				holder = append(holder, i)
			}
			holder[b] = i
			s.OutBuf = b
		}
		in = s.OutBuf
		// Release the buffers whose values nothing after this step reads.
		for b, h := range holder {
			if h >= 0 && lastUse[h] <= i && b != s.OutBuf && !slices.Contains(free, b) {
				free = append(free, b)
				holder[b] = -1
			}
		}
	}

	n.Scratch = 0
	for _, s := range n.Steps {
		n.Scratch = max(n.Scratch, s.Scratch())
	}
	n.Stage = StagePlanned
}

// takeBuffer returns a free buffer, preferring the smallest that is large enough, else the
// largest (grown), else a new one.
func takeBuffer(n *Network, free *[]int, size int64) int {
	best := -1
	for _, b := range *free {
		fits, bestFits := n.Buffers[b] >= size, best >= 0 && n.Buffers[best] >= size
		switch {
		case best < 0,
			fits && !bestFits,
			fits && bestFits && n.Buffers[b] < n.Buffers[best],
			!fits && !bestFits && n.Buffers[b] > n.Buffers[best]:
			best = b
		}
	}
	if best < 0 {
		n.Buffers = append(n.Buffers, size)
		return len(n.Buffers) - 1
	}
	*free = slices.DeleteFunc(*free, func(b int) bool { return b == best })
	n.Buffers[best] = max(n.Buffers[best], size)
	return best
}

// Scratch is the per-worker scratch space the step's kernel needs, in float32 values: a conv's
// im2col matrix for one group of one image (none for a 1×1 conv with stride 1 and no padding,
// which reads its input as the matrix), and one image's channel row for LRN.
func (s *Step) Scratch() int64 {
	l := s.Main()
	switch l.Op {
	case OpConv:
		c := l.Conv
		if c.KH == 1 && c.KW == 1 && c.SH == 1 && c.SW == 1 && c.PH == 0 && c.PW == 0 {
			return 0
		}
		return int64(l.In.C/c.Groups*c.KH*c.KW) * int64(l.Out.H*l.Out.W)
	case OpLRN:
		return int64(l.In.H * l.In.W)
	case OpMaxPool, OpAvgPool:
		return int64(l.In.W)
	}
	return 0
}
