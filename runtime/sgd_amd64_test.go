//go:build !noasm

package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSGDAVX2MatchesAVX512 runs the AVX2 and AVX-512 kernels themselves on the same inputs,
// NaN and infinities among them, at multiples of sixteen values: their results are the same
// bit for bit, NaNs' signs and payloads too.
func TestSGDAVX2MatchesAVX512(t *testing.T) {
	if !HasISA(ISAAVX512) || !HasISA(ISAAVX2) {
		t.Skip("this CPU, build or NETC_ISA lacks AVX-512 or AVX2")
	}
	rng := rand.New(rand.NewPCG(15, 16))
	const lr, mu, lambda = 0.1, 0.9, 0.01
	for _, rule := range []SGDRule{SGDPyTorch, SGDPaper} {
		for _, n := range []int{16, 32, 48, 64, 112, 1024} {
			for _, specials := range []bool{false, true} {
				in := newSGDCase(rng, n, specials)
				if specials {
					in.w[1] = math.Float32frombits(0x7fc01234) // NaNs with payloads
					in.g[2] = math.Float32frombits(0xffc00567)
					in.v[3] = math.Float32frombits(0x7fc00089)
				}
				a, b := in.clone(), in.clone()
				if rule == SGDPaper {
					sgdPaperAVX2(&a.w[0], &a.g[0], &a.v[0], n, lr, mu, lambda*lr)
					sgdPaperAVX512(&b.w[0], &b.g[0], &b.v[0], n, lr, mu, lambda*lr)
				} else {
					sgdPyTorchAVX2(&a.w[0], &a.g[0], &a.v[0], n, lr, mu, lambda)
					sgdPyTorchAVX512(&b.w[0], &b.g[0], &b.v[0], n, lr, mu, lambda)
				}
				for _, p := range [][2][]float32{{a.wb, b.wb}, {a.gb, b.gb}, {a.vb, b.vb}} {
					require.Equal(t, rawBits(p[1]), rawBits(p[0]), "rule %d, n %d, specials %v", rule, n, specials)
				}
			}
		}
	}
}

// rawBits are x's values as bits, NaNs as they are.
func rawBits(x []float32) []uint32 {
	b := make([]uint32, len(x))
	for i, v := range x {
		b[i] = math.Float32bits(v)
	}
	return b
}
