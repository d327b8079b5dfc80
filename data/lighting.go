package data

import (
	"image"
	"image/color"
)

// ImageNet's principal components of RGB pixel values in [0, 1], as widely copied from the
// AlexNet paper's training set (fb.resnet.torch, and most reimplementations since): the
// eigenvalues, largest first, and the eigenvectors as the columns of ImageNetEigvec, so that
// ImageNetEigvec[c][i] is channel c of eigenvector i. The first, (−0.5675, −0.5808, −0.5836),
// is brightness.
var (
	ImageNetEigval = [3]float64{0.2175, 0.0188, 0.0045}
	ImageNetEigvec = [3][3]float64{
		{-0.5675, 0.7192, 0.4009},
		{-0.5808, -0.0045, -0.8140},
		{-0.5836, -0.6948, 0.4203},
	}
)

// Lighting returns the paper's colour shift [p1 p2 p3]·[α1λ1, α2λ2, α3λ3]ᵀ, to be added to every
// RGB pixel (in [0, 1]) of one image: p_i are the columns of eigvec and λ_i the eigval, the
// principal components of the training set's pixels, and α_i the image's random draws (N(0, σ)
// each time the image is used; the paper's σ is 0.1).
//
// Because the shift is the same for every pixel, adding it before normalisation is the same as
// subtracting it from the mean: preprocess.ToCHW(img, r, mean − shift, std, dst) writes exactly
// the normalised shifted image, with no extra pass, no clipping and no rounding to 8 bits. That is
// how the Augmenter applies it.
func Lighting(alpha, eigval [3]float64, eigvec [3][3]float64) [3]float64 {
	var shift [3]float64
	for c := range 3 {
		for i := range 3 {
			shift[c] += eigvec[c][i] * alpha[i] * eigval[i]
		}
	}
	return shift
}

// ColorStats accumulates the mean and covariance of RGB values in [0, 1] over the pixels of many
// images, for PCA lighting or for normalisation constants. Each image's sums are exact integers;
// images are merged by Chan et al.'s pairwise update, which stays accurate over millions of them.
// The zero value is empty and ready to use.
type ColorStats struct {
	n    float64       // pixels seen
	mean [3]float64    // mean of each channel
	m2   [3][3]float64 // sum over pixels of (v − mean)(v − mean)ᵀ
}

// Add adds every pixel of img. Translucent pixels count as composited over black.
func (s *ColorStats) Add(img image.Image) {
	// Sums of 16-bit samples and of their products are exact in uint64 up to 2³² pixels; images
	// larger than 2³⁰ pixels (ten times what Load accepts) are added in bands of that size.
	b := img.Bounds()
	const maxBand = 1 << 30
	rows := max(1, maxBand/max(1, b.Dx()))
	for y0 := b.Min.Y; y0 < b.Max.Y; y0 += rows {
		s.addBand(img, image.Rect(b.Min.X, y0, b.Max.X, min(y0+rows, b.Max.Y)))
	}
}

// addBand adds the pixels of the rectangle r of img, at most 2³² of them.
func (s *ColorStats) addBand(img image.Image, r image.Rectangle) {
	var sum [3]uint64
	var prod [3][3]uint64
	add := func(v [3]uint64) {
		for i := range 3 {
			sum[i] += v[i]
			for j := i; j < 3; j++ {
				prod[i][j] += v[i] * v[j]
			}
		}
	}
	switch m := img.(type) {
	case *image.RGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := m.Pix[m.PixOffset(r.Min.X, y):]
			for x := range r.Dx() {
				p := row[4*x : 4*x+3 : 4*x+3]
				add([3]uint64{uint64(p[0]) * 257, uint64(p[1]) * 257, uint64(p[2]) * 257})
			}
		}
	default:
		rgba64, _ := img.(image.RGBA64Image)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				var px color.RGBA64
				if rgba64 != nil {
					px = rgba64.RGBA64At(x, y)
				} else {
					cr, cg, cb, _ := img.At(x, y).RGBA()
					px = color.RGBA64{R: uint16(cr), G: uint16(cg), B: uint16(cb)}
				}
				add([3]uint64{uint64(px.R), uint64(px.G), uint64(px.B)})
			}
		}
	}
	n := float64(r.Dx() * r.Dy())
	if n == 0 {
		return
	}
	// This band's mean and centred sums of products, in [0, 1] units: Σ(v−m)(v−m)ᵀ = Σvvᵀ − n·mmᵀ.
	const unit = 65535.0
	var mean [3]float64
	var m2 [3][3]float64
	for i := range 3 {
		mean[i] = float64(sum[i]) / n / unit
	}
	for i := range 3 {
		for j := i; j < 3; j++ {
			m2[i][j] = float64(prod[i][j])/(unit*unit) - n*mean[i]*mean[j]
			m2[j][i] = m2[i][j]
		}
	}
	// Merge (Chan, Golub and LeVeque): the cross term accounts for the distance between means.
	total := s.n + n
	var delta [3]float64
	for i := range 3 {
		delta[i] = mean[i] - s.mean[i]
	}
	for i := range 3 {
		for j := range 3 {
			s.m2[i][j] += m2[i][j] + delta[i]*delta[j]*s.n*n/total
		}
	}
	for i := range 3 {
		s.mean[i] += delta[i] * n / total
	}
	s.n = total
}

// Mean returns the mean of each channel over the pixels added, in [0, 1]; zero if none were.
func (s *ColorStats) Mean() [3]float64 { return s.mean }

// Covariance returns the 3×3 covariance of the pixels' RGB values, in [0, 1] units, dividing by
// the number of pixels (the population covariance); zero if none were added.
func (s *ColorStats) Covariance() [3][3]float64 {
	var cov [3][3]float64
	if s.n == 0 {
		return cov
	}
	for i := range 3 {
		for j := range 3 {
			cov[i][j] = s.m2[i][j] / s.n
		}
	}
	return cov
}

// PCA returns the principal components of the RGB values (in [0, 1]) of every pixel of images:
// the eigenvalues of their covariance, largest first, and the eigenvectors as the columns of
// eigvec, in the layout of ImageNetEigval and ImageNetEigvec, ready for Lighting. For a data set
// too big to hold in memory, add its images to a ColorStats one by one and call
// EigenSym(stats.Covariance()).
func PCA(images []image.Image) (eigval [3]float64, eigvec [3][3]float64) {
	var s ColorStats
	for _, img := range images {
		s.Add(img)
	}
	return EigenSym(s.Covariance())
}
