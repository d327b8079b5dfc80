package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStoreTile checks storeTile in each instruction set against storeTileGo, bit for bit, on every tile size up to 12×32 and wider ones, every flag, with and without the column bias,
// on values that include NaN, ±0 and negatives, with guards after each row of C.
func TestStoreTile(t *testing.T) {
	forEachISA(t, &gemmISA, checkStoreTile)
}

// checkStoreTile runs TestStoreTile in one instruction set.
func checkStoreTile(t *testing.T, isa ISA) {
	rng := rand.New(rand.NewPCG(14, 14))
	special := []float32{float32(math.NaN()), 0, float32(math.Copysign(0, -1)), -1, 2}
	value := func() float32 {
		if rng.IntN(8) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.Float32()*2 - 1
	}
	for mr := 1; mr <= 12; mr++ {
		for _, nr := range []int{1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40} {
			for flags := 0; flags < 4; flags++ {
				for bias := 0; bias < 2; bias++ {
					tld, ldc := nr+rng.IntN(3), nr+1+rng.IntN(3)
					tile := make([]float32, (mr-1)*tld+nr)
					for i := range tile {
						tile[i] = value()
					}
					var colBias []float32
					if bias != 0 {
						colBias = make([]float32, nr)
						for i := range colBias {
							colBias[i] = value()
						}
					}
					want := make([]float32, mr*ldc)
					for i := range want {
						want[i] = value()
					}
					got := append([]float32(nil), want...)
					storeTileGo(tile, tld, mr, nr, want, ldc, colBias, flags)
					storeTile(tile, tld, mr, nr, got, ldc, colBias, flags)
					what := fmt.Sprintf("mr %d nr %d flags %d bias %d", mr, nr, flags, bias)
					for i := range want {
						require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "%s: c[%d][%d]", what, i/ldc, i%ldc)
					}
				}
			}
		}
	}
}
