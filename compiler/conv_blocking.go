package compiler

import "fmt"

// ChannelBlock is the channels of one block of the channel-blocked layout: an AVX-512 vector.
const ChannelBlock = 16

// ConvBlocking is how a direct-convolution kernel covers one group of a convolution, per image:
// the convolution, the padded scratch copy of its input, the blocks of its output, the output
// blocks one kernel call computes for one row, and the register tiles. A layer's forward pass is
// one (Lowering.Blocking), and its input gradient may be another (Lowering.GradBlocking).
type ConvBlocking struct {
	// The convolution, per group: In channels of InH×InW pixels padded by PH×PW, a KH×KW
	// kernel with strides SH×SW, Out channels of OutH×OutW pixels.
	In, InH, InW, PH, PW, KH, KW, SH, SW, Out int
	// The input copy: InBlocks blocks of InLanes channels of PadH×PadW pixels, the image with
	// its padding, zero outside it. InLanes is ChannelBlock (channels beyond the group's are
	// zero), or the group's channels when it has fewer (conv1's 3), each a plane.
	InLanes, InBlocks, PadH, PadW int
	// OutBlocks blocks of ChannelBlock output channels (beyond the group's, zero weights),
	// PerCall of them per kernel call, in register tiles of Tiles. By Winograd, Wino has its
	// own calls and tiles; these stay the direct kernel's, checked but unused.
	OutBlocks, PerCall int
	Tiles              Tiles
	OutH, OutW         int
	// The weight-gradient kernel, in the forward pass's blocking only (it reads the same input
	// copy): UpdT input positions × UpdF output blocks of accumulators per call; the positions
	// are channels of a block at one kernel offset, or with UpdKX UpdT consecutive kernel
	// columns of one channel; 0 in an input gradient's blocking. UpdTiles are its register tiles.
	UpdT, UpdF int
	UpdKX      bool
	UpdTiles   Tiles
	// InPlace says that the kernels read the image itself rather than a copy: an input of
	// planes (fewer channels than a block) without padding, whose copy would be the image
	// (AlexNet's conv1); forward passes only.
	InPlace bool
	// Wino is how the pass runs as Winograd's minimal filtering, or nil for the direct
	// kernel; the input copy is then large enough for its tiles.
	Wino *ConvWinograd
}

// ConvWinograd is how a convolution (a forward pass, or an input gradient) runs by Winograd's
// F(M×M, R×R) (Lavin and Gray), per image and group: the input copy's TilesH×TilesW tiles of
// Alpha×Alpha pixels transformed, a block of channels and a row of tiles at a time, into Alpha²
// matrices of tiles × input channels (V); each multiplied by the weights' transform for its
// position (U, Alpha² matrices of input × output channels, computed once per Load or Step) by a
// generated 1×1 direct-convolution kernel, PerCall output blocks per call in register tiles of
// MulTiles, into Alpha² matrices of tiles × output channels (M); and M transformed into the
// output, a block and a row of tiles at a time, with the bias and the ReLU. Tiles whose
// outputs overhang the image compute on the copy's zero padding and store only the outputs
// inside it.
type ConvWinograd struct {
	M, R, Alpha    int
	TilesH, TilesW int
	PerCall        int
	MulTiles       Tiles
}

func (w *ConvWinograd) String() string { return fmt.Sprintf("F(%dx%d,%dx%d)", w.M, w.M, w.R, w.R) }

// Tiles is the tiles of an image.
func (w *ConvWinograd) Tiles() int { return w.TilesH * w.TilesW }

// Calls is the products' calls a transform position and group, of PerCall of b's output blocks.
func (w *ConvWinograd) Calls(b *ConvBlocking) int { return b.OutBlocks / w.PerCall }

// VSize and MSize are the float32 values of one group's transformed input (V) and its products
// (M), or dY's transform (Z).
func (w *ConvWinograd) VSize(b *ConvBlocking) int64 {
	return int64(w.Alpha*w.Alpha) * int64(b.InBlocks*ChannelBlock) * int64(w.Tiles())
}
func (w *ConvWinograd) MSize(b *ConvBlocking) int64 {
	return int64(w.Alpha*w.Alpha) * int64(b.OutBlocks*ChannelBlock) * int64(w.Tiles())
}

// WeightSize is the float32 values of one group's weights in the transform's domain, U or its
// gradient.
func (w *ConvWinograd) WeightSize(b *ConvBlocking) int64 {
	return int64(w.Alpha*w.Alpha) * int64(b.InBlocks*ChannelBlock) * int64(b.OutBlocks*ChannelBlock)
}

// DYSize is the float32 values of one group's output gradient copied for the weight gradient:
// blocked, zero where the tiles overhang the image.
func (w *ConvWinograd) DYSize(b *ConvBlocking) int64 {
	return int64(b.OutBlocks*ChannelBlock) * int64(w.TilesH*w.M) * int64(w.TilesW*w.M)
}

// winogradLacks says what a convolution lacks for Winograd — a kh×kw kernel with strides sh×sw
// over in input channels per group —, or "" when it can take it.
func winogradLacks(kh, kw, sh, sw, in int) string {
	switch {
	case kh != kw || kh != 3 && kh != 5:
		return fmt.Sprintf("a 3x3 or 5x5 kernel, not %dx%d", kh, kw)
	case sh != 1 || sw != 1:
		return fmt.Sprintf("stride 1, not %dx%d", sh, sw)
	case in < ChannelBlock:
		return fmt.Sprintf("at least %d input channels per group, not %d", ChannelBlock, in)
	}
	return ""
}

// The cost model that chooses Winograd's tile (winograd): the products and transforms in vector
// instructions, two a cycle, and the weights in the transform's domain (U, or the weight
// gradient's partial sums) read from L3 once per image when they do not fit a core's L2.
const (
	// winoMaxAlpha bounds the input tile α = m + r − 1: α ≤ 7 keeps Winograd's float32 error
	// within 1e-5 of the largest output at AlexNet's channel counts (TestWinogradError in
	// codegen/asm: F(3x3,5x5) 6.0e-6 and 9.8e-6, F(4x4,3x3) and F(5x5,3x3) 9.3e-6, F(2x2,3x3)
	// 5.9e-7 and 9.4e-7, against the direct float32 sum's 1.5e-6 to 2.8e-6).
	winoMaxAlpha = 7
	// l2Bytes is a core's L2 cache (1 MiB on AMD's Zen 4 and 5 and on recent Intel cores).
	l2Bytes = 1 << 20
	// l3BytesPerCycle is what a core reads from L3 a cycle while both cores compute; measured
	// with AlexNet's 3×3 layers, whose U of 6.3–14 MB is read per image, F(3x3,3x3) was no
	// faster than F(2x2,3x3) (bench/layers.sh alexnet TrainStep32), and with its 5×5 layer
	// F(3x3,5x5) 1.4–1.9× faster than F(2x2,5x5).
	l3BytesPerCycle = 4
	// winoBetter is how much cheaper a larger tile must be to be chosen over a smaller one,
	// whose rounding error and scratch are smaller.
	winoBetter = 0.95
)

// winograd chooses Winograd for the convolution of blocking b (a forward pass, or an input
// gradient's) as algorithm says (Conv.Algorithm), and returns it, or nil: a square 3×3 or 5×5
// kernel of stride 1 over whole blocks of input channels (winogradLacks), by F(m×m, r×r) with
// the output tile m (α ≤ winoMaxAlpha) that costs the fewest cycles (cycles), counting the
// tiles' overhang — chosen by default when it does at most two thirds of the direct kernel's
// multiplications. It sets b.Wino and widens b's input copy to cover the tiles, the last of
// which may overhang the padded image. Its products are 1×1 convolutions over a row of all the
// image's tiles, blocked like a direct kernel's.
func winograd(b *ConvBlocking, algorithm string) *ConvWinograd {
	if algorithm == "direct" || winogradLacks(b.KH, b.KW, b.SH, b.SW, b.In) != "" {
		return nil
	}
	var w *ConvWinograd
	for m := 2; m+b.KH-1 <= winoMaxAlpha; m++ {
		c := &ConvWinograd{M: m, R: b.KH, Alpha: m + b.KH - 1}
		c.TilesH, c.TilesW = (b.OutH+m-1)/m, (b.OutW+m-1)/m
		if w == nil || c.cycles(b) < winoBetter*w.cycles(b) {
			w = c
		}
	}
	if algorithm != "winograd" && 3*w.Multiplies() > 2*b.OutH*b.OutW*b.KH*b.KW {
		return nil
	}
	w.PerCall = b.PerCall
	w.MulTiles = directTiles(w.PerCall, w.Tiles())
	b.Wino = w
	b.PadH, b.PadW = max(b.PadH, w.TilesH*w.M+w.R-1), max(b.PadW, w.TilesW*w.M+w.R-1)
	return w
}

// cycles is the cost model's estimate of one image's convolution of blocking b by w on one
// core: the products (α² per tile, input channel and output block), the input transform (two
// passes of α sums of α terms per column, per tile and input block), the output transform (α
// columns then m rows of sums), and U read from L3 when it is larger than L2.
func (w *ConvWinograd) cycles(b *ConvBlocking) float64 {
	a, m, t := float64(w.Alpha), float64(w.M), float64(w.Tiles())
	in, inBlocks, outBlocks := float64(b.InBlocks*ChannelBlock), float64(b.InBlocks), float64(b.OutBlocks)
	vector := a*a*t*in*outBlocks + t*inBlocks*2*a*a*a + t*outBlocks*(a*a*m+a*m*m)
	c := vector / 2
	if u := 4 * float64(w.WeightSize(b)); u > l2Bytes {
		c += u / l3BytesPerCycle
	}
	return c
}

// Multiplies is the multiplications per input and output channel of an image.
func (w *ConvWinograd) Multiplies() int { return w.Alpha * w.Alpha * w.Tiles() }

// ConvBlocking returns a conv step's blocking, from the lower pass.
func (s *Step) ConvBlocking() *ConvBlocking {
	b, _ := s.Blocking.(*ConvBlocking)
	return b
}

// ConvGradBlocking returns the blocking of a conv step's input gradient when it is a direct
// convolution (ConvTransposed), or nil.
func (s *Step) ConvGradBlocking() *ConvBlocking {
	b, _ := s.GradBlocking.(*ConvBlocking)
	return b
}

// PixStride, RowStride, BlockStride and PlaneStride are the strides of the input copy, in float32
// values: between pixels, rows, blocks of channels, and the channels of a block (a vector's
// lanes, or for an input of planes the planes).
func (b *ConvBlocking) PixStride() int {
	if b.InLanes < ChannelBlock {
		return 1
	}
	return ChannelBlock
}
func (b *ConvBlocking) RowStride() int   { return b.PixStride() * b.PadW }
func (b *ConvBlocking) BlockStride() int { return b.InLanes * b.PadH * b.PadW }
func (b *ConvBlocking) PlaneStride() int {
	if b.InLanes < ChannelBlock {
		return b.PadH * b.PadW
	}
	return 1
}

// Calls is the kernel calls per output row of a group: its output blocks PerCall at a time.
func (b *ConvBlocking) Calls() int { return b.OutBlocks / b.PerCall }

// InSize, OutSize and WeightSize are the float32 values of one group's input copy, blocked
// output and packed weights.
func (b *ConvBlocking) InSize() int64 {
	return int64(b.InBlocks) * int64(b.InLanes) * int64(b.PadH) * int64(b.PadW)
}
func (b *ConvBlocking) OutSize() int64 {
	return int64(b.OutBlocks) * ChannelBlock * int64(b.OutH) * int64(b.OutW)
}
func (b *ConvBlocking) WeightSize() int64 {
	return int64(b.InBlocks) * int64(b.InLanes) * int64(b.OutBlocks) * ChannelBlock * int64(b.KH*b.KW)
}

// GradSize is the float32 values of one group's weight gradient in a worker's partial sums: in
// the direct weight-gradient kernel's blocked layout, or in the Winograd transform's domain.
func (b *ConvBlocking) GradSize() int64 {
	if b.Wino != nil {
		return b.Wino.WeightSize(b)
	}
	return b.WeightSize()
}

// blocking chooses the blocking of a convolution of in channels of inH×inW, padded by ph×pw,
// with a kh×kw kernel and strides sh×sw, into out channels of outH×outW: channel blocks of
// ChannelBlock, as many output blocks per call as divide the group's, at most 4, and the tile of
// pixels (tile below) whose accumulators fit 24 registers.
func blocking(in, inH, inW, ph, pw, kh, kw, sh, sw, out, outH, outW int) *ConvBlocking {
	b := &ConvBlocking{In: in, InH: inH, InW: inW, PH: ph, PW: pw, KH: kh, KW: kw, SH: sh, SW: sw, Out: out,
		InLanes: ChannelBlock, InBlocks: (in + ChannelBlock - 1) / ChannelBlock,
		PadH: inH + 2*ph, PadW: inW + 2*pw, OutBlocks: (out + ChannelBlock - 1) / ChannelBlock,
		OutH: outH, OutW: outW}
	if in < ChannelBlock {
		b.InLanes, b.InBlocks = in, 1
	}
	for p := 4; p >= 1; p-- {
		if b.OutBlocks%p == 0 {
			b.PerCall = p
			break
		}
	}
	b.Tiles = directTiles(b.PerCall, b.OutW)
	return b
}

// updTile chooses the weight-gradient kernel's accumulators for blocking b: input positions ×
// output blocks, by updAccs, with the positions along a block's channels (at most 8 of them) or,
// for a direct convolution over an input of planes (fewer channels than a block), along the
// kernel's columns (kx), whichever gives more accumulators (ties to the channels): AlexNet's
// conv1 (3 channels, 11×11) gets 11 × 2 accumulators instead of 3 × 3, and its weight gradient
// went from 84 to 184 GFLOP/s per core (41 → 83 % of the FMA peak; half-width 111 → 155,
// bench/layers.sh alexnet TrainStep32 12 and alexnet_half TrainStep32 20).
func updTile(b *ConvBlocking) (t, f int, kx bool) {
	t, f = updAccs(b.InLanes, 8, b.OutBlocks)
	if b.Wino != nil || b.InLanes == ChannelBlock {
		return t, f, false // V's positions are channels; blocks of 16 measured with 8 of them
	}
	if xt, xf := updAccs(b.KW, 24, b.OutBlocks); xt*xf > t*f {
		return xt, xf, true
	}
	return t, f, false
}

// updAccs is the most positions, at most most, that divide n, and the most output blocks, at
// most 4, that divide blocks with positions × blocks ≤ 24 and a register left for the blocks'
// vectors and two broadcasts. Half-width AlexNet's conv2 measures 8 × 2 slightly ahead of 4 × 4
// (medians of four runs of codegen/asm's BenchmarkUpdLayers: 204 and 197 GFLOP/s on one core).
func updAccs(n, most, blocks int) (t, f int) {
	for t = min(most, n); n%t != 0; t-- {
	}
	for f = min(4, blocks); blocks%f != 0 || t*f > 24 || t*f+f+2 > 32; f-- {
	}
	return t, f
}

// tile chooses a direct kernel's tile for a row of width pixels and blocks output blocks per
// call, by a model of its cycles on a core that issues two FMAs and two loads per cycle, with
// an FMA latency of 4: per input value, a pass over t pixels loads blocks weight vectors and t
// broadcasts and issues blocks·t FMAs, one per accumulator, which takes
// max(blocks·t/2, (blocks+t)/2, 4) cycles. The row is width/t passes of t pixels and one of the
// rest; the tile with the fewest cycles wins, then the one with the fewest loads, then the
// widest. (A row of 13 in tiles of 6 ends in a pass of one pixel that waits on its four
// accumulators; tiles of 5 measure 7 % faster.)
func tile(blocks, width int) int {
	cost := func(t int) (cycles float64, loads int) {
		for p := 0; p < width; p += t {
			n := min(t, width-p)
			cycles += max(float64(blocks*n)/2, float64(blocks+n)/2, 4)
			loads += blocks + n
		}
		return cycles, loads
	}
	best := 1
	for t := 2; t <= min(24/blocks, width); t++ {
		c, l := cost(t)
		bc, bl := cost(best)
		if c < bc || c == bc && l <= bl {
			best = t
		}
	}
	return best
}

// String describes the blocking as `netc check -v` prints it: the input copy, the output blocks
// and the blocks a call computes, Winograd's tiles, and the weight gradient's accumulators.
func (b *ConvBlocking) String() string {
	in := fmt.Sprintf("%d blocks of %dx%d", b.InBlocks, b.PadH, b.PadW)
	if b.InLanes < ChannelBlock {
		in = fmt.Sprintf("%d planes of %dx%d", b.InLanes, b.PadH, b.PadW)
	}
	if b.InPlace {
		in += " (the image, in place)"
	}
	s := fmt.Sprintf("%s → %d blocks of %dx%d, %d a call", in, b.OutBlocks, b.OutH, b.OutW, b.PerCall)
	if w := b.Wino; w != nil {
		s += fmt.Sprintf("; winograd %s of %dx%d tiles, %d blocks a call", w, w.TilesH, w.TilesW, w.PerCall)
	}
	if b.UpdT > 0 {
		positions := "channels"
		if b.UpdKX {
			positions = "kernel columns"
		}
		s += fmt.Sprintf("; dW %d %s × %d blocks a call", b.UpdT, positions, b.UpdF)
	}
	return s
}
