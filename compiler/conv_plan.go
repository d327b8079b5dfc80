package compiler

import "fmt"

// The plan of a conv step's kernels (its row's laidOut), from its blockings and layouts: per
// pass, the register tiles, the loops of its work and the regions of the worker's
// scratch; the parts of its packed and relaid weights and of its partial sums. Each region's
// Reach is computed from the calls its kernels make, apart from its size; it differs from the
// size for the input copy (the calls' windows and Winograd's tiles against the padded image),
// and works out to the size for the dense copies, transforms and sums.

// convKernels plans a conv step's kernels.
func convKernels(s *Step) {
	c, b := s.Main().Conv(), s.ConvBlocking()
	groups := int64(c.Groups)
	inBlocked, outBlocked := s.InLayout == LayoutBlocked, s.Layout == LayoutBlocked
	s.Kernels = []*Kernel{convPass(PassForward, s.Forward, b, groups, "", !b.InPlace, !outBlocked),
		packing(b, groups, c.Learn.Bias, PassPack, "Pack")}
	if s.WeightGrad == "" {
		return // no backward pass
	}

	// The weight gradient reads a copy of the input in the forward pass's blocking (or the
	// image, in place) and dY, blocked (a copy of it when the output is NCHW); by Winograd,
	// their transforms V and Z.
	wg := &Kernel{Pass: PassWeightGrad, Strategy: s.WeightGrad, Tiles: &b.UpdTiles}
	if w := b.Wino; w != nil {
		wg.Regions = regions(inCopy(b, groups, "xs", "the input"), transform("v", b, w, groups, b.InBlocks),
			Region{Name: "dys", Size: groups * w.DYSize(b), Reach: dyCopyReach(b, w, groups),
				Holds: "dY blocked, zero where the tiles overhang the image: [group][block][row][pixel][16]"},
			transform("z", b, w, groups, b.OutBlocks))
	} else {
		parts := []Region{}
		if !b.InPlace {
			parts = append(parts, inCopy(b, groups, "xs", "the input"))
		}
		if !outBlocked {
			parts = append(parts, outBlocks(b, groups, "ys", "dY blocked: [group][block][row][pixel][16]"))
		}
		wg.Regions = regions(parts...)
	}
	s.Kernels = append(s.Kernels, wg)

	switch s.InputGrad {
	case ConvTransposed, ConvTransposedWinograd:
		g := s.ConvGradBlocking()
		s.Kernels = append(s.Kernels, convPass(PassInputGrad, s.InputGrad, g, groups, "Grad", true, !inBlocked),
			packing(g, groups, false, PassRelay, "Relay"))
	case ConvCol2im:
		gIn := int64(s.In().C / c.Groups)
		size := gIn * int64(c.KH*c.KW) * int64(s.Out().H*s.Out().W)
		s.Kernels = append(s.Kernels, &Kernel{Pass: PassInputGrad, Strategy: s.InputGrad,
			Regions: []Region{{Name: "patches", Size: size, Reach: size, Holds: "one group's patch gradients Wᵀ·dY: [value of a patch][output pixel]"}}})
	}

	// Each worker sums its own images' gradients: the weights' (in the weight-gradient kernel's
	// layout, or the transform's domain), then the bias's.
	reduce := &Kernel{Pass: PassReduce}
	dw, db := groups*b.GradSize(), int64(boolInt(c.Learn.Bias)*c.Out)
	reduce.Regions = regions(Region{Name: "dw", Size: dw, Reach: dw, Holds: "the weights' gradient, " + map[bool]string{
		false: "[group][input block][call of positions][ky][kx][call of blocks] × [positions][blocks][16]",
		true:  "in the transform's domain, [group][position][input block][call of channels][call of blocks] × [channels][blocks][16]"}[b.Wino != nil]},
		Region{Name: "db", Size: db, Reach: db, Holds: "the bias's gradient"})
	if b.Wino != nil {
		reduce.Loops = []Loop{{Name: "WinoDW", Items: int(groups) * b.OutBlocks,
			Item: fmt.Sprintf("the filters of a block of %d output channels, Gᵀ dU G", ChannelBlock)}}
	}
	s.Kernels = append(s.Kernels, reduce)
}

// convPass plans a conv step's forward pass or its input gradient (pass), a convolution of
// blocking b direct or by Winograd, its loops' methods named after the step's with prefix
// ("Grad"): its input copied into the scratch unless copied is false (the kernels read it in
// place), and its output blocked in the scratch when blocks is true (an NCHW output, copied
// there from).
func convPass(pass Pass, strategy Strategy, b *ConvBlocking, groups int64, prefix string, copied, blocks bool) *Kernel {
	k := &Kernel{Pass: pass, Strategy: strategy}
	var parts []Region
	if copied {
		parts = append(parts, inCopy(b, groups, "xs", map[Pass]string{PassForward: "the input", PassInputGrad: "dY"}[pass]))
	}
	if blocks {
		parts = append(parts, outBlocks(b, groups, "ys", map[Pass]string{PassForward: "the output", PassInputGrad: "dX"}[pass]+
			" blocked: [group][block][row][pixel][16]"))
	}
	if w := b.Wino; w != nil {
		k.Tiles = &w.MulTiles
		parts = append(parts, transform("v", b, w, groups, b.InBlocks), transform("m", b, w, groups, b.OutBlocks))
		tilesH, a2, calls := w.TilesH, w.Alpha*w.Alpha, w.Calls(b)
		k.Loops = []Loop{
			{Name: prefix + "WinoIn", Items: int(groups) * b.InBlocks * tilesH, Item: "a row of tiles of an input block of a group"},
			{Name: prefix + "WinoMul", Items: int(groups) * a2 * calls, Item: fmt.Sprintf("%s at a transform position of a group", nOf(w.PerCall, "output block"))},
			{Name: prefix + "WinoOut", Items: int(groups) * b.OutBlocks * tilesH, Item: "a row of tiles of an output block of a group"},
		}
	} else {
		k.Tiles = &b.Tiles
		k.Loops = []Loop{{Name: prefix + "Rows", Items: int(groups) * b.Calls() * b.OutH,
			Item: fmt.Sprintf("an output row of %s of a group", nOf(b.PerCall, "block"))}}
	}
	k.Regions = regions(parts...)
	return k
}

// nOf is n of what, in words: "1 block", "2 blocks".
func nOf(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// inCopy is the region of a convolution's padded input copy, reached by its kernels' reads: the
// direct kernel's rows, or Winograd's tiles, and the weight gradient's positions (blocking of a
// forward pass).
func inCopy(b *ConvBlocking, groups int64, name, what string) Region {
	size := b.InSize()
	pix, row, block, plane := int64(b.PixStride()), int64(b.RowStride()), int64(b.BlockStride()), int64(b.PlaneStride())
	last := (groups-1)*size + int64(b.InBlocks-1)*block + int64(b.InLanes-1)*plane
	// The image copied in, inside its padding.
	reach := last + int64(b.PH+b.InH-1)*row + int64(b.PW+b.InW-1)*pix + 1
	if w := b.Wino; w != nil {
		// The input transform's α×α tiles, from row ty·m and column t·m.
		reach = max(reach, last+int64((w.TilesH-1)*w.M+w.Alpha-1)*row+int64((w.TilesW-1)*w.M+w.Alpha-1)*pix+1)
	} else {
		// The direct kernel's calls, from row oy·SH.
		reach = max(reach, last+int64((b.OutH-1)*b.SH+b.KH-1)*row+int64((b.OutW-1)*b.SW+b.KW-1)*pix+1)
	}
	holds := fmt.Sprintf("%s padded by %dx%d: [group][block][row][pixel][16]", what, b.PH, b.PW)
	if b.InLanes < ChannelBlock {
		holds = fmt.Sprintf("%s padded by %dx%d: [group][plane][row][pixel]", what, b.PH, b.PW)
	}
	return Region{Name: name, Size: groups * size, Reach: reach, Holds: holds}
}

// outBlocks is the region of a convolution's output (or dY) in blocks, reached by the direct
// kernel's calls: for group gr, call and row oy, PerCall blocks of a row each.
func outBlocks(b *ConvBlocking, groups int64, name, holds string) Region {
	row, block := int64(b.OutW*ChannelBlock), int64(b.OutH*b.OutW*ChannelBlock)
	reach := (groups-1)*b.OutSize() + int64(b.Calls()-1)*int64(b.PerCall)*block + int64(b.OutH-1)*row + int64(b.PerCall-1)*block + row
	return Region{Name: name, Size: groups * b.OutSize(), Reach: reach, Holds: holds}
}

// transform is the region of Winograd's transform of the input (V), of dY (Z) or of the
// products (M), of blocks blocks: [group][position][block][tile][16], reached by the transforms'
// rows of tiles (the last position of the last block) and the products' calls alike.
func transform(name string, b *ConvBlocking, w *ConvWinograd, groups int64, blocks int) Region {
	tiles, a2 := int64(w.Tiles()), int64(w.Alpha*w.Alpha)
	block := tiles * ChannelBlock
	position := int64(blocks) * block
	group := a2 * position
	reach := (groups-1)*group + (a2-1)*position + int64(blocks-1)*block + block
	return Region{Name: name, Size: groups * group, Reach: reach,
		Holds: fmt.Sprintf("%s: [group][%d positions][block][%d tiles][16]", map[string]string{"v": "the input's transform", "z": "dY's transform", "m": "the products"}[name], a2, tiles)}
}

// dyCopyReach is how far the transform of dY's tiles reads into its copy: for the last group
// and block, the last row of tiles' m rows of m·TilesW pixels.
func dyCopyReach(b *ConvBlocking, w *ConvWinograd, groups int64) int64 {
	rows, row := int64(w.TilesH*w.M), int64(w.TilesW*w.M*ChannelBlock)
	return (groups-1)*w.DYSize(b) + int64(b.OutBlocks-1)*rows*row + (rows-1)*row + row
}

// packing plans the kernel (pass Pack or Relay) that lays out the weights of a convolution of
// blocking b for its kernels: for a direct kernel, per group and call the weights, then the
// biases (zero for an input gradient); by Winograd, their transforms U, the biases, and zero
// biases for the products, the transforms split over the workers (loop <name>Rows).
func packing(b *ConvBlocking, groups int64, bias bool, pass Pass, name string) *Kernel {
	p := &Kernel{Pass: pass}
	biases := Region{Name: "biases", Size: groups * int64(b.OutBlocks*ChannelBlock), Holds: "the biases, [group][output block][16]"}
	biases.Reach = biases.Size
	if !bias {
		biases.Holds = "zero biases, [group][output block][16]"
	}
	if w := b.Wino; w != nil {
		u := groups * w.WeightSize(b)
		p.Regions = regions(Region{Name: "u", Size: u, Reach: u,
			Holds: "the transformed weights G g Gᵀ: [group][position][call][input channel][blocks of the call][16]"},
			biases, Region{Name: "zeros", Size: int64(w.PerCall * ChannelBlock), Reach: int64(w.PerCall * ChannelBlock),
				Holds: "zero biases of the products"})
		p.Loops = []Loop{{Name: name + "Rows", Items: int(groups) * b.OutBlocks,
			Item: fmt.Sprintf("the filters of a block of %d output channels, G g Gᵀ", ChannelBlock)}}
	} else {
		size := groups * int64(b.WeightSize())
		p.Regions = regions(Region{Name: "weights", Size: size, Reach: size,
			Holds: "the weights: [group][call][input block][ky][kx][lane][blocks of the call][16]"}, biases)
	}
	return p
}

// checkConvPlan checks a conv step's blockings against its layer and each other: the input copy
// holds the padded image and the windows of every output (or Winograd's tiles), the blocks hold
// the channels, a call's blocks divide the output's, and the tiles fit their forms.
func checkConvPlan(s *Step) error {
	c, b := s.Main().Conv(), s.ConvBlocking()
	if b == nil {
		return fmt.Errorf("no blocking")
	}
	in, out := s.In(), s.Out()
	gIn, gOut := in.C/c.Groups, c.Out/c.Groups
	if err := checkBlocking(b, gIn, in.H, in.W, c.PH, c.PW, c.KH, c.KW, c.SH, c.SW, gOut, out.H, out.W); err != nil {
		return err
	}
	if err := b.UpdTiles.check(b.UpdF); err != nil {
		return fmt.Errorf("weight gradient: %w", err)
	}
	if b.UpdT < 1 || (b.UpdKX && b.KW%b.UpdT != 0) || (!b.UpdKX && b.InLanes%b.UpdT != 0) || b.OutBlocks%b.UpdF != 0 {
		return fmt.Errorf("weight gradient of %d positions × %d blocks a call over %d lanes, %d columns and %d blocks", b.UpdT, b.UpdF, b.InLanes, b.KW, b.OutBlocks)
	}
	if b.InPlace && (b.InLanes == ChannelBlock || b.PH+b.PW > 0 || b.Wino != nil) {
		return fmt.Errorf("reads in place an input that needs a copy")
	}
	g := s.ConvGradBlocking()
	if g != nil {
		if err := checkBlocking(g, gOut, out.H, out.W, c.KH-1-c.PH, c.KW-1-c.PW, c.KH, c.KW, 1, 1, gIn, in.H, in.W); err != nil {
			return fmt.Errorf("input gradient: %w", err)
		}
	}
	if err := checkConvRegions(s, b, g); err != nil {
		return err
	}
	return checkConvLoops(s, b, g, c.Groups)
}

// checkConvRegions checks that a conv step's kernels have the copies their blockings (b, and g
// for the input gradient or nil) and layouts call for: the input's unless the kernels read it in
// place; the output (or dY) blocked when it is NCHW; Winograd's transforms when they run by it.
func checkConvRegions(s *Step, b, g *ConvBlocking) error {
	fwd, wg := s.Kernel(PassForward), s.Kernel(PassWeightGrad)
	outNCHW := s.Layout != LayoutBlocked
	type region struct {
		k    *Kernel
		name string
		has  bool
	}
	want := []region{
		{fwd, "xs", !b.InPlace}, {fwd, "ys", outNCHW}, {fwd, "v", b.Wino != nil}, {fwd, "m", b.Wino != nil},
		{wg, "xs", !b.InPlace}, {wg, "ys", b.Wino == nil && outNCHW}, {wg, "v", b.Wino != nil},
		{wg, "dys", b.Wino != nil}, {wg, "z", b.Wino != nil},
	}
	if ig := s.Kernel(PassInputGrad); g != nil && ig != nil {
		want = append(want, []region{{ig, "xs", true}, {ig, "ys", s.InLayout != LayoutBlocked}, {ig, "v", g.Wino != nil}, {ig, "m", g.Wino != nil}}...)
	}
	for _, w := range want {
		if w.k != nil && w.k.HasRegion(w.name) != w.has {
			return fmt.Errorf("%s kernel: region %s %s", w.k.Pass, w.name, map[bool]string{true: "missing", false: "not wanted"}[w.has])
		}
	}
	return nil
}

// checkConvLoops checks the loops of a conv step's kernels against their blockings (b, and g
// for the input gradient or nil): the direct kernel's over every output row of every call of
// every group; Winograd's over every row of tiles of every input block and output block, and
// every call at every position; the transforms of the weights and of their gradient over every
// output block.
func checkConvLoops(s *Step, b, g *ConvBlocking, groups int) error {
	pass := func(b *ConvBlocking, prefix string) []Loop {
		if w := b.Wino; w != nil {
			return []Loop{{Name: prefix + "WinoIn", Items: groups * b.InBlocks * w.TilesH},
				{Name: prefix + "WinoMul", Items: groups * w.Alpha * w.Alpha * b.OutBlocks / w.PerCall},
				{Name: prefix + "WinoOut", Items: groups * b.OutBlocks * w.TilesH}}
		}
		return []Loop{{Name: prefix + "Rows", Items: groups * b.OutBlocks / b.PerCall * b.OutH}}
	}
	weights := func(b *ConvBlocking, name string) []Loop {
		if b == nil || b.Wino == nil {
			return nil
		}
		return []Loop{{Name: name, Items: groups * b.OutBlocks}}
	}
	want := map[Pass][]Loop{PassForward: pass(b, ""), PassPack: weights(b, "PackRows"), PassReduce: weights(b, "WinoDW")}
	if g != nil {
		want[PassInputGrad], want[PassRelay] = pass(g, "Grad"), weights(g, "RelayRows")
	}
	for _, p := range []Pass{PassForward, PassPack, PassWeightGrad, PassInputGrad, PassRelay, PassReduce} {
		if err := checkLoops(s.Kernel(p), want[p]...); err != nil {
			return fmt.Errorf("%s kernel: %w", p, err)
		}
	}
	return nil
}

// checkBlocking checks blocking b against the convolution it is for.
func checkBlocking(b *ConvBlocking, in, inH, inW, ph, pw, kh, kw, sh, sw, out, outH, outW int) error {
	want := ConvBlocking{In: in, InH: inH, InW: inW, PH: ph, PW: pw, KH: kh, KW: kw, SH: sh, SW: sw, Out: out, OutH: outH, OutW: outW}
	got := ConvBlocking{In: b.In, InH: b.InH, InW: b.InW, PH: b.PH, PW: b.PW, KH: b.KH, KW: b.KW, SH: b.SH, SW: b.SW, Out: b.Out, OutH: b.OutH, OutW: b.OutW}
	switch {
	case got != want:
		return fmt.Errorf("blocking of %+v for the convolution %+v", got, want)
	case b.InBlocks*b.InLanes < in || (b.InLanes != ChannelBlock && (b.InBlocks != 1 || b.InLanes != in)):
		return fmt.Errorf("%d blocks of %d lanes for %d input channels", b.InBlocks, b.InLanes, in)
	case b.OutBlocks*ChannelBlock < out || (b.OutBlocks-1)*ChannelBlock >= out:
		return fmt.Errorf("%d output blocks for %d channels", b.OutBlocks, out)
	case b.PadH < inH+2*ph || b.PadW < inW+2*pw || (b.PadH-kh)/sh+1 < outH || (b.PadW-kw)/sw+1 < outW:
		return fmt.Errorf("an input copy of %dx%d for %dx%d padded by %dx%d and %dx%d outputs", b.PadH, b.PadW, inH, inW, ph, pw, outH, outW)
	case b.PerCall < 1 || b.OutBlocks%b.PerCall != 0:
		return fmt.Errorf("%d blocks a call of %d", b.PerCall, b.OutBlocks)
	}
	if err := b.Tiles.check(b.PerCall); err != nil {
		return err
	}
	if w := b.Wino; w != nil {
		switch {
		case w.R != kh || kh != kw || sh != 1 || sw != 1 || w.Alpha != w.M+w.R-1 || w.Alpha > winoMaxAlpha:
			return fmt.Errorf("winograd %s of a %dx%d kernel of stride %dx%d", w, kh, kw, sh, sw)
		case w.TilesH*w.M < outH || w.TilesW*w.M < outW || (w.TilesH-1)*w.M >= outH || (w.TilesW-1)*w.M >= outW:
			return fmt.Errorf("winograd %s: %dx%d tiles for %dx%d outputs", w, w.TilesH, w.TilesW, outH, outW)
		case b.PadH < w.TilesH*w.M+w.R-1 || b.PadW < w.TilesW*w.M+w.R-1:
			return fmt.Errorf("winograd %s: an input copy of %dx%d for %dx%d tiles", w, b.PadH, b.PadW, w.TilesH, w.TilesW)
		case w.PerCall < 1 || b.OutBlocks%w.PerCall != 0:
			return fmt.Errorf("winograd %s: %d blocks a call of %d", w, w.PerCall, b.OutBlocks)
		}
		if err := w.MulTiles.check(w.PerCall); err != nil {
			return fmt.Errorf("winograd %s: %w", w, err)
		}
	}
	return nil
}
