package compiler

import (
	"slices"

	"github.com/netc-project/netc/dsl"
)

// Strategy names how a kernel computes its part of a step, as `netc check -v` prints it; ""
// when the step has no such kernel. The ops declare theirs (ConvDirect, FCForward, …).
type Strategy string

// Direct is the strategy of kernels that compute each output from its definition, in a loop or
// one runtime call: elementwise ops, pooling.
const Direct Strategy = "direct"

// Layout is the arrangement of a tensor's values in memory.
type Layout int

// The layouts.
const (
	LayoutNCHW    Layout = iota + 1 // images, channels, rows, columns: PyTorch's
	LayoutBlocked                   // images, blocks of 16 channels, rows, columns, the block's 16 channels: one vector per pixel
)

func (l Layout) String() string { return [...]string{"", "NCHW", "NCHW16c"}[l] }

// Lowering is what the lower pass decides for a step: every choice the generated code embodies
// beyond the buffers the plan assigned. Sizes are in float32 values.
type Lowering struct {
	Split Split // how the step's kernels divide their work among the workers
	// Units is, for a step split by plane, the work units of one image: its channel planes, or
	// its blocks of ChannelBlock channels when its input is channel-blocked.
	Units int

	// The strategies of its kernels: the forward pass's, and the backward pass's for the
	// gradient of its input (none for the network's first step: nobody needs the images'
	// gradient) and of its parameters.
	Forward, InputGrad, WeightGrad Strategy
	// Backward says the step has a backward kernel: it has parameters, or its input's gradient
	// is needed.
	Backward bool

	// Per worker: the scratch space of its forward and its backward kernel, and the partial sums
	// of its parameter gradients (for ops split by image, each worker sums its own images'),
	// at offset PartialsAt of the worker's partial sums, its parameters one after the other.
	Scratch, BackScratch int64
	Partials, PartialsAt int64

	// TrainOnly says the forward kernel runs in training only: at inference the step is the
	// identity (dropout), a copy when it does not work in place.
	TrainOnly bool

	// Blocking is the op's own plan of its forward kernel (a conv's ConvBlocking), or of both
	// its passes (LRN's LRNBlocking), or nil.
	Blocking any
	// Packed is the size of a copy of the step's parameters laid out for its forward kernel,
	// made again before a Forward when the parameters may have changed.
	Packed int64

	// GradBlocking is the op's own plan of its input-gradient kernel (a conv's ConvBlocking), or
	// nil.
	GradBlocking any
	// Relaid is the size of a copy of the step's weights laid out for a backward kernel (a
	// transposed convolution's flipped weights), refreshed by every Backward.
	Relaid int64
	// Mask is the size per image of a mask the forward pass draws and keeps for the backward
	// pass (dropout), and Stream which of the seed's streams it draws from.
	Mask   int64
	Stream int

	// The layouts of the step's output and of its input (its producer's output's; NCHW for the
	// network's input), the same for their gradients.
	Layout, InLayout Layout

	// Chain is the chain whose steps the forward pass runs image by image (chainSteps), numbered
	// from 1 in the network's order; 0 when the step runs on its own.
	Chain int

	// Kernels are the step's kernels, each with its register tiles, loops and regions (kernel.go);
	// Scratch and BackScratch are where the regions of its forward and backward kernels end.
	Kernels []*Kernel
}

// lowerElementwise is the lowering of ops that compute each output from its definition, with
// no scratch: elementwise ops and pooling.
func lowerElementwise(n *Network, s *Step, first bool) {
	s.Forward = Direct
	if !first {
		s.InputGrad = Direct
	}
}

// lower is the last pass: it decides for every step what the generated code does — the split
// of its work over the workers, the strategy of its forward and backward kernels, the register
// tiles, loops and scratch regions of each kernel, the partial sums of parameter gradients,
// weight copies, dropout masks and layouts — as each op's row of the table says, and sizes the
// per-worker totals.
func lower(n *Network, errs *dsl.ErrorList) {
	n.Scratch, n.Partials = 0, 0
	streams := 0
	for i, s := range n.Steps {
		s.Lowering = Lowering{Layout: LayoutNCHW, InLayout: LayoutNCHW}
		if s.View {
			continue
		}
		l := s.Main()
		d := l.Op.def()
		first := i == 0
		s.Split = d.split
		s.Backward = !first || l.Params > 0
		if d.lower != nil {
			d.lower(n, s, first)
		}
	}
	layouts(n)
	for _, s := range n.Steps {
		if s.View {
			continue
		}
		if !s.Backward {
			s.InputGrad, s.WeightGrad, s.GradBlocking = "", "", nil
		}
		if s.Split == SplitPlanes {
			s.Units = planes(s)
		}
		if f := s.Main().Op.def().laidOut; f != nil {
			f(s)
		}
		completeKernels(s)
		if s.Partials > 0 {
			s.PartialsAt = n.Partials
			n.Partials += s.Partials
		}
		if s.Mask > 0 {
			s.Stream = streams
			streams++
		}
		n.Scratch = max(n.Scratch, s.Scratch, s.BackScratch)
	}
	chainSteps(n)
	n.Stage = StageLowered
}

// completeKernels gives each pass of a step that has a strategy a kernel, where its op planned
// none (a kernel of no tiles, loops or scratch: an elementwise op's, a GEMM's); and sizes the
// step's buffers — the scratch, forward and backward, the packed and relaid weights, the
// partial sums — as its kernels' regions need.
func completeKernels(s *Step) {
	for _, p := range []struct {
		pass     Pass
		strategy Strategy
	}{{PassForward, s.Forward}, {PassWeightGrad, s.WeightGrad}, {PassInputGrad, s.InputGrad}} {
		if p.strategy != "" && s.Kernel(p.pass) == nil {
			s.Kernels = append(s.Kernels, &Kernel{Pass: p.pass, Strategy: p.strategy})
		}
	}
	slices.SortStableFunc(s.Kernels, func(a, b *Kernel) int { return int(a.Pass) - int(b.Pass) })
	s.Scratch, s.BackScratch, s.Packed, s.Relaid, s.Partials = 0, 0, 0, 0, 0
	for _, k := range s.Kernels {
		buf := s.buffer(k.Pass)
		for _, r := range k.Regions {
			*buf = max(*buf, r.End())
		}
	}
}

// layouts gives each step's output the channel-blocked layout when its kernels can write it and
// the next step's can read it (a view, whose output is its input reinterpreted, reads only
// NCHW), and records the layout each step's input arrives in.
func layouts(n *Network) {
	in := LayoutNCHW
	for i, s := range n.Steps {
		s.InLayout = in
		if i+1 < len(n.Steps) && writesBlocked(s, in) && readsBlocked(n.Steps[i+1]) {
			s.Layout = LayoutBlocked
		}
		in = s.Layout
	}
}

// writesBlocked says step s can give its output (whole blocks of channels) in the
// channel-blocked layout, its input arriving in layout in, as its op's row says.
func writesBlocked(s *Step, in Layout) bool {
	w := s.Main().Op.def().writesBlocked
	return !s.View && w != nil && s.Out().C%ChannelBlock == 0 && w(s, in)
}

// readsBlocked says step s can take its input in the channel-blocked layout, as its op's row
// says; a view, whose output is its input reinterpreted, cannot.
func readsBlocked(s *Step) bool {
	r := s.Main().Op.def().readsBlocked
	return !s.View && r != nil && r(s)
}

// Memory is what a network's generated package allocates, in bytes.
type Memory struct {
	// Parameters: their values, gradients and momentum, and the copies laid out for the forward
	// kernels (Packed) and for the backward kernels (Relaid).
	Params, Packed, Relaid int64
	// For a batch: the plan's activation buffers, the two gradient buffers, the dropout masks
	// and each image's loss (float64).
	Activations, Gradients, Masks, Losses int64
	// Per worker: the kernels' scratch and the partial sums of parameter gradients. (The
	// runtime's GEMM packing buffers, of a fixed size, come on top.)
	Scratch, Partials int64
}

// Batch is the memory that grows with the batch.
func (m Memory) Batch() int64 { return m.Activations + m.Gradients + m.Masks + m.Losses }

// Fixed is the memory that does not grow with the batch, for workers workers.
func (m Memory) Fixed(workers int) int64 {
	return m.Params + m.Packed + m.Relaid + int64(workers)*(m.Scratch+m.Partials)
}

// Memory is what the generated package of a lowered network allocates for batches of batch
// images.
func (n *Network) Memory(batch int) Memory {
	var m Memory
	params, _, _ := n.Totals()
	m.Params = 3 * 4 * params
	b := int64(batch)
	for _, size := range n.Buffers {
		m.Activations += 4 * b * size
	}
	m.Gradients = 2 * 4 * b * n.GradSize
	m.Losses = 8 * b
	for _, s := range n.Steps {
		m.Relaid += 4 * s.Relaid
		m.Packed += 4 * s.Packed
		m.Masks += 4 * b * s.Mask
	}
	m.Scratch, m.Partials = 4*n.Scratch, 4*n.Partials
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
