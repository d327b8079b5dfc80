package runtime

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCol2imIsAdjoint checks ⟨im2col(x), y⟩ = ⟨x, Col2im(y)⟩ for random x and y (im2col being the
// definition, conv_test.go), which holds exactly when Col2im adds every patch value back where
// the im2col matrix reads it.
func TestCol2imIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cv := range []Conv{
		{C: 3, H: 9, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1},
		{C: 2, H: 11, W: 13, KH: 5, KW: 3, SH: 2, SW: 3, PH: 2, PW: 0},
		{C: 1, H: 5, W: 5, KH: 1, KW: 1, SH: 1, SW: 1},
		{C: 4, H: 6, W: 8, KH: 4, KW: 2, SH: 4, SW: 1, PH: 3, PW: 1},
	} {
		cv.OutH = (cv.H+2*cv.PH-cv.KH)/cv.SH + 1
		cv.OutW = (cv.W+2*cv.PW-cv.KW)/cv.SW + 1
		x := make([]float32, cv.C*cv.H*cv.W)
		y := make([]float32, cv.C*cv.KH*cv.KW*cv.cols())
		for i := range x {
			x[i] = rng.Float32()*2 - 1
		}
		for i := range y {
			y[i] = rng.Float32()*2 - 1
		}
		cols := make([]float32, len(y))
		im2col(cols, x, &cv)
		back := make([]float32, len(x))
		Col2im(back, y, &cv)
		var a, b float64
		for i := range y {
			a += float64(cols[i]) * float64(y[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(back[i])
		}
		require.InDelta(t, a, b, 1e-4, "%+v", cv)
	}
}

func TestSGD(t *testing.T) {
	w, g, v := []float32{1, -2}, []float32{0.5, 0.25}, []float32{0.1, 0}
	SGD(SGDPyTorch, w, g, v, 0.1, 0.9, 0.01)
	// v = 0.9·0.1 + 0.5 + 0.01·1 = 0.6; w = 1 − 0.1·0.6
	require.InDeltaSlice(t, []float32{0.6, 0.25 - 0.02}, v, 1e-6)
	require.InDeltaSlice(t, []float32{0.94, -2 - 0.1*0.23}, w, 1e-6)

	w, g, v = []float32{1, -2}, []float32{0.5, 0.25}, []float32{0.1, 0}
	SGD(SGDPaper, w, g, v, 0.1, 0.9, 0.01)
	// v = 0.9·0.1 − 0.01·0.1·1 − 0.1·0.5 = 0.039
	require.InDeltaSlice(t, []float32{0.039, 0.002 - 0.025}, v, 1e-6)
	require.InDeltaSlice(t, []float32{1.039, -2.023}, w, 1e-6)
}

// TestSGDAsm compares SGD (assembly where the CPU has it, Go for the tail) with its Go twin at
// lengths around the vector width, within a rounding or two (the assembly fuses).
func TestSGDAsm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, rule := range []SGDRule{SGDPyTorch, SGDPaper} {
		for n := 0; n <= 70; n++ {
			w, g, v := make([]float32, n+2), make([]float32, n), make([]float32, n)
			for i := range n {
				w[i], g[i], v[i] = rng.Float32()*2-1, rng.Float32()*2-1, rng.Float32()*2-1
			}
			w[n], w[n+1] = 7, 7 // guards
			w2, v2 := append([]float32(nil), w...), append([]float32(nil), v...)
			SGD(rule, w[:n], g, v, 0.1, 0.9, 0.01)
			sgdGo(rule, w2[:n], g, v2, 0.1, 0.9, 0.01)
			require.InDeltaSlice(t, w2, w, 1e-6, "rule %d n %d", rule, n)
			require.InDeltaSlice(t, v2, v, 1e-6, "rule %d n %d", rule, n)
			require.Equal(t, float32(7), w[n+1])
		}
	}
}

// im2col writes the im2col matrix of src under cv into b (depth×cols), from Conv's definition.
func im2col(b, src []float32, cv *Conv) {
	cols := cv.cols()
	for c := 0; c < cv.C; c++ {
		for ky := 0; ky < cv.KH; ky++ {
			for kx := 0; kx < cv.KW; kx++ {
				row := b[((c*cv.KH+ky)*cv.KW+kx)*cols:][:cols]
				for oy := 0; oy < cv.OutH; oy++ {
					for ox := 0; ox < cv.OutW; ox++ {
						iy, ix := oy*cv.SH-cv.PH+ky, ox*cv.SW-cv.PW+kx
						var v float32
						if iy >= 0 && iy < cv.H && ix >= 0 && ix < cv.W {
							v = src[(c*cv.H+iy)*cv.W+ix]
						}
						row[oy*cv.OutW+ox] = v
					}
				}
			}
		}
	}
}
