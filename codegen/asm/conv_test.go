package asm_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netc-project/netc/codegen/asm"
	"github.com/stretchr/testify/require"
)

// conv is a kernel tested with calls over blocks input blocks.
type conv struct {
	kernel asm.Conv
	blocks int
}

// geometry makes the Conv of a kernel over blocks padded input blocks of inH×inW pixels
// (blocked, or NCHW when lanes < 16) and an output row of outW pixels whose blocks are
// outGap values apart beyond the row, so that the tests see writes between them.
func geometry(name string, blocks, lanes, inH, inW, k, s, outW, outBlocks, tile int, relu bool) conv {
	c := asm.Conv{Name: name, InLanes: lanes, KH: k, KW: k, SH: s, SW: s,
		OutW: outW, OutBlocks: outBlocks, OutBlockStride: outW*asm.Lanes + 32, ReLU: relu,
		Tiles: asm.Tiles{AVX512: asm.Tile{tile, outBlocks}, AVX2: asm.Tile{6, 1}, Go: asm.Tile{1, outBlocks}},
		Doc:   "a test kernel's row", Users: []string{"TestConvKernels"}}
	if lanes == asm.Lanes {
		c.InCStride, c.InPixStride, c.InRowStride, c.InBlockStride = 1, asm.Lanes, inW*asm.Lanes, inH*inW*asm.Lanes
	} else { // an NCHW image of lanes channels
		c.InCStride, c.InPixStride, c.InRowStride, c.InBlockStride = inH*inW, 1, inW, lanes*inH*inW
	}
	return conv{c, blocks}
}

// layer is a conv layer (one of its groups) computed by calls of a kernel: outGroups groups of
// the kernel's output blocks, rows output rows.
type layer struct {
	conv
	outGroups, rows int
}

// newLayer makes the kernel of a layer whose output is blocked [block][row][pixel][16].
func newLayer(name string, blocks, lanes, inH, inW, k, s, outH, outW, outBlocks, tile, outGroups int) layer {
	c := geometry(name, blocks, lanes, inH, inW, k, s, outW, outBlocks, tile, true)
	c.kernel.OutBlockStride = outH * outW * asm.Lanes
	return layer{conv: c, outGroups: outGroups, rows: outH}
}

// layers are AlexNet's convolutions, one group of each (their inputs padded), with the blocking
// and tiles the compiler's lower pass gives them (compiler.TestConvBlockingAlexNet): conv1 reads
// the 3×227×227 image; conv2…conv5 of the paper's network and of the half-width one (…h), and
// their input gradients (…Grad), direct convolutions of the output gradient.
var layers = []layer{
	newLayer("conv1", 1, 3, 227, 227, 11, 4, 55, 55, 3, 8, 2),
	newLayer("conv2", 3, 16, 31, 31, 5, 1, 27, 27, 4, 6, 2),
	newLayer("conv3", 16, 16, 15, 15, 3, 1, 13, 13, 4, 5, 6),
	newLayer("conv4", 12, 16, 15, 15, 3, 1, 13, 13, 4, 5, 3),
	newLayer("conv5", 12, 16, 15, 15, 3, 1, 13, 13, 4, 5, 2),
	newLayer("conv2Grad", 8, 16, 31, 31, 5, 1, 27, 27, 3, 8, 1),
	newLayer("conv3Grad", 24, 16, 15, 15, 3, 1, 13, 13, 4, 5, 4),
	newLayer("conv4Grad", 12, 16, 15, 15, 3, 1, 13, 13, 4, 5, 3),
	newLayer("conv5Grad", 8, 16, 15, 15, 3, 1, 13, 13, 4, 5, 3),
	newLayer("conv2h", 3, 16, 31, 31, 5, 1, 27, 27, 4, 6, 2),
	newLayer("conv3h", 8, 16, 15, 15, 3, 1, 13, 13, 4, 5, 3),
	newLayer("conv4h", 12, 16, 15, 15, 3, 1, 13, 13, 4, 5, 3),
	newLayer("conv5h", 12, 16, 15, 15, 3, 1, 13, 13, 4, 5, 2),
	newLayer("conv2hGrad", 8, 16, 31, 31, 5, 1, 27, 27, 3, 8, 1),
	newLayer("conv3hGrad", 12, 16, 15, 15, 3, 1, 13, 13, 4, 5, 2),
	newLayer("conv4hGrad", 12, 16, 15, 15, 3, 1, 13, 13, 4, 5, 3),
	newLayer("conv5hGrad", 8, 16, 15, 15, 3, 1, 13, 13, 4, 5, 3),
	newLayer("conv1h", 1, 3, 227, 227, 11, 4, 55, 55, 3, 8, 1),
}

// kernels are the geometries tested: AlexNet's shapes (a 3×3 and a 5×5 over blocks, and the
// first layer's 11×11/4 over an NCHW image), and awkward ones around the tile sizes.
var kernels = []conv{
	geometry("conv3x3", 3, 16, 15, 15, 3, 1, 13, 4, 6, true),
	geometry("conv5x5", 2, 16, 31, 31, 5, 1, 27, 4, 6, true),
	geometry("conv11x11s4", 1, 3, 227, 227, 11, 4, 55, 4, 6, true),
	geometry("oneBlock", 2, 16, 9, 9, 3, 1, 5, 1, 7, false),
	geometry("threeBlocks", 1, 16, 21, 21, 3, 2, 10, 3, 8, true),
	geometry("tileEdge", 1, 16, 8, 8, 1, 1, 8, 2, 4, false),
	geometry("oddLanes", 1, 5, 12, 12, 2, 3, 4, 2, 3, false),
	geometry("product", 8, 16, 1, 49, 1, 1, 49, 4, 5, false),
	geometry("productReLU", 3, 16, 1, 23, 1, 1, 23, 3, 6, true),
}

// TestConvKernels generates the kernels into a package under testdata and runs its tests: each
// kernel in AVX-512 against its Go twin on random data with NaN guards, and the twin against a
// naive convolution of the unblocked tensors; and the same with -tags noasm.
func TestConvKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package")
	}
	var all []asm.Kernel
	for i := range kernels {
		all = append(all, &kernels[i].kernel)
	}
	for i := range layers {
		all = append(all, &layers[i].kernel)
	}
	for i := range upds {
		all = append(all, &upds[i])
	}
	for i := range updLayers {
		all = append(all, &updLayers[i].kernel)
	}
	all = append(all, winoKernels()...)
	files, err := asm.Generate("kernels", "codegen/asm/conv_test.go", all)
	require.NoError(t, err)
	again, err := asm.Generate("kernels", "codegen/asm/conv_test.go", all)
	require.NoError(t, err)
	require.Equal(t, files, again, "generation is not deterministic")

	dir := filepath.Join("testdata", "kernels")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, src := range map[string]string{"asm_amd64.s": files.Asm, "asm_amd64.go": files.Stub,
		"asm_twin.go": files.Twin, "asm_other.go": files.Other, "kernels_test.go": kernelTests(), "upd_test.go": updTests(), "winograd_test.go": winoTests()} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	for _, tags := range [][]string{nil, {"-tags", "noasm"}} {
		args := append([]string{"test", "-count=1"}, tags...)
		cmd := exec.Command("go", append(args, "./"+filepath.ToSlash(dir))...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
}

// kernelTests is the test file of the generated package.
func kernelTests() string {
	var table strings.Builder
	for _, c := range kernels {
		k := c.kernel
		fmt.Fprintf(&table, "\t{%q, %s, %sGo, %#v},\n", k.Name, k.Name, k.Name,
			[]int{c.blocks, k.InLanes, k.InCStride, k.InPixStride, k.InRowStride, k.InBlockStride, k.KH, k.KW, k.SH, k.SW, k.OutW, k.OutBlocks, k.OutBlockStride, map[bool]int{true: 1}[k.ReLU]})
	}
	var bench strings.Builder
	for _, l := range layers {
		k := l.kernel
		fmt.Fprintf(&bench, "\t{%q, %s, %#v, %d, %d},\n", k.Name, k.Name,
			[]int{l.blocks, k.InLanes, k.InCStride, k.InPixStride, k.InRowStride, k.InBlockStride, k.KH, k.KW, k.SH, k.SW, k.OutW, k.OutBlocks, k.OutBlockStride, 1},
			l.outGroups, l.rows)
	}
	src := strings.Replace(kernelTestTemplate, "TABLE", table.String(), 1)
	return strings.Replace(src, "LAYERS", bench.String(), 1)
}

const kernelTestTemplate = `package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/netc-project/netc/runtime"
)

type kernel struct {
	name      string
	asm, twin func(out, in, w, bias []float32, blocks int)
	g         []int // blocks, InLanes, InCStride, InPixStride, InRowStride, InBlockStride, KH, KW, SH, SW, OutW, OutBlocks, OutBlockStride, ReLU
}

var table = []kernel{
TABLE}

const guard = 64

func (k kernel) sizes() (out, in, w, bias int) {
	g := k.g
	out = (g[11]-1)*g[12] + g[10]*16
	in = (g[0]-1)*g[5] + (g[6]-1)*g[4] + ((g[10]-1)*g[9]+g[7]-1)*g[3] + (g[1]-1)*g[2] + 1
	return out, in, g[0] * g[6] * g[7] * g[1] * g[11] * 16, g[11] * 16
}

func random(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// guarded returns n values with NaN guards before and after them.
func guarded(n int) (buf, x []float32) {
	buf = make([]float32, n+2*guard)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	return buf, buf[guard : guard+n]
}

// TestKernelsMatchTwins: each kernel in each instruction set the CPU has against its twin, on
// random data, over all, one and half of its input blocks; every value the kernel must not write (between the output blocks, and the guards
// around) stays NaN.
func TestKernelsMatchTwins(t *testing.T) {
	forEachISA(t, func(isa runtime.ISA) { checkTwins(t, isa) })
}

// forEachISA runs f with kernelISA set to each assembly form the CPU, the build and NETC_ISA
// allow (runtime.HasISA), or to the twins when there is none, and restores kernelISA.
func forEachISA(t *testing.T, f func(isa runtime.ISA)) {
	defer func(was runtime.ISA) { kernelISA = was }(kernelISA)
	var isas []runtime.ISA
	for _, isa := range []runtime.ISA{runtime.ISAAVX512, runtime.ISAAVX2} {
		if runtime.HasISA(isa) {
			isas = append(isas, isa)
		}
	}
	if isas == nil {
		t.Log("no assembly in this build or on this CPU: the entries run the twins")
		isas = []runtime.ISA{runtime.ISAGo}
	}
	for _, isa := range isas {
		kernelISA = isa
		f(isa)
	}
}

func checkTwins(t *testing.T, isa runtime.ISA) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range table {
		no, ni, nw, nb := k.sizes()
		in, w, bias := random(r, ni), random(r, nw), random(r, nb)
		bufA, a := guarded(no)
		bufB, b := guarded(no)
		// The kernel serves any number of input blocks up to its geometry's: all, one, half.
		for _, blocks := range []int{k.g[0], 1, (k.g[0] + 1) / 2}[:min(k.g[0], 3)] {
			k.asm(a, in, w, bias, blocks)
			k.twin(b, in, w, bias, blocks)
			depth := float64(blocks * k.g[6] * k.g[7] * k.g[1])
			for i := range bufA {
				x, y := bufA[i], bufB[i]
				if math.IsNaN(float64(x)) != math.IsNaN(float64(y)) {
					t.Fatalf("%s %s over %d blocks: value %d is %g in assembly, %g in the twin", k.name, isa, blocks, i-guard, x, y)
				}
				if d := math.Abs(float64(x - y)); d > 1e-5*math.Sqrt(depth)*4 {
					t.Fatalf("%s %s over %d blocks: value %d is %g in assembly, %g in the twin", k.name, isa, blocks, i-guard, x, y)
				}
			}
		}
	}
}

type layer struct {
	name            string
	kernel          func(out, in, w, bias []float32, blocks int)
	g               []int
	outGroups, rows int
}

var layers = []layer{
LAYERS}

// BenchmarkLayers runs each layer (one group of it) on one core, a kernel call per output row
// and group of output blocks, in each instruction set, and reports its GFLOP/s.
func BenchmarkLayers(b *testing.B) {
	defer func(was runtime.ISA) { kernelISA = was }(kernelISA)
	for _, isa := range []runtime.ISA{runtime.ISAAVX512, runtime.ISAAVX2} {
		kernelISA = isa
		b.Run(isa.String(), benchmarkLayers)
	}
}

func benchmarkLayers(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, l := range layers {
		g := l.g
		k := kernel{g: g}
		no, _, nw, nb := k.sizes()
		in := random(r, g[0]*g[5]) // the whole padded input
		out := make([]float32, l.outGroups*g[11]*g[12])
		w, bias := random(r, l.outGroups*nw), random(r, l.outGroups*nb)
		flops := 2.0 * float64(l.outGroups*g[11]*16*l.rows*g[10]*g[0]*g[1]*g[6]*g[7])
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				for og := 0; og < l.outGroups; og++ {
					for oy := 0; oy < l.rows; oy++ {
						l.kernel(out[og*g[11]*g[12]+oy*g[10]*16:][:no], in[oy*g[8]*g[4]:],
							w[og*nw:(og+1)*nw], bias[og*nb:(og+1)*nb], g[0])
					}
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestTwinsAreConvolutions: each twin against a convolution written from its definition on the
// unblocked tensors (channel c of block cb is input channel cb·lanes + c; output channel
// b·16 + l), so that the kernels' layouts mean what the generator says.
func TestTwinsAreConvolutions(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range table {
		g := k.g
		no, ni, nw, nb := k.sizes()
		in, w, bias := random(r, ni), random(r, nw), random(r, nb)
		out := make([]float32, no)
		k.twin(out, in, w, bias, g[0])
		lanes, kh, kw, outC := g[1], g[6], g[7], g[11]*16
		for o := 0; o < outC; o++ {
			for ox := 0; ox < g[10]; ox++ {
				want := float64(bias[o])
				for ci := 0; ci < g[0]*lanes; ci++ {
					cb, c := ci/lanes, ci%lanes
					for y := 0; y < kh; y++ {
						for x := 0; x < kw; x++ {
							v := in[cb*g[5]+y*g[4]+(ox*g[9]+x)*g[3]+c*g[2]]
							wt := w[((((cb*kh+y)*kw+x)*lanes+c)*g[11]+o/16)*16+o%16]
							want += float64(v) * float64(wt)
						}
					}
				}
				if g[13] == 1 {
					want = math.Max(want, 0)
				}
				got := out[(o/16)*g[12]+ox*16+o%16]
				if math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want)) {
					t.Fatalf("%s: channel %d pixel %d is %g, want %g", k.name, o, ox, got, want)
				}
			}
		}
	}
}
`
