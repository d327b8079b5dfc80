package runtime

import (
	"math/rand/v2"
	"testing"
)

// convBenchShapes are AlexNet's convolutions, per image and group: conv1 on the 227×227 image,
// conv2 (one of its two groups) and conv3.
var convBenchShapes = []struct {
	name string
	m    int
	cv   Conv
}{
	{"conv1/m=96,n=3025,k=363", 96, Conv{C: 3, H: 227, W: 227, KH: 11, KW: 11, SH: 4, SW: 4, OutH: 55, OutW: 55}},
	{"conv2/m=128,n=729,k=1200", 128, Conv{C: 48, H: 27, W: 27, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2, OutH: 27, OutW: 27}},
	{"conv3/m=384,n=169,k=2304", 384, Conv{C: 256, H: 13, W: 13, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, OutH: 13, OutW: 13}},
}

// BenchmarkMultiplyPatches measures, on one goroutine and in GFLOP/s (2·m·n·k flops per call), a
// convolution as the generated code ran it before Patches — the im2col matrix written out by
// im2colRows, then Multiply with it as Dense — against Multiply with Patches, which packs B
// straight from the image.
func BenchmarkMultiplyPatches(b *testing.B) {
	for _, s := range convBenchShapes {
		cv := s.cv
		k, n := cv.depth(), cv.cols()
		rng := rand.New(rand.NewPCG(12, 12))
		a, src, c := randSlice(rng, s.m*k), randSlice(rng, cv.C*cv.H*cv.W), make([]float32, s.m*n)
		patches := make([]float32, k*n)
		ep := Epilogue{RowBias: randSlice(rng, s.m), ReLU: true}
		flops := 2 * float64(s.m) * float64(n) * float64(k)
		run := func(b *testing.B, f func()) {
			for b.Loop() {
				f()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		ws := NewWorkspace()
		explicit := Product{M: s.m, N: n, K: k, A: Dense(a, k), B: Dense(patches, n), C: c, LDC: n, Epilogue: ep}
		b.Run("im2col+Dense/"+s.name, func(b *testing.B) {
			run(b, func() {
				im2colRows(patches, src, &cv)
				Multiply(ws, explicit)
			})
		})
		implicit := explicit
		implicit.B = Patches(src, &cv)
		b.Run("Patches/"+s.name, func(b *testing.B) {
			run(b, func() { Multiply(ws, implicit) })
		})
	}
}

// im2colRows is im2col as the generated kernels wrote it before Patches: row by row of the
// output, clearing the padding and copying (at stride 1) or gathering the rest.
func im2colRows(dst, src []float32, cv *Conv) {
	for c := 0; c < cv.C; c++ {
		plane := src[c*cv.H*cv.W : (c+1)*cv.H*cv.W]
		for ky := 0; ky < cv.KH; ky++ {
			for kx := 0; kx < cv.KW; kx++ {
				rows := dst[((c*cv.KH+ky)*cv.KW+kx)*cv.cols():][:cv.cols()]
				x0 := (max(0, cv.PW-kx) + cv.SW - 1) / cv.SW
				x1 := max(x0, min(cv.OutW, (cv.W+cv.PW-kx+cv.SW-1)/cv.SW))
				for oy := 0; oy < cv.OutH; oy++ {
					row := rows[oy*cv.OutW : (oy+1)*cv.OutW]
					iy := oy*cv.SH - cv.PH + ky
					if iy < 0 || iy >= cv.H {
						clear(row)
						continue
					}
					in := plane[iy*cv.W : (iy+1)*cv.W]
					clear(row[:x0])
					if cv.SW == 1 {
						copy(row[x0:x1], in[x0-cv.PW+kx:])
					} else {
						for ox := x0; ox < x1; ox++ {
							row[ox] = in[ox*cv.SW-cv.PW+kx]
						}
					}
					clear(row[x1:])
				}
			}
		}
	}
}
