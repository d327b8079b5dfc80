package compiler

import (
	"fmt"
	"strings"
)

// The vocabulary of the plan of a step's kernels (Lowering.Kernels): for each kernel, the
// register tiles of its assembly in every instruction-set form, the loops its work splits into,
// and the regions of the worker's scratch space it uses. The lower pass decides all of them,
// Verify checks them, `netc check -v` prints them, and codegen writes them down.

// Form is an instruction-set form of the generated kernels: every assembly kernel is written in
// AVX-512 and in AVX2 with FMA, and has a pure-Go twin; the runtime picks the widest the CPU has.
type Form int

// The forms.
const (
	FormAVX512 Form = iota
	FormAVX2
	FormGo
	numForms
)

func (f Form) String() string { return [...]string{"AVX-512", "AVX2", "Go"}[f] }

// Tile is a kernel's register tile in one form: the accumulators it keeps in registers while it
// sums, Pixels (output pixels; input positions, for a weight gradient) by Blocks blocks of
// ChannelBlock output channels.
type Tile struct{ Pixels, Blocks int }

func (t Tile) String() string { return fmt.Sprintf("%d×%d", t.Pixels, t.Blocks) }

// Tiles is a kernel's register tile in each form, indexed by Form.
type Tiles [numForms]Tile

func (t Tiles) String() string {
	var parts []string
	for f, tile := range t {
		parts = append(parts, fmt.Sprintf("%s %s", Form(f), tile))
	}
	return strings.Join(parts, ", ")
}

// The registers of the assembly forms, which bound their tiles.
const (
	avx512Registers = 32 // 512-bit vectors: a block of channels is one
	avx2Registers   = 16 // 256-bit vectors: a block of channels is two
)

// directTiles are the tiles of a direct-convolution kernel (ConvBlocking, a Winograd product,
// a fully connected layer's direct kernel) that computes blocks output blocks per call over rows
// of width pixels: in AVX-512 tile's choice of pixels by every block; in AVX2, whose 16
// registers hold 6 pixels of one block (12 accumulators, 2 weight vectors, 2 broadcasts), 6 by
// 1; the Go twin one pixel by every block.
func directTiles(blocks, width int) Tiles {
	return Tiles{FormAVX512: {tile(blocks, width), blocks}, FormAVX2: {6, 1}, FormGo: {1, blocks}}
}

// updTiles are the tiles of a weight-gradient kernel of t input positions by f output blocks
// per call: every accumulator of a call in AVX-512; in AVX2 one block of at most 6 positions
// (12 accumulators, 2 vectors of dY, 2 broadcasts); the Go twin one accumulator at a time.
func updTiles(t, f int) Tiles {
	return Tiles{FormAVX512: {t, f}, FormAVX2: {min(t, 6), 1}, FormGo: {1, 1}}
}

// fit reports tiles that do not fit their form's registers: the accumulators, a vector of
// weights (or of dY) for each block, and two broadcasts that take turns.
func (t Tiles) fit() error {
	for f, tile := range t {
		regs, parts := avx512Registers, 1
		switch Form(f) {
		case FormAVX2:
			regs, parts = avx2Registers, 2
		case FormGo:
			regs = 1 << 20 // the twin's accumulators are an array
		}
		switch {
		case tile.Pixels < 1 || tile.Blocks < 1:
			return fmt.Errorf("%s tile %s", Form(f), tile)
		case (tile.Pixels*tile.Blocks+tile.Blocks)*parts+2 > regs:
			return fmt.Errorf("%s tile %s needs more than %d registers", Form(f), tile, regs)
		}
	}
	return nil
}

// check reports tiles that do not fit (fit), or do not divide their kernel's call of blocks
// output blocks.
func (t Tiles) check(blocks int) error {
	for f, tile := range t {
		if tile.Blocks < 1 || blocks%tile.Blocks != 0 {
			return fmt.Errorf("%s tile %s of a call of %d blocks", Form(f), tile, blocks)
		}
	}
	return t.fit()
}

// Pass is what a kernel computes of its step.
type Pass int

// The passes, a step's kernels in this order. A training step runs them otherwise: Forward runs
// Pack, when the parameters may have changed, then the steps' forward kernels; Backward runs
// Relay, then per step and image the weight gradient and the input gradient, and at its end
// Reduce.
const (
	PassForward    Pass = iota + 1
	PassWeightGrad      // the gradient of the step's parameters, per image, into the worker's partial sums
	PassInputGrad       // the gradient of its input
	PassPack            // its parameters laid out for the forward kernel (Lowering.Packed)
	PassRelay           // its weights laid out for the input gradient (Lowering.Relaid)
	PassReduce          // its parameters' gradients from the workers' partial sums
)

func (p Pass) String() string {
	return [...]string{"", "forward", "weight gradient", "input gradient", "pack", "relay", "reduce"}[p]
}

// backward says the pass runs in the step's backward kernel, whose scratch (BackScratch) it
// shares with the other backward pass.
func (p Pass) backward() bool { return p == PassWeightGrad || p == PassInputGrad }

// A Loop is a parallel loop of a kernel over its work items, which the generated code runs over
// the workers (runtime.Parallel): for the loops of a conv's forward and backward passes, one
// image's items, when the batch is wide (Wide); LRN's chunks, one image's, run over the chunks of
// every image when the batch is wide and by each worker over its own images otherwise; a fully
// connected layer's rows, for every 32 images (FCImages); for Pack, Relay and Reduce, the items
// of the parameters.
type Loop struct {
	Name  string `json:"name"`  // the generated method that runs items lo…hi−1: the step's name and this (conv1Rows)
	Items int    `json:"items"` // per image (per 32 images for FC's Rows), or in all for Pack, Relay and Reduce
	Item  string `json:"item"`  // what one item is, for the plan's reader: "an output row of 2 blocks of a group"
}

// Wide reports whether a batch of n images on workers workers runs wide: with fewer images than
// workers, the steps split by image run their images one after another, each image's work split
// over the workers by the loops of its kernels, rather than the images over the workers.
func Wide(n, workers int) bool { return n < workers }

// A Region is a named part of a buffer a kernel uses — the worker's scratch space, the packed
// or relaid weights, the partial sums —, in float32 values: At its offset, Size its length.
// Reach is how far into it the kernel's furthest access goes, from the geometry of its calls,
// computed apart from Size so that Verify can check one against the other; for a region the
// kernel fills or reads whole (the packed weights, a row of sums, a transform), it works out to
// the size.
type Region struct {
	Name  string `json:"name"` // a Go identifier, as the generated code names its offset and size: v → vAt, vSize
	At    int64  `json:"at"`
	Size  int64  `json:"size"`
	Reach int64  `json:"reach"`
	Holds string `json:"holds"` // what it holds, and in which layout
}

// End is the offset just past the region.
func (r Region) End() int64 { return r.At + r.Size }

// A Kernel is one of a step's kernels as the lower pass plans it.
type Kernel struct {
	Pass     Pass
	Strategy Strategy // how it computes (the step's Forward, InputGrad or WeightGrad for those passes)
	// Tiles are the register tiles of its assembly, or nil for a kernel without one.
	Tiles *Tiles
	// Loops are its parallel loops, in the order it runs them.
	Loops []Loop
	// Regions are its parts of the worker's scratch space (forward, weight and input gradient),
	// all live while it runs; of the packed or relaid weights (Pack, Relay); or of the partial
	// sums (Reduce). A step's backward kernels share the backward scratch (BackScratch): per
	// image the weight gradient runs, then the input gradient, each with its regions live in
	// turn, so that their regions may overlap one another's.
	Regions []Region
}

// Region returns the kernel's region of the given name; it panics when there is none, a bug of
// the op that asks.
func (k *Kernel) Region(name string) Region {
	for _, r := range k.Regions {
		if r.Name == name {
			return r
		}
	}
	panic(fmt.Sprintf("compiler: the %s kernel has no region %q", k.Pass, name))
}

// HasRegion reports whether the kernel has a region of the given name.
func (k *Kernel) HasRegion(name string) bool {
	for _, r := range k.Regions {
		if r.Name == name {
			return true
		}
	}
	return false
}

// Loop returns the kernel's loop of the given name; it panics when there is none.
func (k *Kernel) Loop(name string) Loop {
	for _, l := range k.Loops {
		if l.Name == name {
			return l
		}
	}
	panic(fmt.Sprintf("compiler: the %s kernel has no loop %q", k.Pass, name))
}

// buffer is the size of the step's buffer that the regions of its kernel of pass p lie in.
func (s *Step) buffer(p Pass) *int64 {
	switch p {
	case PassForward:
		return &s.Scratch
	case PassWeightGrad, PassInputGrad:
		return &s.BackScratch
	case PassPack:
		return &s.Packed
	case PassRelay:
		return &s.Relaid
	}
	return &s.Partials
}

// Kernel returns the step's kernel of pass p, or nil.
func (s *Step) Kernel(p Pass) *Kernel {
	for _, k := range s.Kernels {
		if k.Pass == p {
			return k
		}
	}
	return nil
}

// regions lays out parts of a buffer one after another from its start, in order, leaving out
// those of size 0.
func regions(parts ...Region) []Region {
	var out []Region
	var at int64
	for _, r := range parts {
		if r.Size == 0 {
			continue
		}
		r.At = at
		at = r.End()
		out = append(out, r)
	}
	return out
}

// verifyKernels checks a step's kernels: at most one per pass, a forward or backward one only
// for a pass the step has, with the strategy the step names for it; tiles that fit their
// registers; loops of at least one item; and regions that lie inside their buffer, do not
// overlap while live, and hold what the kernel reaches into them, the buffers sized as the
// regions end.
func verifyKernels(s *Step) error {
	name := s.Name()
	seen := map[Pass]bool{}
	ends := map[*int64]int64{&s.Scratch: 0, &s.BackScratch: 0, &s.Packed: 0, &s.Relaid: 0, &s.Partials: 0}
	for _, k := range s.Kernels {
		if seen[k.Pass] {
			return fmt.Errorf("verify: step %s has two %s kernels", name, k.Pass)
		}
		seen[k.Pass] = true
		strategies := map[Pass]Strategy{PassForward: s.Forward, PassInputGrad: s.InputGrad, PassWeightGrad: s.WeightGrad}
		if want, ok := strategies[k.Pass]; ok && (want == "" || want != k.Strategy) {
			return fmt.Errorf("verify: step %s: its %s kernel's strategy %q is not the step's %q", name, k.Pass, k.Strategy, want)
		}
		if (k.Pass == PassRelay || k.Pass == PassReduce) && !s.Backward {
			return fmt.Errorf("verify: step %s has a %s kernel but no backward pass", name, k.Pass)
		}
		if k.Tiles != nil {
			if err := k.Tiles.fit(); err != nil {
				return fmt.Errorf("verify: step %s: %s kernel: %w", name, k.Pass, err)
			}
		}
		for _, l := range k.Loops {
			if l.Items < 1 || !identifier(l.Name) {
				return fmt.Errorf("verify: step %s: %s kernel: loop %q of %d items", name, k.Pass, l.Name, l.Items)
			}
		}
		buf := s.buffer(k.Pass)
		for i, r := range k.Regions {
			switch {
			case !identifier(r.Name):
				return fmt.Errorf("verify: step %s: %s kernel: region %q is no Go identifier", name, k.Pass, r.Name)
			case r.At < 0 || r.Size < 1 || r.End() > *buf:
				return fmt.Errorf("verify: step %s: %s kernel: region %s at %d of %d values lies outside its %d", name, k.Pass, r.Name, r.At, r.Size, *buf)
			case r.Reach > r.Size:
				return fmt.Errorf("verify: step %s: %s kernel: its accesses reach %d values into region %s of %d", name, k.Pass, r.Reach, r.Name, r.Size)
			}
			for _, q := range k.Regions[:i] {
				if r.At < q.End() && q.At < r.End() {
					return fmt.Errorf("verify: step %s: %s kernel: regions %s and %s overlap", name, k.Pass, q.Name, r.Name)
				}
			}
			ends[buf] = max(ends[buf], r.End())
		}
	}
	for _, b := range []struct {
		what string
		size *int64
	}{{"scratch", &s.Scratch}, {"backward scratch", &s.BackScratch}, {"packed weights", &s.Packed},
		{"relaid weights", &s.Relaid}, {"partial sums", &s.Partials}} {
		if *b.size != ends[b.size] {
			return fmt.Errorf("verify: step %s: %s of %d values, its kernels' regions end at %d", name, b.what, *b.size, ends[b.size])
		}
	}
	return nil
}

// checkLoops checks that k runs the loops want, in order, each over as many items (their
// Item is not compared); a nil k runs none.
func checkLoops(k *Kernel, want ...Loop) error {
	var got []Loop
	if k != nil {
		got = k.Loops
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].Name == want[i].Name && got[i].Items == want[i].Items
	}
	if !same {
		return fmt.Errorf("loops %v for %v", brief(got), brief(want))
	}
	return nil
}

// brief is loops as name×items.
func brief(loops []Loop) string {
	var parts []string
	for _, l := range loops {
		parts = append(parts, fmt.Sprintf("%s×%d", l.Name, l.Items))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// identifier reports whether s is a Go identifier of letters and digits.
func identifier(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
