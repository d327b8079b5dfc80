package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The loops the generated code inlined before AvgPool, AvgPoolBackward, AdaptiveAvgPool and
// AdaptiveAvgPoolBackward, as it wrote them (t is a scratch row of W values): the kernels must
// give their results bit for bit.

func avgPoolLoops(o, plane, t []float32, p *Pool) {
	inH, inW, outH, outW := p.H, p.W, p.OutH, p.OutW
	kh, kw, sh, sw, ph, pw := p.KH, p.KW, p.SH, p.SW, p.PH, p.PW
	for oy := 0; oy < outH; oy++ {
		y0, y1 := max(0, oy*sh-ph), min(inH, oy*sh-ph+kh)
		rows := min(oy*sh-ph+kh, inH+ph) - (oy*sh - ph) // window height, counting padding
		copy(t, plane[y0*inW:(y0+1)*inW])
		for y := y0 + 1; y < y1; y++ {
			for x, v := range plane[y*inW : (y+1)*inW] {
				t[x] += v
			}
		}
		for ox := 0; ox < outW; ox++ {
			x0, x1 := max(0, ox*sw-pw), min(inW, ox*sw-pw+kw)
			var best float32
			for _, v := range t[x0:x1] {
				best += v
			}
			o[oy*outW+ox] = best / float32(rows*(min(ox*sw-pw+kw, inW+pw)-(ox*sw-pw)))
		}
	}
}

func avgPoolBackwardLoops(d, gy []float32, p *Pool) {
	inH, inW, outH, outW := p.H, p.W, p.OutH, p.OutW
	kh, kw, sh, sw, ph, pw := p.KH, p.KW, p.SH, p.SW, p.PH, p.PW
	clear(d)
	for oy := 0; oy < outH; oy++ {
		y0, y1 := max(0, oy*sh-ph), min(inH, oy*sh-ph+kh)
		for ox := 0; ox < outW; ox++ {
			x0, x1 := max(0, ox*sw-pw), min(inW, ox*sw-pw+kw)
			v := gy[oy*outW+ox] / float32((min(oy*sh-ph+kh, inH+ph)-(oy*sh-ph))*(min(ox*sw-pw+kw, inW+pw)-(ox*sw-pw)))
			for y := y0; y < y1; y++ {
				for xx := x0; xx < x1; xx++ {
					d[y*inW+xx] += v
				}
			}
		}
	}
}

func adaptiveAvgPoolLoops(o, plane []float32, p *AdaptivePool) {
	inH, inW, outH, outW := p.H, p.W, p.OutH, p.OutW
	for oy := 0; oy < outH; oy++ {
		y0, y1 := oy*inH/outH, ((oy+1)*inH+outH-1)/outH
		for ox := 0; ox < outW; ox++ {
			x0, x1 := ox*inW/outW, ((ox+1)*inW+outW-1)/outW
			var sum float32
			for y := y0; y < y1; y++ {
				for _, v := range plane[y*inW+x0 : y*inW+x1] {
					sum += v
				}
			}
			o[oy*outW+ox] = sum / float32((y1-y0)*(x1-x0))
		}
	}
}

func adaptiveAvgPoolBackwardLoops(d, gy []float32, p *AdaptivePool) {
	inH, inW, outH, outW := p.H, p.W, p.OutH, p.OutW
	clear(d)
	for oy := 0; oy < outH; oy++ {
		y0, y1 := oy*inH/outH, ((oy+1)*inH+outH-1)/outH
		for ox := 0; ox < outW; ox++ {
			x0, x1 := ox*inW/outW, ((ox+1)*inW+outW-1)/outW
			v := gy[oy*outW+ox] / float32((y1-y0)*(x1-x0))
			for y := y0; y < y1; y++ {
				for xx := x0; xx < x1; xx++ {
					d[y*inW+xx] += v
				}
			}
		}
	}
}

// avgNaive is average pooling from PyTorch's definition, in float64, with each output's
// window given by window(oy, ox): the rows and columns [y0, y1) × [x0, x1) inside the image,
// and the count it divides by. It returns the forward output, the backward input gradient, and
// per value bounds on their rounding (sums of absolute values).
func avgNaive(x, dy []float32, h, w, outH, outW int, window func(oy, ox int) (y0, y1, x0, x1, count int)) (y, dx, yBound, dxBound []float64) {
	y, yBound = make([]float64, outH*outW), make([]float64, outH*outW)
	dx, dxBound = make([]float64, h*w), make([]float64, h*w)
	for oy := range outH {
		for ox := range outW {
			y0, y1, x0, x1, count := window(oy, ox)
			o := oy*outW + ox
			g := float64(dy[o]) / float64(count)
			for iy := y0; iy < y1; iy++ {
				for ix := x0; ix < x1; ix++ {
					v := float64(x[iy*w+ix])
					y[o] += v
					yBound[o] += math.Abs(v)
					dx[iy*w+ix] += g
					dxBound[iy*w+ix] += math.Abs(g)
				}
			}
			y[o] /= float64(count)
			yBound[o] /= float64(count)
		}
	}
	return y, dx, yBound, dxBound
}

// poolWindow is the window of output (oy, ox) of p by PyTorch's definition of AvgPool2d with
// count_include_pad: the window's cells inside the padded image count, those inside the image
// are summed.
func poolWindow(p *Pool) func(oy, ox int) (y0, y1, x0, x1, count int) {
	return func(oy, ox int) (y0, y1, x0, x1, count int) {
		sy, sx := oy*p.SH-p.PH, ox*p.SW-p.PW // the window's corner in the unpadded image
		ey, ex := min(sy+p.KH, p.H+p.PH), min(sx+p.KW, p.W+p.PW)
		return max(sy, 0), min(sy+p.KH, p.H), max(sx, 0), min(sx+p.KW, p.W), (ey - sy) * (ex - sx)
	}
}

// adaptiveNaiveWindow is the window of output (oy, ox) of p by PyTorch's definition of
// adaptive_avg_pool2d, in floating point: from ⌊oy·H/OutH⌋ to ⌈(oy+1)·H/OutH⌉.
func adaptiveNaiveWindow(p *AdaptivePool) func(oy, ox int) (y0, y1, x0, x1, count int) {
	return func(oy, ox int) (y0, y1, x0, x1, count int) {
		y0, y1 = int(math.Floor(float64(oy*p.H)/float64(p.OutH))), int(math.Ceil(float64((oy+1)*p.H)/float64(p.OutH)))
		x0, x1 = int(math.Floor(float64(ox*p.W)/float64(p.OutW))), int(math.Ceil(float64((ox+1)*p.W)/float64(p.OutW)))
		return y0, y1, x0, x1, (y1 - y0) * (x1 - x0)
	}
}

// pytorchPool returns the geometry PyTorch's AvgPool2d gives an h×w plane (pad at most half
// the window): out = ⌊(n + 2·pad − k)/s⌋ + 1, or with ceil rounding ⌈…⌉ + 1 less the last
// window if it would start past the image and its leading padding.
func pytorchPool(h, w, kh, kw, sh, sw, ph, pw int, ceil bool) Pool {
	out := func(n, k, s, pad int) int {
		span := n + 2*pad - k
		o := span/s + 1
		if ceil {
			o = (span+s-1)/s + 1
			if (o-1)*s >= n+pad {
				o--
			}
		}
		return o
	}
	return Pool{H: h, W: w, KH: kh, KW: kw, SH: sh, SW: sw, PH: ph, PW: pw, OutH: out(h, kh, sh, ph), OutW: out(w, kw, sw, pw)}
}

// avgPools are the geometries of TestAvgPool: AlexNet-like, padding, ceil rounding (windows cut
// by the image, windows that reach past the padding), strides wider than the window, 1×1
// outputs, global pooling, non-square windows and planes, outputs past sixteen.
var avgPools = []Pool{
	pytorchPool(13, 13, 3, 3, 2, 2, 0, 0, false),
	pytorchPool(24, 24, 3, 3, 2, 2, 0, 0, true),
	pytorchPool(6, 6, 3, 3, 2, 2, 1, 1, true), // the last window: a row inside, a row of padding, a row past it
	pytorchPool(5, 7, 3, 3, 2, 2, 1, 1, true),
	pytorchPool(7, 40, 2, 5, 1, 2, 1, 2, true),
	pytorchPool(9, 35, 4, 4, 3, 1, 2, 2, true),
	pytorchPool(9, 35, 4, 4, 3, 1, 2, 2, false),
	pytorchPool(10, 11, 2, 3, 3, 4, 1, 1, false), // stride past the window
	pytorchPool(10, 11, 2, 3, 3, 4, 1, 1, true),
	pytorchPool(1, 1, 1, 1, 1, 1, 0, 0, false),
	pytorchPool(5, 6, 5, 6, 1, 1, 0, 0, false), // one output
	pytorchPool(6, 6, 6, 6, 6, 6, 0, 0, true),
	pytorchPool(3, 4, 3, 3, 1, 1, 1, 1, true),
	pytorchPool(20, 3, 7, 2, 5, 1, 3, 1, true),
}

// adaptivePools are the geometries of TestAdaptiveAvgPool: windows that overlap, that do not,
// the identity, global pooling, outputs larger than the input, non-square.
var adaptivePools = []AdaptivePool{
	{H: 13, W: 13, OutH: 6, OutW: 6},
	{H: 6, W: 6, OutH: 6, OutW: 6},
	{H: 5, W: 7, OutH: 3, OutW: 2},
	{H: 1, W: 1, OutH: 1, OutW: 1},
	{H: 7, W: 9, OutH: 1, OutW: 1},
	{H: 4, W: 3, OutH: 7, OutW: 5},
	{H: 27, W: 40, OutH: 6, OutW: 17},
}

// poolPlane returns a random plane of n values in a guarded buffer: in [-1, 1), or with
// trial 1 of every 3 a few NaNs and infinities among them.
func poolPlane(rng *rand.Rand, n, trial int) (buf, x []float32) {
	buf, x = guarded(rng, n)
	if trial%3 == 2 {
		for range 1 + n/10 {
			x[rng.IntN(n)] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[rng.IntN(3)]
		}
	}
	return buf, x[:n]
}

// checkAvgPool runs one kernel pair (forward, backward) on an h×w plane with outputs outH×outW
// against the old loops (bit for bit) and the naive definition (within rounding), with NaN
// guards around every slice.
func checkAvgPool(t *testing.T, rng *rand.Rand, what string, h, w, outH, outW int,
	forward, backward, forwardLoops, backwardLoops func(out, in []float32),
	window func(oy, ox int) (y0, y1, x0, x1, count int)) {
	t.Helper()
	n, m := h*w, outH*outW
	for trial := range 6 {
		what := fmt.Sprintf("%s trial %d", what, trial)
		xBuf, x := poolPlane(rng, n, trial)
		dyBuf, dy := poolPlane(rng, m, trial)
		yBuf, y := guarded(rng, m)
		dxBuf, dx := guarded(rng, n)
		forward(y[:m], x)
		backward(dx[:n], dy)
		for _, g := range []struct {
			buf  []float32
			n    int
			name string
		}{{xBuf, n, "x"}, {dyBuf, m, "dy"}, {yBuf, m, "y"}, {dxBuf, n, "dx"}} {
			requireGuards(t, g.buf, g.n, what+": "+g.name)
		}

		wantY, wantDx := make([]float32, m), make([]float32, n)
		forwardLoops(wantY, append([]float32(nil), x...))
		backwardLoops(wantDx, append([]float32(nil), dy...))
		for i, v := range wantY {
			require.Equal(t, math.Float32bits(v), math.Float32bits(y[i]), "%s: y[%d] = %v, the old loops give %v", what, i, y[i], v)
		}
		for i, v := range wantDx {
			require.Equal(t, math.Float32bits(v), math.Float32bits(dx[i]), "%s: dx[%d] = %v, the old loops give %v", what, i, dx[i], v)
		}

		if trial%3 == 2 {
			continue // infinities: no bound to check within
		}
		nY, nDx, bY, bDx := avgNaive(x, dy, h, w, outH, outW, window)
		for i, v := range nY {
			require.InDelta(t, v, y[i], 1e-6*bY[i]+1e-30, "%s: y[%d]", what, i)
		}
		for i, v := range nDx {
			require.InDelta(t, v, dx[i], 1e-6*bDx[i]+1e-30, "%s: dx[%d]", what, i)
		}
	}
}

// TestAvgPool checks AvgPool and AvgPoolBackward against the generated code's old loops, bit
// for bit, and against PyTorch's definition, on every geometry of avgPools.
func TestAvgPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(40, 40))
	for _, p := range avgPools {
		scratch := make([]float32, p.W)
		checkAvgPool(t, rng, fmt.Sprintf("%+v", p), p.H, p.W, p.OutH, p.OutW,
			func(y, x []float32) { AvgPool(y, x, &p) },
			func(dx, dy []float32) { AvgPoolBackward(dx, dy, &p) },
			func(y, x []float32) { avgPoolLoops(y, x, scratch, &p) },
			func(dx, dy []float32) { avgPoolBackwardLoops(dx, dy, &p) },
			poolWindow(&p))
	}
}

// TestAdaptiveAvgPool checks AdaptiveAvgPool and AdaptiveAvgPoolBackward against the
// generated code's old loops, bit for bit, and against PyTorch's definition, on every geometry
// of adaptivePools.
func TestAdaptiveAvgPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 41))
	for _, p := range adaptivePools {
		checkAvgPool(t, rng, fmt.Sprintf("%+v", p), p.H, p.W, p.OutH, p.OutW,
			func(y, x []float32) { AdaptiveAvgPool(y, x, &p) },
			func(dx, dy []float32) { AdaptiveAvgPoolBackward(dx, dy, &p) },
			func(y, x []float32) { adaptiveAvgPoolLoops(y, x, &p) },
			func(dx, dy []float32) { adaptiveAvgPoolBackwardLoops(dx, dy, &p) },
			adaptiveNaiveWindow(&p))
	}
}

// TestAvgPoolAllocs checks that the average pooling kernels allocate nothing.
func TestAvgPoolAllocs(t *testing.T) {
	p := Pool{H: 13, W: 13, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, OutH: 7, OutW: 7}
	a := AdaptivePool{H: 13, W: 13, OutH: 6, OutW: 6}
	x, dx, y := make([]float32, 169), make([]float32, 169), make([]float32, 49)
	require.Zero(t, testing.AllocsPerRun(10, func() { AvgPool(y, x, &p) }))
	require.Zero(t, testing.AllocsPerRun(10, func() { AvgPoolBackward(dx, y, &p) }))
	require.Zero(t, testing.AllocsPerRun(10, func() { AdaptiveAvgPool(y, x, &a) }))
	require.Zero(t, testing.AllocsPerRun(10, func() { AdaptiveAvgPoolBackward(dx, y, &a) }))
}
