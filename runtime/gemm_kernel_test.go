package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// guard is the number of NaNs written before and after every buffer a kernel gets: they must
// still be NaN afterwards (no write out of bounds) and must not leak into C (no read out of bounds).
const guard = 64

// guarded returns a buffer of n random values in [-1, 1) between two guard regions of NaN, and
// the slice of the n values (which runs on into the trailing guard, so &s[0] is valid for n = 0).
func guarded(rng *rand.Rand, n int) (buf, s []float32) {
	buf = make([]float32, guard+n+guard)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	for i := guard; i < guard+n; i++ {
		buf[i] = 2*rng.Float32() - 1
	}
	return buf, buf[guard:]
}

// requireGuards fails unless buf's guard regions (of a buffer made by guarded with n values) hold NaN.
func requireGuards(t *testing.T, buf []float32, n int, what string) {
	t.Helper()
	for i, v := range buf {
		if (i < guard || i >= guard+n) && !isNaN(v) {
			require.Failf(t, "guard overwritten", "%s: index %d of the guard region is %v", what, i-guard, v)
		}
	}
}

func isNaN(v float32) bool { return v != v }

// TestKernelsMatchTwin runs each assembly micro-kernel against sgemmKernelGo on random packed
// panels, for depths around the unroll width, strides of C wider than the tile, and every flag
// and with and without the column bias, with NaN guards around a, b, c and the bias and NaN
// between C's rows.
func TestKernelsMatchTwin(t *testing.T) {
	forEachISA(t, &gemmISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(1, uint64(isa)))
		mr, nr := kernels[isa].mr, kernels[isa].nr
		for _, kc := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 16, 17, 31, 32, 33, 100, 255, 256, 257} {
			for _, ldc := range []int{nr, nr + 1, nr + 13, 3 * nr} {
				for flags := 0; flags < 4; flags++ {
					for bias := 0; bias < 2; bias++ {
						name := fmt.Sprintf("kc=%d ldc=%d flags=%d bias=%d", kc, ldc, flags, bias)
						checkKernel(t, rng, mr, nr, kc, ldc, flags, bias, name)
					}
				}
			}
		}
	})
}

// checkKernel runs one case of TestKernelsMatchTwin; bias 1 gives a column bias.
func checkKernel(t *testing.T, rng *rand.Rand, mr, nr, kc, ldc, flags, bias int, name string) {
	t.Helper()
	aBuf, a := guarded(rng, kc*mr)
	bBuf, b := guarded(rng, kc*nr)
	cbBuf, colBias := guarded(rng, nr)
	if bias == 0 {
		colBias = nil
	}
	nc := (mr-1)*ldc + nr
	gotBuf, got := guarded(rng, nc)
	for i := 0; i < mr; i++ {
		for j := nr; j < ldc && i*ldc+j < nc; j++ {
			got[i*ldc+j] = float32(math.NaN()) // between rows: must stay NaN
		}
	}
	want := append([]float32(nil), got[:nc]...)
	cOld := append([]float32(nil), got[:nc]...)

	sgemmKernelGo(mr, nr, kc, a, b, want, ldc, colBias, flags)
	runKernel(kc, a, b, got, ldc, colBias, flags)

	for _, g := range []struct {
		buf  []float32
		n    int
		what string
	}{{aBuf, kc * mr, "a"}, {bBuf, kc * nr, "b"}, {cbBuf, nr, "colBias"}, {gotBuf, nc, "c"}} {
		requireGuards(t, g.buf, g.n, name+": "+g.what)
	}
	for i := 0; i < mr; i++ {
		for j := 0; j < ldc && i*ldc+j < nc; j++ {
			g, w := got[i*ldc+j], want[i*ldc+j]
			if j >= nr {
				require.True(t, isNaN(g), "%s: c[%d] between rows was written", name, i*ldc+j)
				continue
			}
			// The bound: rounding of a sum of kc products, C and the biases, fused or not.
			bound := 0.0
			for p := 0; p < kc; p++ {
				bound += math.Abs(float64(a[p*mr+i]) * float64(b[p*nr+j]))
			}
			bound += math.Abs(float64(cOld[i*ldc+j])) + 2
			require.InDelta(t, w, g, 1e-6*bound+1e-7, "%s: c[%d][%d]", name, i, j)
		}
	}
}

// TestDotMatchesTwin runs the 4×4 dot-product kernel (AVX-512's) against sgemmDotGo for lengths
// around its sixteen-value step, on rows with NaN guards (which would show in the sums if read).
func TestDotMatchesTwin(t *testing.T) {
	if !HasISA(ISAAVX512) {
		t.Skip("this CPU, build or NETC_ISA has no AVX-512 dot kernel")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for k := 1; k <= 70; k++ {
		var ra, rb [4][]float32
		var bufs [8][]float32
		for r := range 4 {
			bufs[r], ra[r] = guarded(rng, k)
			bufs[4+r], rb[r] = guarded(rng, k)
		}
		var got, want [16]float32
		dot4x4(k, &ra, &rb, &got)
		sgemmDotGo(k, &ra, &rb, &want)
		for i := range got {
			require.InDelta(t, want[i], got[i], 1e-5*float64(k), "k=%d out[%d]", k, i)
		}
	}
}

// TestDotVectorMatchesTwin runs the one-stream dot kernel against dotGo for lengths around its
// 16- and 64-value steps, on rows with NaN guards (which would show in the sum if read).
func TestDotVectorMatchesTwin(t *testing.T) {
	forEachISA(t, &gemmISA, func(t *testing.T, isa ISA) {
		rng := rand.New(rand.NewPCG(10, 10))
		for k := 1; k <= 200; k++ {
			_, a := guarded(rng, k)
			_, b := guarded(rng, k)
			got, want := dot(k, a, b), dotGo(k, a, b)
			require.InDelta(t, want, got, 1e-5*float64(k), "k=%d", k)
		}
	})
}

// TestTransposeMatchesTwin runs the packing transpose in each instruction set against
// transposeGo for row counts and lengths around its blocks (4×16 in AVX-512, 4×8 in AVX2), with
// NaN guards around both buffers and a wider dst stride.
func TestTransposeMatchesTwin(t *testing.T) {
	forEachISA(t, &gemmISA, checkTranspose)
}

// checkTranspose runs TestTransposeMatchesTwin in one instruction set.
func checkTranspose(t *testing.T, isa ISA) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, rows := range []int{0, 1, 3, 4, 5, 8, 12, 13, 32} {
		for _, cols := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100} {
			for _, ld := range []int{max(cols, 1), cols + 5} {
				width := rows + 3
				_, src := guarded(rng, max(0, (rows-1)*ld+cols))
				gotBuf, got := guarded(rng, cols*width)
				want := append([]float32{}, got[:cols*width]...)
				r, c := transpose4(got, width, src, ld, rows, cols)
				wr, wc := rows&^3, cols&^(isa.Lanes()-1)
				if isa == ISAGo || wr == 0 || wc == 0 {
					wr, wc = 0, 0
				}
				require.Equal(t, [2]int{wr, wc}, [2]int{r, c}, "rows=%d cols=%d", rows, cols)
				transposeGo(want, width, src, ld, r, c)
				requireGuards(t, gotBuf, cols*width, fmt.Sprintf("rows=%d cols=%d ld=%d", rows, cols, ld))
				require.Equal(t, want, got[:cols*width], "rows=%d cols=%d ld=%d", rows, cols, ld)
			}
		}
	}
}
