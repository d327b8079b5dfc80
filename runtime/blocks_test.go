package runtime

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBlocks checks ToBlocks and FromBlocks, in each instruction set the CPU has and as Go twins,
// against their definitions, bit for bit, at every plane count and at pixel counts around the 8
// and 16 of a transpose, with NaNs among the values and guard values around the output that must
// stay.
func TestBlocks(t *testing.T) {
	const guard = 32
	sentinel := float32(math.Inf(-1))
	forEachISA(t, &blocksISA, func(t *testing.T, isa ISA) {
		for n := 0; n <= 16; n++ {
			for _, count := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 25, 27, 31, 32, 33, 55, 169} {
				for _, pad := range []int{0, 3} {
					stride := count + pad
					what := fmt.Sprintf("n=%d count=%d stride=%d", n, count, stride)
					planes := make([]float32, guard+max(0, n-1)*stride+count+guard)
					for j := range planes {
						planes[j] = float32(j%1000) + 0.5
						if j%13 == 5 {
							planes[j] = math.Float32frombits(0x7fc00000 | uint32(j)) // NaNs, each its own
						}
					}
					src := planes[guard : len(planes)-guard]
					blocked := make([]float32, guard+16*count+guard)
					for j := range blocked {
						blocked[j] = sentinel
					}
					ToBlocks(blocked[guard:guard+16*count], src, stride, n, count)
					for j, v := range blocked {
						p, l := (j-guard)/16, (j-guard)%16
						want := sentinel
						switch {
						case j < guard || j >= guard+16*count:
						case l < n:
							want = src[l*stride+p]
						default:
							want = 0
						}
						require.Equal(t, math.Float32bits(want), math.Float32bits(v), "%s: ToBlocks [%d]", what, j-guard)
					}

					back := make([]float32, len(planes))
					for j := range back {
						back[j] = sentinel
					}
					FromBlocks(back[guard:len(back)-guard], stride, blocked[guard:guard+16*count], n, count)
					for j, v := range back {
						want := sentinel
						if k := j - guard; k >= 0 && k < len(src) && k%stride < count && k/stride < n {
							want = src[k]
						}
						require.Equal(t, math.Float32bits(want), math.Float32bits(v), "%s: FromBlocks [%d]", what, j-guard)
					}
				}
			}
		}
	})
}

func TestBlocksRefusesShortSlices(t *testing.T) {
	require.Panics(t, func() { ToBlocks(make([]float32, 16*4-1), make([]float32, 64), 16, 4, 4) })
	require.Panics(t, func() { ToBlocks(make([]float32, 16*4), make([]float32, 3*16+3), 16, 4, 4) })
	require.Panics(t, func() { ToBlocks(make([]float32, 16*4), make([]float32, 64), 16, 17, 4) })
	require.Panics(t, func() { FromBlocks(make([]float32, 3*16+3), 16, make([]float32, 64), 4, 4) })
	require.Panics(t, func() { FromBlocks(make([]float32, 64), 2, make([]float32, 64), 4, 4) })
}

// BenchmarkBlocks converts conv2's output of a half-width AlexNet image (128 channels of 27×27)
// both ways, a block of 16 planes at a time.
func BenchmarkBlocks(b *testing.B) {
	const c, pixels = 128, 729
	planes, blocked := make([]float32, c*pixels), make([]float32, c*pixels)
	benchISAs(b, &blocksISA, func(b *testing.B) {
		b.SetBytes(2 * 2 * 4 * c * pixels) // read and written, both ways
		for b.Loop() {
			for cb := 0; cb < c; cb += 16 {
				ToBlocks(blocked[cb*pixels:], planes[cb*pixels:], pixels, 16, pixels)
			}
			for cb := 0; cb < c; cb += 16 {
				FromBlocks(planes[cb*pixels:], pixels, blocked[cb*pixels:], 16, pixels)
			}
		}
	})
}
