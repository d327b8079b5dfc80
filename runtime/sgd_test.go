package runtime

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// sgdLengths are the lengths TestSGDISAs tries: around the vector widths (8 and 16 values) and
// their multiples, and longer.
var sgdLengths = func() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 100, 127, 128, 129, 1000, 4099)
}()

// sgdSpecials are the values TestSGDISAs puts in some places of w, g and v.
var sgdSpecials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
	1e30, -1e30, 1e-40, -1e-40, math.MaxFloat32, -math.SmallestNonzeroFloat32,
}

// sgdGuard is the number of values after each slice (and the odd number before, which also
// leaves the slices unaligned) that SGD must not touch.
const sgdGuard, sgdLead = 16, 3

// sgdCase is one test's w, g and v, each a slice of a larger buffer with guards.
type sgdCase struct {
	wb, gb, vb []float32 // the buffers
	w, g, v    []float32 // the slices SGD sees
}

// newSGDCase returns n random values in [−1, 1) for w, g and v, with specials in some places
// (also Inf and −Inf, or NaN, in two of them at once) if specials, and guards around them.
func newSGDCase(rng *rand.Rand, n int, specials bool) sgdCase {
	var c sgdCase
	bufs := [3]*[]float32{&c.wb, &c.gb, &c.vb}
	for k, b := range bufs {
		*b = make([]float32, sgdLead+n+sgdGuard)
		for i := range *b {
			(*b)[i] = float32(11 + k) // guards
		}
		for i := sgdLead; i < sgdLead+n; i++ {
			(*b)[i] = rng.Float32()*2 - 1
		}
	}
	c.w, c.g, c.v = c.wb[sgdLead:sgdLead+n], c.gb[sgdLead:sgdLead+n], c.vb[sgdLead:sgdLead+n]
	if specials {
		s := [3][]float32{c.w, c.g, c.v}
		for i := range n {
			switch {
			case i%11 == 5:
				a, b := rng.IntN(3), rng.IntN(2)
				s[a][i], s[(a+1+b)%3][i] = float32(math.Inf(1)), float32(math.Inf(-1))
			case i%13 == 6:
				s[rng.IntN(3)][i], s[rng.IntN(3)][i] = float32(math.NaN()), float32(math.Inf(1))
			case rng.IntN(3) == 0:
				s[rng.IntN(3)][i] = sgdSpecials[rng.IntN(len(sgdSpecials))]
			}
		}
	}
	return c
}

// clone returns a copy of c, buffers and all.
func (c sgdCase) clone() sgdCase {
	d := sgdCase{wb: append([]float32(nil), c.wb...), gb: append([]float32(nil), c.gb...),
		vb: append([]float32(nil), c.vb...)}
	n := len(c.w)
	d.w, d.g, d.v = d.wb[sgdLead:sgdLead+n], d.gb[sgdLead:sgdLead+n], d.vb[sgdLead:sgdLead+n]
	return d
}

// fma32 is a·b + c rounded once to float32, as VFMADD…PS computes it.
func fma32(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b)) // exact
	r := p + float64(c)
	if r == 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return float32(r) // exact, or the inputs are not finite
	}
	x := new(big.Float).SetPrec(1024).SetFloat64(p)
	x.Add(x, new(big.Float).SetFloat64(float64(c))) // exact in 1024 bits
	f, _ := x.Float32()
	return f
}

// sgdFused is what the assembly computes for one value: the fused operations sgd_amd64.go
// documents, in their order, each rounded once.
func sgdFused(rule SGDRule, w, g, v, lr, mu, lambda float32) (float32, float32) {
	if rule == SGDPaper {
		c := float32(lambda * lr)
		v = fma32(-lr, g, fma32(-c, w, float32(mu*v)))
		return float32(w + v), v
	}
	v = fma32(mu, v, fma32(lambda, w, g))
	return fma32(-lr, v, w), v
}

// sgdClose reports whether x, from SGD, is the twin's want within a rounding or two of the
// inputs' magnitude m (the assembly fuses, and adds PyTorch's terms in another order), or both
// are NaN.
func sgdClose(x, want, m float32) bool {
	if x != x || want != want {
		return x != x && want != want
	}
	return x == want || math.Abs(float64(x-want)) <= 1e-6*(1+float64(m))
}

// TestSGDISAs checks SGD in each instruction set against its Go twin, for both rules, at lengths
// around the vector widths, with NaN, infinities, zeros of both signs, huge and subnormal values:
// the assembly's prefix bit for bit what its fused operations give (sgdFused), the tail bit for
// bit the twin's, all within a rounding or two of the twin's, g and the guards untouched.
func TestSGDISAs(t *testing.T) {
	forEachISA(t, &sgdISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, rule := range []SGDRule{SGDPyTorch, SGDPaper} {
			for _, specials := range []bool{false, true} {
				for _, n := range sgdLengths {
					name := fmt.Sprintf("rule %d, n %d, specials %v", rule, n, specials)
					const lr, mu, lambda = 0.1, 0.9, 0.01
					in := newSGDCase(rng, n, specials)
					got, twin := in.clone(), in.clone()
					SGD(rule, got.w, got.g, got.v, lr, mu, lambda)
					sgdGo(rule, twin.w, twin.g, twin.v, lr, mu, lambda)

					asm := 0
					if isa != ISAGo {
						asm = n &^ (isa.Lanes() - 1)
					}
					want := twin.clone()
					for i := range asm {
						want.w[i], want.v[i] = sgdFused(rule, in.w[i], in.g[i], in.v[i], lr, mu, lambda)
					}
					require.Equal(t, floatBits(in.gb), floatBits(got.gb), "%s: g", name)
					require.Equal(t, floatBits(want.wb), floatBits(got.wb), "%s: w", name)
					require.Equal(t, floatBits(want.vb), floatBits(got.vb), "%s: v", name)
					for i := range n {
						m := max(abs32(in.w[i]), abs32(in.g[i]), abs32(in.v[i]))
						require.True(t, sgdClose(got.w[i], twin.w[i], m), "%s: w[%d] %g, twin %g", name, i, got.w[i], twin.w[i])
						require.True(t, sgdClose(got.v[i], twin.v[i], m), "%s: v[%d] %g, twin %g", name, i, got.v[i], twin.v[i])
					}
				}
			}
		}
	})
}

// abs32 is |x|.
func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// BenchmarkSGD times one step over a million parameters in each instruction set, for both
// rules; bytes are those read and written (w, g and v read, w and v written).
func BenchmarkSGD(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewPCG(13, 14))
	w, g, v := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range n {
		w[i], g[i], v[i] = rng.Float32()*2-1, (rng.Float32()*2-1)*1e-3, 0
	}
	for _, rule := range []SGDRule{SGDPyTorch, SGDPaper} {
		b.Run([]string{"pytorch", "paper"}[rule], func(b *testing.B) {
			benchISAs(b, &sgdISA, func(b *testing.B) {
				b.SetBytes(20 * n)
				for b.Loop() {
					SGD(rule, w, g, v, 1e-6, 0.9, 1e-4)
				}
			})
		})
	}
}
