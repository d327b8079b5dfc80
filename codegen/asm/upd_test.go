package asm_test

import (
	"fmt"
	"strings"

	"github.com/netc-project/netc/codegen/asm"
)

// updGeometry makes an Upd over a padded, channel-blocked input of inW pixels per row (lanes
// 16), or over NCHW planes of inH×inW (lanes < 16), with strides sh×sw, and an output gradient
// of rows×outW pixels per block whose rows are dyRow values apart.
func updGeometry(name string, t, f, lanes, inH, inW, sh, sw, rows, outW, dyRow int) asm.Upd {
	u := asm.Upd{Name: name, T: t, F: f, Rows: rows, OutW: outW,
		DyRowStride: dyRow, DyBlockStride: rows*dyRow + 32, Doc: "a test kernel's sums", Users: []string{"TestConvKernels"},
		Tiles: asm.Tiles{AVX512: asm.Tile{t, f}, AVX2: asm.Tile{min(t, 6), 1}, Go: asm.Tile{1, 1}}}
	if lanes == asm.Lanes {
		u.InPixStride, u.InRowStride, u.InTStride = sw*asm.Lanes, sh*inW*asm.Lanes, 1
	} else {
		u.InPixStride, u.InRowStride, u.InTStride = sw, sh*inW, inH*inW
	}
	return u
}

// upds are the weight-gradient geometries tested: AlexNet's shapes and awkward ones.
var upds = []asm.Upd{
	updGeometry("upd5x5", 4, 4, 16, 31, 31, 1, 1, 27, 27, 27*16),
	updGeometry("upd3x3", 6, 4, 16, 15, 15, 1, 1, 13, 13, 13*16),
	updGeometry("updPlanes", 3, 3, 3, 227, 227, 4, 4, 55, 55, 55*16),
	updGeometry("updStrided", 5, 1, 16, 9, 9, 2, 2, 3, 4, 7*16),
	updGeometry("updOne", 1, 2, 16, 4, 4, 1, 1, 1, 1, 16),
}

// updLayer is a layer's weight gradient for one image (one group), as kernel calls: for each
// input block, group of T of its channels, kernel offset and group of F output blocks.
type updLayer struct {
	kernel                              asm.Upd
	inBlocks, lanes, kh, kw, outBlocks  int
	inBlockStride, inRow, inPix, inRows int
}

func newUpdLayer(name string, t, f, inBlocks, lanes, inH, inW, k, s, outH, outW, outBlocks int) updLayer {
	u := updGeometry(name, t, f, lanes, inH, inW, s, s, outH, outW, outW*asm.Lanes)
	u.DyBlockStride = outH * outW * asm.Lanes
	l := updLayer{kernel: u, inBlocks: inBlocks, lanes: lanes, kh: k, kw: k, outBlocks: outBlocks, inRows: inH}
	if lanes == asm.Lanes {
		l.inBlockStride, l.inRow, l.inPix = inH*inW*asm.Lanes, inW*asm.Lanes, asm.Lanes
	} else {
		l.inBlockStride, l.inRow, l.inPix = lanes*inH*inW, inW, 1
	}
	return l
}

// updLayers are the weight gradients of AlexNet's layers (one group, one image) with the
// positions and blocks per call the compiler's lower pass gives them (compiler.updTile): the
// paper's network and the half-width one (…h); and, for comparison, half-width conv2 in 4 × 4.
var updLayers = []updLayer{
	newUpdLayer("updConv1", 3, 3, 1, 3, 227, 227, 11, 4, 55, 55, 6),
	newUpdLayer("updConv2", 8, 2, 3, 16, 31, 31, 5, 1, 27, 27, 8),
	newUpdLayer("updConv3", 8, 3, 16, 16, 15, 15, 3, 1, 13, 13, 24),
	newUpdLayer("updConv4", 8, 3, 12, 16, 15, 15, 3, 1, 13, 13, 12),
	newUpdLayer("updConv5", 8, 2, 12, 16, 15, 15, 3, 1, 13, 13, 8),
	newUpdLayer("updConv1h", 3, 3, 1, 3, 228, 228, 11, 4, 55, 55, 3),
	newUpdLayer("updConv2h", 8, 2, 3, 16, 31, 31, 5, 1, 27, 27, 8),
	newUpdLayer("updConv3h", 8, 3, 8, 16, 15, 15, 3, 1, 13, 13, 12),
	newUpdLayer("updConv4h", 8, 3, 12, 16, 15, 15, 3, 1, 13, 13, 12),
	newUpdLayer("updConv5h", 8, 2, 12, 16, 15, 15, 3, 1, 13, 13, 8),
	newUpdLayer("updConv2hT4F4", 4, 4, 3, 16, 31, 31, 5, 1, 27, 27, 8),
}

// updTests is the test file of the generated package's weight-gradient kernels.
func updTests() string {
	var table, bench strings.Builder
	for _, u := range upds {
		fmt.Fprintf(&table, "\t{%q, %s, %sGo, %#v},\n", u.Name, u.Name, u.Name,
			[]int{u.T, u.F, u.Rows, u.OutW, u.InRowStride, u.InPixStride, u.InTStride, u.DyRowStride, u.DyBlockStride})
	}
	for _, l := range updLayers {
		u := l.kernel
		fmt.Fprintf(&bench, "\t{%q, %s, %#v},\n", u.Name, u.Name,
			[]int{u.T, u.F, u.Rows, u.OutW, u.InRowStride, u.InPixStride, u.InTStride, u.DyRowStride, u.DyBlockStride,
				l.inBlocks, l.lanes, l.kh, l.kw, l.outBlocks, l.inBlockStride, l.inRow, l.inPix, l.inRows})
	}
	src := strings.Replace(updTestTemplate, "TABLE", table.String(), 1)
	return strings.Replace(src, "LAYERS", bench.String(), 1)
}

const updTestTemplate = `package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/netc-project/netc/runtime"
)

type upd struct {
	name      string
	asm, twin func(dw, in, dy []float32)
	g         []int // T, F, Rows, OutW, InRowStride, InPixStride, InTStride, DyRowStride, DyBlockStride
}

var updTable = []upd{
TABLE}

func (u upd) sizes() (dw, in, dy int) {
	g := u.g
	return g[0] * g[1] * 16, (g[2]-1)*g[4] + (g[3]-1)*g[5] + (g[0]-1)*g[6] + 1, (g[1]-1)*g[8] + (g[2]-1)*g[7] + g[3]*16
}

// TestUpdMatchTwins: each weight-gradient kernel in each instruction set the CPU has against its
// twin, adding to random accumulators, with NaN guards around them that must stay.
func TestUpdMatchTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachISA(t, func(isa runtime.ISA) {
		for _, u := range updTable {
			nw, ni, nd := u.sizes()
			in, dy, start := random(r, ni), random(r, nd), random(r, nw)
			bufA, a := guarded(nw)
			bufB, b := guarded(nw)
			copy(a, start)
			copy(b, start)
			u.asm(a, in, dy)
			u.twin(b, in, dy)
			depth := float64(u.g[2] * u.g[3])
			for i := range bufA {
				x, y := bufA[i], bufB[i]
				if math.IsNaN(float64(x)) != math.IsNaN(float64(y)) || math.Abs(float64(x-y)) > 1e-5*math.Sqrt(depth)*4 {
					t.Fatalf("%s %s: value %d is %g in assembly, %g in the twin", u.name, isa, i-guard, x, y)
				}
			}
		}
	})
}

// TestUpdTwinsAreGradients: each twin against the weight gradient written from its definition
// in float64, dw[t][f][l] += Σ dy[f][oy][ox][l] · in[oy][ox][t].
func TestUpdTwinsAreGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, u := range updTable {
		g := u.g
		nw, ni, nd := u.sizes()
		in, dy, dw := random(r, ni), random(r, nd), random(r, nw)
		want := make([]float64, nw)
		for i := range want {
			want[i] = float64(dw[i])
		}
		for p := 0; p < g[0]; p++ {
			for f := 0; f < g[1]; f++ {
				for l := 0; l < 16; l++ {
					for oy := 0; oy < g[2]; oy++ {
						for ox := 0; ox < g[3]; ox++ {
							want[(p*g[1]+f)*16+l] += float64(dy[f*g[8]+oy*g[7]+ox*16+l]) * float64(in[oy*g[4]+ox*g[5]+p*g[6]])
						}
					}
				}
			}
		}
		u.twin(dw, in, dy)
		for i := range want {
			if math.Abs(float64(dw[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
				t.Fatalf("%s: value %d is %g, want %g", u.name, i, dw[i], want[i])
			}
		}
	}
}

type updLayer struct {
	name   string
	kernel func(dw, in, dy []float32)
	g      []int // T, F, Rows, OutW, InRowStride, InPixStride, InTStride, DyRowStride, DyBlockStride, inBlocks, lanes, kh, kw, outBlocks, inBlockStride, inRow, inPix, inRows
}

var updLayers = []updLayer{
LAYERS}

// BenchmarkUpdLayers computes each layer's weight gradient for one image (one group) on one core,
// a kernel call per input block, group of T channels, kernel offset and group of F output
// blocks, in each instruction set, and reports its GFLOP/s.
func BenchmarkUpdLayers(b *testing.B) {
	defer func(was runtime.ISA) { kernelISA = was }(kernelISA)
	for _, isa := range []runtime.ISA{runtime.ISAAVX512, runtime.ISAAVX2} {
		kernelISA = isa
		b.Run(isa.String(), benchmarkUpdLayers)
	}
}

func benchmarkUpdLayers(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, l := range updLayers {
		g := l.g
		T, F, rows, outW := g[0], g[1], g[2], g[3]
		inBlocks, lanes, kh, kw, outBlocks := g[9], g[10], g[11], g[12], g[13]
		in := random(r, inBlocks*g[14])
		dy := random(r, outBlocks*g[8])
		calls := inBlocks * (lanes / T) * kh * kw * (outBlocks / F)
		dw := make([]float32, calls*T*F*16)
		flops := 2.0 * float64(inBlocks*lanes*kh*kw*outBlocks*16*rows*outW)
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				at := 0
				for cb := 0; cb < inBlocks; cb++ {
					for c0 := 0; c0+T <= lanes; c0 += T {
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								src := in[cb*g[14]+ky*g[15]+kx*g[16]+c0*g[6]:]
								for ob := 0; ob+F <= outBlocks; ob += F {
									l.kernel(dw[at:at+T*F*16], src, dy[ob*g[8]:])
									at += T * F * 16
								}
							}
						}
					}
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
`
