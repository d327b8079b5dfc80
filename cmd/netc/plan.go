package main

import (
	"fmt"
	"io"

	"github.com/netc-project/netc/compiler"
)

// writePlan prints the lowering plan, `netc check -v`: per step of the generated code, how its
// work is split over the workers, the strategy of its forward kernel and of its backward kernels
// (the input's gradient and the parameters'), the buffers it reads and writes, its scratch and
// its partial sums; the chains of steps the forward pass runs image by image; every step's
// kernels (writeKernels); then the memory the generated package allocates for a batch of batch
// images on workers workers.
func writePlan(w io.Writer, n *compiler.Network, batch, workers int) {
	fmt.Fprintf(w, "\nlowering plan (sizes in float32 values; buffers: x is the input, g0 and g1 the gradients):\n\n")
	rows := [][]string{{"step", "split", "layout", "forward", "input gradient", "weight gradient", "buffers", "gradients", "scratch", "partial sums"}}
	for _, s := range n.Steps {
		if s.View {
			rows = append(rows, []string{s.Name(), "view", s.Layout.String(), "–", "–", "–", buffers(s.InBuf, s.OutBuf), "–", "–", "–"})
			continue
		}
		grads, scratch, partials := "–", "–", "–"
		if s.Backward {
			grads = fmt.Sprintf("g%d → g%d", s.GradOut, s.GradIn)
		}
		if s.Scratch > 0 || s.BackScratch > 0 {
			scratch = fmt.Sprintf("%s / %s", compiler.Thousands(s.Scratch), compiler.Thousands(s.BackScratch))
		}
		if s.Partials > 0 {
			partials = fmt.Sprintf("%s at %s", compiler.Thousands(s.Partials), compiler.Thousands(s.PartialsAt))
		}
		forward := string(s.Forward)
		if s.TrainOnly {
			forward += " (training only)"
		}
		rows = append(rows, []string{s.Name(), s.Split.String(), s.Layout.String(), forward, dash(s.InputGrad), dash(s.WeightGrad),
			buffers(s.InBuf, s.OutBuf), grads, scratch, partials})
	}
	writeAligned(w, rows, "llllllllrr")
	fmt.Fprintln(w, "\nscratch is the forward / backward kernel's, per worker; partial sums are per worker.")
	writeKernels(w, n)
	if chains := n.Chains(); len(chains) > 0 {
		fmt.Fprintf(w, "\nforward steps run image by image (with at least as many images as workers), their weights kept in the cache:\n\n")
		rows = nil
		for _, c := range chains {
			var packed int64
			for _, s := range c {
				packed += 4 * s.Packed
			}
			rows = append(rows, []string{c[0].Name() + " … " + c[len(c)-1].Name(), fmt.Sprintf("%d steps", len(c)), byteSize(packed) + " of weights"})
		}
		writeAligned(w, rows, "lrr")
	}

	m := n.Memory(batch)
	params, _, _ := n.Totals()
	wide := ""
	if compiler.Wide(batch, workers) {
		wide = " (fewer images than workers: each image's loops run over the workers)"
	}
	fmt.Fprintf(w, "\nmemory for a batch of %d on %d workers%s:\n", batch, workers, wide)
	var values int64
	for _, b := range n.Buffers {
		values += b
	}
	var masks int64
	for _, s := range n.Steps {
		masks += s.Mask
	}
	rows = [][]string{
		{"activations", byteSize(m.Activations), fmt.Sprintf("%d buffers, %s values per image", len(n.Buffers), compiler.Thousands(values))},
		{"gradients", byteSize(m.Gradients), fmt.Sprintf("2 buffers of %s values per image", compiler.Thousands(n.GradSize))},
		{"dropout masks", byteSize(m.Masks), fmt.Sprintf("%s values per image", compiler.Thousands(masks))},
		{"losses", byteSize(m.Losses), "one float64 per image"},
		{"batch in all", byteSize(m.Batch()), ""},
		{"parameters", byteSize(m.Params), fmt.Sprintf("%s values, their gradients and momentum", compiler.Thousands(params))},
		{"packed weights", byteSize(m.Packed), "parameters laid out for forward kernels"},
		{"relaid weights", byteSize(m.Relaid), "weights laid out for backward kernels"},
		{"scratch", byteSize(int64(workers) * m.Scratch), fmt.Sprintf("%s values per worker", compiler.Thousands(n.Scratch))},
		{"partial sums", byteSize(int64(workers) * m.Partials), fmt.Sprintf("%s values per worker", compiler.Thousands(n.Partials))},
		{"fixed in all", byteSize(m.Fixed(workers)), "and the runtime's GEMM packing buffers, about 3 MB per worker"},
		{"total", byteSize(m.Batch() + m.Fixed(workers)), ""},
	}
	writeAligned(w, rows, "lrl")
}

// buffers renders the activation buffers a step reads and writes: x → 0.
func buffers(in, out int) string {
	name := func(b int) string {
		if b < 0 {
			return "x"
		}
		return fmt.Sprint(b)
	}
	return name(in) + " → " + name(out)
}

func dash(s compiler.Strategy) string {
	if s == "" {
		return "–"
	}
	return string(s)
}

// writeKernels prints the plan of every step's kernels: the op's own plan of them (a conv's
// blocking), and per kernel its register tiles in each instruction-set form, its loops and its
// regions.
func writeKernels(w io.Writer, n *compiler.Network) {
	fmt.Fprintf(w, "\nkernels (tiles: accumulators, pixels × blocks of %d channels, in each form; loops: the items of a\n"+
		"parallel loop, per image (per 32 for fc's rows), over the workers when a batch has fewer images than\n"+
		"workers, else in all;\n"+
		"regions: offset +size of the scratch, or of the packed or relaid weights, or of the partial sums):\n", compiler.ChannelBlock)
	for _, s := range n.Steps {
		if s.View {
			continue
		}
		split := s.Split.String()
		if s.Units > 0 {
			split = fmt.Sprintf("%s, %d an image", split, s.Units)
		}
		fmt.Fprintf(w, "\n%s (split by %s)\n", s.Name(), split)
		if b, ok := s.Blocking.(fmt.Stringer); ok {
			fmt.Fprintf(w, "  plan             %s\n", b)
		}
		if b, ok := s.GradBlocking.(fmt.Stringer); ok {
			fmt.Fprintf(w, "  gradient plan    %s\n", b)
		}
		if s.Mask > 0 {
			fmt.Fprintf(w, "  mask             %s values per image, drawn from stream %d of the seed\n", compiler.Thousands(s.Mask), s.Stream)
		}
		for _, k := range s.Kernels {
			what := k.Pass.String()
			if k.Strategy != "" {
				what = fmt.Sprintf("%-16s %s", what, k.Strategy)
			}
			fmt.Fprintf(w, "  %s\n", what)
			if k.Tiles != nil {
				fmt.Fprintf(w, "    tiles          %s\n", k.Tiles)
			}
			for _, l := range k.Loops {
				fmt.Fprintf(w, "    loop           %s: %s items, each %s\n", l.Name, compiler.Thousands(int64(l.Items)), l.Item)
			}
			for _, r := range k.Regions {
				fmt.Fprintf(w, "    region         %s %s +%s: %s\n", r.Name, compiler.Thousands(r.At), compiler.Thousands(r.Size), r.Holds)
			}
		}
	}
}
