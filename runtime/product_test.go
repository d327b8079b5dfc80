package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSubProduct compares SubProduct in each instruction set (assembly, Go for the tail) with its
// Go twin, bit for bit, at lengths around the vector width, with a guard after x.
func TestSubProduct(t *testing.T) {
	forEachISA(t, &lrnISA, checkSubProduct)
}

// checkSubProduct runs TestSubProduct in one instruction set.
func checkSubProduct(t *testing.T, isa ISA) {
	rng := rand.New(rand.NewPCG(15, 15))
	for n := 0; n <= 70; n++ {
		x, a, tt := make([]float32, n+1), randSlice(rng, n), randSlice(rng, n)
		for i := range n {
			x[i] = rng.Float32()*2 - 1
		}
		x[n] = 7 // guard
		want := append([]float32(nil), x...)
		subProductGo(want[:n], a, tt, 3e-5)
		SubProduct(x[:n], a, tt, 3e-5)
		for i := range want {
			require.Equal(t, math.Float32bits(want[i]), math.Float32bits(x[i]), "n %d, x[%d]", n, i)
		}
	}
}
