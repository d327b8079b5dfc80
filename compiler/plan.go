package compiler

import (
	"slices"

	"github.com/netc-project/netc/dsl"
)

// plan is a pass: it assigns every step's output to a buffer, reusing a buffer once nothing
// reads what it holds any more — neither a later step of the forward pass nor the backward
// pass, which reads what each op's row of the table says (the inputs of conv, fc, LRN and max
// pooling; the outputs that hold a ReLU's mask or a tanh's derivative). Views, and in-place steps
// that overwrite nothing the backward pass reads, write into the buffer they read. It also assigns the backward pass's two gradient buffers, which take turns.
// Sizes are per image; the generated code multiplies them by the batch size.
func plan(n *Network, errs *dsl.ErrorList) {
	last := len(n.Steps) - 1
	// shares[i] says step i's output lives in its input's buffer: a view's always, and an
	// in-place step's unless its input is the network's (the caller's) or the backward pass
	// reads the value it would overwrite — the step before's output, read by its own backward
	// pass (a tanh's derivative is computed from it), or this step's input.
	shares := make([]bool, len(n.Steps))
	read := false // the backward pass reads the value the current buffer holds
	for i, s := range n.Steps {
		r := s.Reads()
		switch {
		case s.View:
			shares[i] = true
			read = read || r&ReadsOutput != 0
		case s.InPlace && i > 0 && !read && r&ReadsInput == 0:
			shares[i] = true
			read = r&ReadsOutput != 0
		default:
			read = r&ReadsOutput != 0
		}
	}
	// root[i] is the step that allocated the buffer step i's output lives in: itself, or for a
	// step that shares its input's buffer the root of the step before.
	root := make([]int, len(n.Steps))
	for i := range n.Steps {
		root[i] = i
		if i > 0 && shares[i] {
			root[i] = root[i-1]
		}
	}
	// lastUse[r] is the last step that reads the buffer of root r in the forward pass, or
	// len(Steps) when the backward pass reads it too.
	lastUse := make([]int, len(n.Steps))
	for i := range n.Steps {
		lastUse[root[i]] = max(lastUse[root[i]], i)
		if i > 0 {
			lastUse[root[i-1]] = max(lastUse[root[i-1]], i)
		}
	}
	keep := func(r int) { lastUse[r] = len(n.Steps) }
	keep(root[last]) // the logits: Forward returns them and Backward starts from them
	for i, s := range n.Steps {
		r := s.Reads()
		if r&ReadsOutput != 0 {
			keep(root[i]) // a ReLU's mask is its output's sign
		}
		if r&ReadsInput != 0 && i > 0 {
			keep(root[i-1]) // (the network's input is the caller's)
		}
	}

	n.Buffers = nil
	var free []int // buffers holding nothing live
	in := -1       // the buffer holding the current value; −1: the network's input
	// release[i] are the buffers whose values nothing after step i reads, to free after it, so
	// that the plan takes time linear in the steps.
	release := make([][]int, len(n.Steps)+1)
	for i, s := range n.Steps {
		s.InBuf = in
		if shares[i] {
			s.OutBuf = in
		} else {
			b := takeBuffer(n, &free, s.Out().Size())
			s.OutBuf = b
			at := min(lastUse[i], len(n.Steps))
			release[at] = append(release[at], b)
		}
		in = s.OutBuf
		// Release the buffers whose values nothing after this step reads, in order.
		slices.Sort(release[i])
		for _, b := range release[i] {
			if b == s.OutBuf {
				release[i+1] = append(release[i+1], b) // still being written: after the next step
				continue
			}
			free = append(free, b)
		}
	}

	// Gradients flow from the logits (buffer 0) back to the first step, alternating between the
	// two buffers except where a step works in place.
	n.GradSize = 0
	g := 0
	for i := last; i >= 0; i-- {
		s := n.Steps[i]
		n.GradSize = max(n.GradSize, s.In().Size(), s.Out().Size())
		s.GradOut, s.GradIn = g, g
		if !s.View && !s.InPlace {
			s.GradIn = 1 - g
		}
		g = s.GradIn
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
