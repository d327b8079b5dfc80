package data

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLightingFormula checks Lighting against the paper's formula written out for a fixed α:
// the shift is α1λ1·p1 + α2λ2·p2 + α3λ3·p3, the p_i being ImageNetEigvec's columns.
func TestLightingFormula(t *testing.T) {
	alpha := [3]float64{0.1, -0.2, 0.05}
	p1 := [3]float64{-0.5675, -0.5808, -0.5836}
	p2 := [3]float64{0.7192, -0.0045, -0.6948}
	p3 := [3]float64{0.4009, -0.8140, 0.4203}
	var want [3]float64
	for c := range 3 {
		want[c] = 0.1*0.2175*p1[c] + -0.2*0.0188*p2[c] + 0.05*0.0045*p3[c]
	}
	got := Lighting(alpha, ImageNetEigval, ImageNetEigvec)
	assert.InDeltaSlice(t, want[:], got[:], 1e-15)
	assert.Equal(t, [3]float64{}, Lighting([3]float64{}, ImageNetEigval, ImageNetEigvec))
}

// TestLightingInAugmenter checks the Augmenter's lighting, for a fixed α, against the formula
// applied to each pixel: (v/255 + shift[c] − mean[c]) / std[c].
func TestLightingInAugmenter(t *testing.T) {
	aug := compiler.Augment{Set: true, Lighting: 0.1, Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225}, Eval: compiler.EvalCenter}
	a, err := NewAugmenter(aug, compiler.Shape{C: 3, H: 3, W: 4})
	require.NoError(t, err)
	src := positions(4, 3)
	alpha := [3]float64{0.3, -0.1, 0.2}
	shift := Lighting(alpha, ImageNetEigval, ImageNetEigvec)

	got := make([]float32, 3*3*4)
	a.write(src, choice{rect: src.Bounds(), alpha: alpha}, got)
	for y := range 3 {
		for x := range 4 {
			v := [3]float64{float64(x + 1), float64(y + 1), 200}
			for c := range 3 {
				want := (v[c]/255 + shift[c] - aug.Mean[c]) / aug.Std[c]
				assert.InDelta(t, want, chw(got, 4, 3, c, x, y), 1e-6)
			}
		}
	}
}

// TestImageNetEigvec checks that the published eigenvectors, the columns, are orthonormal to the
// four decimals they are given to.
func TestImageNetEigvec(t *testing.T) {
	for i := range 3 {
		for j := range 3 {
			dot := 0.0
			for c := range 3 {
				dot += ImageNetEigvec[c][i] * ImageNetEigvec[c][j]
			}
			want := 0.0
			if i == j {
				want = 1
			}
			assert.InDelta(t, want, dot, 2e-4, "p%d·p%d", i+1, j+1)
		}
	}
}

// rotation returns the rotation by angle about the unit vector along axis (Rodrigues' formula).
func rotation(axis [3]float64, angle float64) [3][3]float64 {
	n := math.Sqrt(axis[0]*axis[0] + axis[1]*axis[1] + axis[2]*axis[2])
	x, y, z := axis[0]/n, axis[1]/n, axis[2]/n
	c, s := math.Cos(angle), math.Sin(angle)
	return [3][3]float64{
		{c + x*x*(1-c), x*y*(1-c) - z*s, x*z*(1-c) + y*s},
		{y*x*(1-c) + z*s, c + y*y*(1-c), y*z*(1-c) - x*s},
		{z*x*(1-c) - y*s, z*y*(1-c) + x*s, c + z*z*(1-c)},
	}
}

// compose returns q·diag(λ)·qᵀ.
func compose(q [3][3]float64, lambda [3]float64) [3][3]float64 {
	var a [3][3]float64
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				a[i][j] += q[i][k] * lambda[k] * q[j][k]
			}
		}
	}
	return a
}

// checkEigen checks that eigval and eigvec decompose a, with eigenvalues close to want (sorted,
// largest first) and orthonormal eigenvectors.
func checkEigen(t *testing.T, a [3][3]float64, want, eigval [3]float64, eigvec [3][3]float64) {
	t.Helper()
	scale := max(math.Abs(want[0]), math.Abs(want[2]), 1e-300)
	assert.InDeltaSlice(t, want[:], eigval[:], 1e-13*scale, "eigenvalues")
	back := compose(eigvec, eigval)
	for i := range 3 {
		assert.InDeltaSlice(t, a[i][:], back[i][:], 1e-13*scale, "a = VΛVᵀ, row %d", i)
		for j := range 3 {
			dot := eigvec[0][i]*eigvec[0][j] + eigvec[1][i]*eigvec[1][j] + eigvec[2][i]*eigvec[2][j]
			assert.InDelta(t, b2f(i == j), dot, 1e-14, "v%d·v%d", i, j)
		}
	}
}

// b2f is 1 for true and 0 for false.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestEigenSym checks the Jacobi decomposition on matrices with known eigen-decompositions:
// random rotations of random spectra, repeated and zero eigenvalues, and a diagonal matrix.
func TestEigenSym(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		axis := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		q := rotation(axis, rng.Float64()*2*math.Pi)
		lambda := [3]float64{rng.Float64() * 3, rng.Float64() - 0.5, rng.Float64() * 1e-3}
		if trial%3 == 0 {
			lambda[1] = lambda[0] // a repeated eigenvalue
		}
		a := compose(q, lambda)
		eigval, eigvec := EigenSym(a)
		want := lambda
		sortDesc(&want)
		checkEigen(t, a, want, eigval, eigvec)
		if want[0] > want[1]+1e-6 && want[1] > want[2]+1e-6 { // distinct: the vectors are q's columns
			for i := range 3 {
				k := indexOf(lambda, want[i])
				dot := eigvec[0][i]*q[0][k] + eigvec[1][i]*q[1][k] + eigvec[2][i]*q[2][k]
				assert.InDelta(t, 1, math.Abs(dot), 1e-12, "trial %d, vector %d", trial, i)
			}
		}
	}

	// Diagonal, unsorted: the vectors are the axes, sorted with their values.
	eigval, eigvec := EigenSym([3][3]float64{{1, 0, 0}, {0, 3, 0}, {0, 0, 2}})
	assert.Equal(t, [3]float64{3, 2, 1}, eigval)
	assert.Equal(t, [3][3]float64{{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}, eigvec)

	// Zero, and a multiple of the identity.
	eigval, eigvec = EigenSym([3][3]float64{})
	checkEigen(t, [3][3]float64{}, [3]float64{}, eigval, eigvec)
	a := [3][3]float64{{2, 0, 0}, {0, 2, 0}, {0, 0, 2}}
	eigval, eigvec = EigenSym(a)
	checkEigen(t, a, [3]float64{2, 2, 2}, eigval, eigvec)

	// The sign convention: each vector's largest component is positive.
	_, eigvec = EigenSym(compose(ImageNetEigvec, ImageNetEigval))
	for i := range 3 {
		big := 0
		for c := range 3 {
			if math.Abs(eigvec[c][i]) > math.Abs(eigvec[big][i]) {
				big = c
			}
		}
		assert.Positive(t, eigvec[big][i])
	}
}

// sortDesc sorts three values, largest first.
func sortDesc(v *[3]float64) {
	for i := range 3 {
		for j := i + 1; j < 3; j++ {
			if v[j] > v[i] {
				v[i], v[j] = v[j], v[i]
			}
		}
	}
}

// indexOf returns the index of x in v.
func indexOf(v [3]float64, x float64) int {
	for i, y := range v {
		if y == x {
			return i
		}
	}
	return -1
}

// TestPCA builds images whose pixels have an exactly known covariance and checks that PCA
// recovers its eigen-decomposition. The pixels are 128 ± a·u, 128 ± b·v and 128 ± c·w (8-bit
// values) for the orthogonal integer vectors u = (1, 1, 1), v = (1, −1, 0) and w = (1, 1, −2),
// each pair equally often, so the covariance is (a²uuᵀ + b²vvᵀ + c²wwᵀ) / (3·255²), with
// eigenvalues a²|u|², b²|v|², c²|w|² over 3·255² along u, v and w.
func TestPCA(t *testing.T) {
	const a, b, c = 40, 30, 7
	dirs := [3][3]int{{1, 1, 1}, {1, -1, 0}, {1, 1, -2}}
	scales := [3]int{a, b, c}
	var pixels []color.RGBA
	for i, d := range dirs {
		for _, sign := range []int{1, -1} {
			k := sign * scales[i]
			pixels = append(pixels, color.RGBA{uint8(128 + k*d[0]), uint8(128 + k*d[1]), uint8(128 + k*d[2]), 255})
		}
	}
	// Spread the six pixels over three images of different sizes and types, repeated.
	img1 := image.NewRGBA(image.Rect(0, 0, 6, 2))
	for i := range 12 {
		img1.SetRGBA(i%6, i/6, pixels[i%6])
	}
	img2 := image.NewNRGBA(image.Rect(5, 5, 8, 7))
	for i := range 6 {
		img2.Set(5+i%3, 5+i/3, pixels[i])
	}
	img3 := image.NewRGBA(image.Rect(0, 0, 1, 6))
	for i := range 6 {
		img3.SetRGBA(0, i, pixels[(i+3)%6])
	}
	eigval, eigvec := PCA([]image.Image{img1, img2, img3})

	const unit = 3 * 255 * 255
	want := [3]float64{a * a * 3 / float64(unit), b * b * 2 / float64(unit), c * c * 6 / float64(unit)}
	assert.InDeltaSlice(t, want[:], eigval[:], 1e-15)
	for i, d := range dirs {
		n := math.Sqrt(float64(d[0]*d[0] + d[1]*d[1] + d[2]*d[2]))
		dot := (float64(d[0])*eigvec[0][i] + float64(d[1])*eigvec[1][i] + float64(d[2])*eigvec[2][i]) / n
		assert.InDelta(t, 1, math.Abs(dot), 1e-12, "vector %d", i)
	}

	var s ColorStats
	s.Add(img1)
	mean := s.Mean()
	assert.InDeltaSlice(t, []float64{128.0 / 255, 128.0 / 255, 128.0 / 255}, mean[:], 1e-15)
}

// TestColorStatsMerge checks that adding an image in parts gives the statistics of the whole.
func TestColorStatsMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	img := image.NewRGBA(image.Rect(0, 0, 31, 17))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	var whole, parts ColorStats
	whole.Add(img)
	for _, r := range []image.Rectangle{image.Rect(0, 0, 31, 5), image.Rect(0, 5, 10, 17), image.Rect(10, 5, 31, 17)} {
		parts.Add(img.SubImage(r))
	}
	wm, pm := whole.Mean(), parts.Mean()
	assert.InDeltaSlice(t, wm[:], pm[:], 1e-14)
	wc, pc := whole.Covariance(), parts.Covariance()
	for i := range 3 {
		assert.InDeltaSlice(t, wc[i][:], pc[i][:], 1e-14)
	}
	// The empty statistics are zero, not NaN.
	var empty ColorStats
	assert.Equal(t, [3][3]float64{}, empty.Covariance())
}
