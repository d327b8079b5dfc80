package compiler

import "fmt"

// chainWeightBytes is the most bytes of weights the steps of one chain may hold between them: the
// copies their forward kernels read (Packed: a direct convolution's blocked weights, a Winograd
// one's transformed filters). Run image by image, a chain cycles through all its steps' weights
// for every image, so they must stay in the cache beside the image's activations; run step by
// step, each step's weights serve every image in turn. Measured on a 2-core Zen 5 (L2 1 MB per
// core, L3 32 MB; AlexNet's Forward32, alternating builds, six pairs of runs each): the chains
// this rule makes, conv1 … pool2 (2.5 MB of weights) and conv5 … pool5, 364 → 377 img/s
// (+3.4 %) — the LRNs and pools read the conv outputs (1.2 and 0.7 MB an image) from the cache
// instead of memory; conv1 … pool5 chained (17 MB) no faster than step by step — the Winograd
// products of conv3–conv5 lost, reading their transformed filters from memory, what the LRNs
// and pools gained. Half-width AlexNet (no LRN) measured the same chained or not.
const chainWeightBytes = 4 << 20

// chainable says a step's forward kernel can run one image at a time, as part of a chain: it
// does work, every time (not only in training), and its split is by image or by plane.
func chainable(s *Step) bool {
	return !s.View && !s.TrainOnly && (s.Split == SplitImages || s.Split == SplitPlanes)
}

// chainSteps groups runs of consecutive chainable steps into chains (Lowering.Chain), which the
// forward pass runs image by image — each worker takes a share of the images and passes each
// through every step of the chain before the next — so that a step reads its input while the
// step before has just written it, from the cache. With fewer images than workers the steps run
// one by one, each split over the workers, as unchained steps do. A chain holds at most
// chainWeightBytes of weights, and each of its buffers at one size per image: a step writes
// image i's slot of a buffer while another worker may be on image j, so two steps of the chain
// that used one buffer with different strides could overwrite a slot not yet read. A run of one
// step is no chain.
func chainSteps(n *Network) {
	id := 0
	for i := 0; i < len(n.Steps); {
		j, bytes, sizes := i, int64(0), map[int]int64{}
		for ; j < len(n.Steps) && chainable(n.Steps[j]); j++ {
			s := n.Steps[j]
			if bytes+4*s.Packed > chainWeightBytes || !sameSizes(sizes, s) {
				break
			}
			bytes += 4 * s.Packed
		}
		if j-i < 2 {
			n.Steps[i].Chain = 0
			i++
			continue
		}
		id++
		for _, s := range n.Steps[i:j] {
			s.Chain = id
		}
		i = j
	}
}

// sameSizes records the per-image sizes at which step s uses its buffers in sizes, a chain's so
// far, and reports whether they agree with them (the network's input, −1, is the caller's).
func sameSizes(sizes map[int]int64, s *Step) bool {
	uses := []struct {
		buf  int
		size int64
	}{{s.InBuf, s.In().Size()}, {s.OutBuf, s.Out().Size()}}
	for _, u := range uses {
		if size, ok := sizes[u.buf]; ok && size != u.size {
			return false
		}
	}
	for _, u := range uses {
		if u.buf >= 0 {
			sizes[u.buf] = u.size
		}
	}
	return true
}

// Chains are the network's chains in order, each the steps it runs image by image.
func (n *Network) Chains() [][]*Step {
	var out [][]*Step
	for _, s := range n.Steps {
		if s.Chain == 0 {
			continue
		}
		if len(out) < s.Chain {
			out = append(out, nil)
		}
		out[s.Chain-1] = append(out[s.Chain-1], s)
	}
	return out
}

// verifyChains checks the chains against chainSteps' rules (chainSteps): numbered in order from 1, each a run of
// two or more consecutive chainable steps, within chainWeightBytes, each buffer at one size.
func verifyChains(n *Network) error {
	last := 0
	for i, s := range n.Steps {
		if s.Chain == 0 {
			continue
		}
		name := s.Name()
		switch {
		case !chainable(s):
			return fmt.Errorf("verify: step %s is in chain %d, but cannot run image by image", name, s.Chain)
		case s.Chain != last && s.Chain != last+1,
			s.Chain == last && n.Steps[i-1].Chain != s.Chain:
			return fmt.Errorf("verify: step %s is in chain %d after chain %d", name, s.Chain, last)
		}
		last = s.Chain
	}
	for c, steps := range n.Chains() {
		var bytes int64
		sizes := map[int]int64{}
		for _, s := range steps {
			bytes += 4 * s.Packed
			if !sameSizes(sizes, s) {
				return fmt.Errorf("verify: chain %d: step %s uses a buffer at another size per image than the chain's other steps", c+1, s.Name())
			}
		}
		switch {
		case len(steps) < 2:
			return fmt.Errorf("verify: chain %d has one step, %s", c+1, steps[0].Name())
		case bytes > chainWeightBytes:
			return fmt.Errorf("verify: chain %d holds %d bytes of weights, more than %d", c+1, bytes, chainWeightBytes)
		}
	}
	return nil
}
