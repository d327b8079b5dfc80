package asm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/netc-project/netc/codegen/asm"
	"github.com/stretchr/testify/require"
)

// TestWinogradMatrices: Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the correlation of d with g, in float64,
// for every algorithm the compiler may choose and a few more.
func TestWinogradMatrices(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, mr := range [][2]int{{2, 3}, {2, 5}, {4, 3}, {3, 3}, {6, 3}, {2, 2}, {3, 5}} {
		w, err := asm.NewWinograd(mr[0], mr[1])
		require.NoError(t, err)
		m, k, a := w.M, w.R, w.Alpha
		require.Len(t, w.AT, m)
		require.Len(t, w.G, a)
		require.Len(t, w.BT, a)
		mul := func(x, y [][]float64) [][]float64 {
			out := make([][]float64, len(x))
			for i := range x {
				out[i] = make([]float64, len(y[0]))
				for j := range y[0] {
					for l := range y {
						out[i][j] += x[i][l] * y[l][j]
					}
				}
			}
			return out
		}
		tr := func(x [][]float64) [][]float64 {
			out := make([][]float64, len(x[0]))
			for j := range out {
				for i := range x {
					out[j] = append(out[j], x[i][j])
				}
			}
			return out
		}
		rnd := func(n int) [][]float64 {
			x := make([][]float64, n)
			for i := range x {
				for range n {
					x[i] = append(x[i], r.NormFloat64())
				}
			}
			return x
		}
		d, g := rnd(a), rnd(k)
		u, v := mul(mul(w.G, g), tr(w.G)), mul(mul(w.BT, d), tr(w.BT))
		for i := range u {
			for j := range u[i] {
				u[i][j] *= v[i][j]
			}
		}
		y := mul(mul(w.AT, u), tr(w.AT))
		for i := range m {
			for j := range m {
				want := 0.0
				for p := range k {
					for q := range k {
						want += d[i+p][j+q] * g[p][q]
					}
				}
				require.InDelta(t, want, y[i][j], 1e-9*(1+math.Abs(want)), "%s: output %d,%d", w, i, j)
			}
		}
	}
	_, err := asm.NewWinograd(6, 5)
	require.Error(t, err)
	_, err = asm.NewWinograd(1, 3)
	require.Error(t, err)
}

// wino is a pair of Winograd transforms tested together: the input transform of a row of tiles
// of a padded input and the output transform of the products, with gaps between the transform
// positions (and in the output) so that stray writes show.
type wino struct {
	in, grad asm.WinoIn // grad: the transform of the output gradient's tiles, for the weight gradient
	out      asm.WinoOut
	xi       int // the calls' stride between the transform positions
}

func newWino(name string, m, r, tiles, outW int, relu bool) wino {
	f, err := asm.NewWinograd(m, r)
	if err != nil {
		panic(err)
	}
	inW := (tiles-1)*m + f.Alpha
	xi := tiles*asm.Lanes + 32
	return wino{
		in: asm.WinoIn{Name: name + "In", F: f, Tiles: tiles, InPixStride: asm.Lanes, InRowStride: inW*asm.Lanes + 16,
			Doc: "test kernel " + name + "In"},
		out: asm.WinoOut{Name: name + "Out", F: f, Tiles: tiles, OutW: outW, OutPixStride: asm.Lanes,
			OutRowStride: outW*asm.Lanes + 48, ReLU: relu, Doc: "test kernel " + name + "Out"},
		grad: asm.WinoIn{Name: name + "Grad", F: f, Grad: true, Tiles: tiles, InPixStride: asm.Lanes,
			InRowStride: tiles*m*asm.Lanes + 16, Doc: "test kernel " + name + "Grad"},
		xi: xi,
	}
}

// winos are the transforms tested: AlexNet's 13×13 and 27×27 layers' rows with F(2×2, 3×3),
// F(2×2, 5×5), F(3×3, 5×5), F(4×4, 3×3) and F(5×5, 3×3), fashion.net's 12×12 by F(4×4, 3×3), and larger
// tiles whose last tile overhangs the row.
var winos = []wino{
	newWino("wino2x3", 2, 3, 7, 13, true),
	newWino("wino2x5", 2, 5, 14, 27, false),
	newWino("wino3x5", 3, 5, 9, 27, false),
	newWino("wino4x3", 4, 3, 4, 13, true),
	newWino("wino3x3", 3, 3, 5, 15, false),
	newWino("wino2x3even", 2, 3, 4, 8, false),
	newWino("alex13", 2, 3, 7, 13, false),
	newWino("alex13x4", 4, 3, 4, 13, false),
	newWino("alex13x5", 5, 3, 3, 13, false),
	newWino("fashion12", 4, 3, 3, 12, false),
}

// winoKernels are the transforms as kernels to generate.
func winoKernels() []asm.Kernel {
	var ks []asm.Kernel
	for i := range winos {
		ks = append(ks, &winos[i].in, &winos[i].out, &winos[i].grad)
	}
	return ks
}

// winoTests is the test file of the generated package for the transforms.
func winoTests() string {
	var table strings.Builder
	for _, w := range winos {
		f := w.in.F
		fmt.Fprintf(&table, "\t{%q, %s, %sGo, %s, %sGo, %s, %sGo, %#v, %#v},\n", w.in.Name, w.in.Name, w.in.Name, w.out.Name, w.out.Name,
			w.grad.Name, w.grad.Name,
			[]int{f.M, f.R, f.Alpha, w.in.Tiles, w.in.InPixStride, w.in.InRowStride, w.xi,
				w.out.OutW, w.out.OutPixStride, w.out.OutRowStride, w.xi, map[bool]int{true: 1}[w.out.ReLU],
				w.grad.InRowStride}, f.G)
	}
	return strings.Replace(winoTestTemplate, "TABLE", table.String(), 1)
}

const winoTestTemplate = `package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/netc-project/netc/runtime"
)

type wino struct {
	name             string
	in, inGo         func(v, in []float32, xi int)
	out, outGo       func(out, mm, bias []float32, rows, xi int)
	grad, gradGo     func(v, dy []float32, xi int)
	g                []int // m, r, α, tiles, in pixel, in row, v ξ, out width, out pixel, out row, mm ξ, ReLU, dy row
	G                [][]float64
}

var winos = []wino{
TABLE}

func (w wino) sizes() (in, v, out int) { return w.sizesAt(w.g[6]) }

// sizesAt are the sizes with a stride of xi between the transform positions.
func (w wino) sizesAt(xi int) (in, v, out int) {
	g := w.g
	in = (g[2]-1)*g[5] + ((g[3]-1)*g[0]+g[2]-1)*g[4] + 16
	v = (g[2]*g[2]-1)*xi + g[3]*16
	out = (g[0]-1)*g[9] + (g[7]-1)*g[8] + 16
	return in, v, out
}

// same says two results agree bit for bit (±0 alike, NaN with NaN).
func same(x, y float32) bool {
	return x == y || math.IsNaN(float64(x)) && math.IsNaN(float64(y))
}

// TestWinogradMatchesTwins: each transform in each instruction set the CPU has against its
// twin, bit for bit (the same float32 operations), the values it must not write still NaN; the
// output transform for every number of rows; each at the table's stride between the transform
// positions and at the smallest, a row of tiles, without gaps (one kernel serves every stride).
func TestWinogradMatchesTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	forEachISA(t, func(isa runtime.ISA) {
		for _, w := range winos {
			for _, xi := range []int{w.g[6], w.g[3] * 16} {
				checkWinoTwins(t, r, isa, w, xi)
			}
		}
	})
}

func checkWinoTwins(t *testing.T, r *rand.Rand, isa runtime.ISA, w wino, xi int) {
			ni, nv, no := w.sizesAt(xi)
			in := random(r, ni)
			bufA, a := guarded(nv)
			bufB, b := guarded(nv)
			w.in(a, in, xi)
			w.inGo(b, in, xi)
			for i := range bufA {
				if !same(bufA[i], bufB[i]) {
					t.Fatalf("%s %s ξ %d: v[%d] is %g in assembly, %g in the twin", w.name, isa, xi, i-guard, bufA[i], bufB[i])
				}
			}
			dy := random(r, (w.g[0]-1)*w.g[12]+w.g[3]*w.g[0]*16)
			bufA, a = guarded(nv)
			bufB, b = guarded(nv)
			w.grad(a, dy, xi)
			w.gradGo(b, dy, xi)
			for i := range bufA {
				if !same(bufA[i], bufB[i]) {
					t.Fatalf("%s %s: the gradient's v[%d] at ξ %d is %g in assembly, %g in the twin", w.name, isa, i-guard, xi, bufA[i], bufB[i])
				}
			}
			mm, bias := random(r, nv), random(r, 16)
			for rows := 1; rows <= w.g[0]; rows++ {
				bufA, a := guarded(no)
				bufB, b := guarded(no)
				ma, mb := append([]float32(nil), mm...), append([]float32(nil), mm...)
				w.out(a, ma, bias, rows, xi)
				w.outGo(b, mb, bias, rows, xi)
				for i := range bufA {
					if !same(bufA[i], bufB[i]) {
						t.Fatalf("%s %s rows %d ξ %d: out[%d] is %g in assembly, %g in the twin", w.name, isa, rows, xi, i-guard, bufA[i], bufB[i])
					}
					if o := i - guard; o >= 0 && o < no && o/w.g[9] >= rows && !math.IsNaN(float64(bufA[i])) {
						t.Fatalf("%s %s rows %d: out[%d] written, beyond the rows", w.name, isa, rows, o)
					}
				}
				for i := range ma {
					if !same(ma[i], mb[i]) {
						t.Fatalf("%s %s rows %d ξ %d: mm[%d] is %g in assembly, %g in the twin", w.name, isa, rows, xi, i, ma[i], mb[i])
					}
				}
			}
}

// TestWinogradError measures the error of Winograd's convolution in float32 against the same
// convolution in float64, for AlexNet's 3×3 and 5×5 layers and their input gradients (their
// channel counts and image sizes; one block of output channels), next to the error of the
// direct convolution's float32 sum: max |y − y₆₄| over max |y₆₄|, random N(0, 1) inputs and
// weights N(0, 1/(C·k²)). It fails when Winograd's error exceeds 1e-5 of the largest output or
// 20 times the direct sum's.
func TestWinogradError(t *testing.T) {
	byName := map[string]wino{}
	for _, w := range winos {
		byName[w.name] = w
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, c := range []struct {
		layer          string
		w              wino
		channels, size int
	}{
		{"conv2 by F(2x2,5x5) (96 channels, 27x27, 5x5)", byName["wino2x5In"], 96, 27},
		{"conv2's dX by F(2x2,5x5) (256 channels)", byName["wino2x5In"], 256, 27},
		{"conv2 by F(3x3,5x5) (96 channels)", byName["wino3x5In"], 96, 27},
		{"conv2's dX by F(3x3,5x5) (256 channels)", byName["wino3x5In"], 256, 27},
		{"conv3 by F(2x2,3x3) (256 channels, 13x13, 3x3)", byName["alex13In"], 256, 13},
		{"conv4 by F(4x4,3x3) (384 channels)", byName["alex13x4In"], 384, 13},
		{"conv4 by F(5x5,3x3) (384 channels)", byName["alex13x5In"], 384, 13},
		{"fashion's conv2 by F(4x4,3x3) (16 channels, 12x12, 3x3)", byName["fashion12In"], 16, 12},
		{"conv4, conv5 and conv3's dX by F(2x2,3x3) (384 channels)", byName["alex13In"], 384, 13},
	} {
		g := c.w.g
		m, k, a, tiles := g[0], g[1], g[2], g[3]
		pad, size, blocks := (k-1)/2, c.size, c.channels/16
		rows := tiles*m + k - 1 // the padded input's rows and columns
		in := make([]float32, blocks*rows*g[5])
		at := func(ch, y, x int) int { return ch/16*rows*g[5] + y*g[5] + x*g[4] + ch%16 }
		for ch := range c.channels {
			for y := range size {
				for x := range size {
					in[at(ch, y+pad, x+pad)] = float32(r.NormFloat64())
				}
			}
		}
		filter := make([]float32, 16*c.channels*k*k) // [o][c][ky][kx]
		scale := 1 / math.Sqrt(float64(c.channels*k*k))
		for i := range filter {
			filter[i] = float32(r.NormFloat64() * scale)
		}
		u := make([]float32, 16*c.channels*a*a) // [o][c][ξ]: G g Gᵀ in float64
		for oc := range 16 * c.channels {
			f := filter[oc*k*k:]
			for i := range a {
				for j := range a {
					var s float64
					for p := range k {
						for q := range k {
							s += w64(c.w.G, i, p) * float64(f[p*k+q]) * w64(c.w.G, j, q)
						}
					}
					u[oc*a*a+i*a+j] = float32(s)
				}
			}
		}
		_, nv, no := c.w.sizes()
		var winoErr, directErr, largest float64
		zero := make([]float32, 16)
		for ty := range tiles {
			vs := make([][]float32, blocks)
			for cb := range blocks {
				vs[cb] = make([]float32, nv)
				c.w.in(vs[cb], in[cb*rows*g[5]+ty*m*g[5]:], g[6])
			}
			mm := make([]float32, nv)
			for xi := range a * a {
				for tile := range tiles {
					for o := range 16 {
						var acc float32
						for ch := range c.channels {
							acc += vs[ch/16][xi*g[6]+tile*16+ch%16] * u[(o*c.channels+ch)*a*a+xi]
						}
						mm[xi*g[10]+tile*16+o] = acc
					}
				}
			}
			out := make([]float32, no)
			n := min(m, size-ty*m)
			c.w.out(out, mm, zero, n, g[10])
			for i := range n {
				oy := ty*m + i
				for ox := range size {
					for o := range 16 {
						var want float64
						var direct float32
						for ch := range c.channels {
							for p := range k {
								for q := range k {
									x, f := in[at(ch, oy+p, ox+q)], filter[((o*c.channels+ch)*k+p)*k+q]
									want += float64(x) * float64(f)
									direct += float32(x * f)
								}
							}
						}
						got := out[i*g[9]+ox*g[8]+o]
						winoErr = math.Max(winoErr, math.Abs(float64(got)-want))
						directErr = math.Max(directErr, math.Abs(float64(direct)-want))
						largest = math.Max(largest, math.Abs(want))
					}
				}
			}
		}
		t.Logf("%s: relative error of Winograd %.2g, of the direct float32 sum %.2g", c.layer, winoErr/largest, directErr/largest)
		if winoErr > 1e-5*largest || winoErr > 20*directErr {
			t.Errorf("%s: Winograd's error %.3g of the largest output, the direct sum's %.3g", c.layer, winoErr/largest, directErr/largest)
		}
	}
}

func w64(m [][]float64, i, j int) float64 { return m[i][j] }

// TestWinogradWeightGradient: the input transform, the transform of the output gradient's
// tiles, their products summed over the row of tiles and Gᵀ · G give, lane by lane, the gradient
// of the correlation's filter: dW[p][q] = Σ dy[i][x]·in[i+p][x+q] over the row's outputs (the
// output gradient zero beyond its width).
func TestWinogradWeightGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, w := range winos {
		g := w.g
		m, k, a, tiles := g[0], g[1], g[2], g[3]
		ni, nv, _ := w.sizes()
		in := random(r, ni)
		dy := make([]float32, (m-1)*g[12]+tiles*m*16)
		for i := range m {
			for x := range g[7] {
				for l := range 16 {
					dy[i*g[12]+x*16+l] = float32(r.NormFloat64())
				}
			}
		}
		v, z := make([]float32, nv), make([]float32, nv)
		w.in(v, in, g[6])
		w.grad(z, dy, g[6])
		for l := range 16 {
			du := make([]float64, a*a)
			for xi := range a * a {
				for tile := range tiles {
					du[xi] += float64(v[xi*g[6]+tile*16+l]) * float64(z[xi*g[6]+tile*16+l])
				}
			}
			for p := range k {
				for q := range k {
					var got, want float64
					for i := range a {
						for j := range a {
							got += w.G[i][p] * du[i*a+j] * w.G[j][q]
						}
					}
					for i := range m {
						for x := range g[7] {
							want += float64(dy[i*g[12]+x*16+l]) * float64(in[(i+p)*g[5]+(x+q)*g[4]+l])
						}
					}
					if math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
						t.Fatalf("%s: lane %d dW[%d][%d] is %g, want %g", w.name, l, p, q, got, want)
					}
				}
			}
		}
	}
}

// TestWinogradIsCorrelation: the input transform, a product by the transformed filter
// G g Gᵀ (lane l's own filter) and the output transform compute, lane by lane, the correlation
// of the row of tiles with the filter, plus the bias, through the ReLU.
func TestWinogradIsCorrelation(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, w := range winos {
		g := w.g
		m, k, a, tiles := g[0], g[1], g[2], g[3]
		ni, nv, no := w.sizes()
		in, bias := random(r, ni), random(r, 16)
		filter := make([][]float64, 16) // lane l's k×k filter
		u := make([][]float64, 16)      // and its transform, α×α
		for l := range filter {
			for range k * k {
				filter[l] = append(filter[l], r.NormFloat64())
			}
			u[l] = make([]float64, a*a)
			for i := range a {
				for j := range a {
					for p := range k {
						for q := range k {
							u[l][i*a+j] += w.G[i][p] * filter[l][p*k+q] * w.G[j][q]
						}
					}
				}
			}
		}
		v := make([]float32, nv)
		w.in(v, in, g[6])
		for xi := range a * a {
			for tile := range tiles {
				for l := range 16 {
					v[xi*g[6]+tile*16+l] *= float32(u[l][xi])
				}
			}
		}
		out := make([]float32, no)
		w.out(out, v, bias, m, g[10])
		for l := range 16 {
			for i := range m {
				for x := range g[7] {
					want := float64(bias[l])
					for p := range k {
						for q := range k {
							want += float64(in[(i+p)*g[5]+(x+q)*g[4]+l]) * filter[l][p*k+q]
						}
					}
					if g[11] == 1 {
						want = math.Max(want, 0)
					}
					got := out[i*g[9]+x*g[8]+l]
					if math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want)) {
						t.Fatalf("%s: lane %d output %d,%d is %g, want %g", w.name, l, i, x, got, want)
					}
				}
			}
		}
	}
}
`
