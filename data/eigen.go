package data

import (
	"cmp"
	"math"
	"slices"
)

// EigenSym returns the eigen-decomposition of the symmetric 3×3 matrix a: the eigenvalues,
// largest first, and the unit eigenvectors as the columns of eigvec (eigvec[c][i] is component c
// of vector i), so that a = eigvec·diag(eigval)·eigvecᵀ. Each vector's sign is chosen so that its
// largest component (the first, on a tie) is positive; for lighting, whose α_i are symmetric about
// zero, the sign makes no difference. Only the upper triangle of a is read.
//
// It is the cyclic Jacobi method (Numerical Recipes §11.1), written out here rather than taken
// from gonum: for a 3×3 matrix it is a few dozen lines, converges in a handful of sweeps to full
// float64 accuracy, and keeps the package's dependencies to the standard library and x/image.
// Each rotation zeroes one off-diagonal element while keeping the matrix similar to a; the
// product of the rotations accumulates the eigenvectors.
func EigenSym(a [3][3]float64) (eigval [3]float64, eigvec [3][3]float64) {
	for i := range 3 {
		for j := range i {
			a[i][j] = a[j][i]
		}
	}
	v := [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	for sweep := 0; sweep < 50; sweep++ {
		off := a[0][1]*a[0][1] + a[0][2]*a[0][2] + a[1][2]*a[1][2]
		diag := a[0][0]*a[0][0] + a[1][1]*a[1][1] + a[2][2]*a[2][2]
		if off == 0 || off <= 1e-32*diag {
			break
		}
		for p := 0; p < 2; p++ {
			for q := p + 1; q < 3; q++ {
				jacobiRotate(&a, &v, p, q)
			}
		}
	}

	// Sort the pairs by eigenvalue, largest first, and fix each vector's sign.
	order := []int{0, 1, 2}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(a[j][j], a[i][i]) })
	for i, k := range order {
		eigval[i] = a[k][k]
		big := 0
		for c := 1; c < 3; c++ {
			if math.Abs(v[c][k]) > math.Abs(v[big][k]) {
				big = c
			}
		}
		sign := 1.0
		if v[big][k] < 0 {
			sign = -1
		}
		for c := range 3 {
			eigvec[c][i] = sign * v[c][k]
		}
	}
	return eigval, eigvec
}

// jacobiRotate replaces a by JᵀaJ, with J the plane rotation in (p, q) chosen to zero a[p][q],
// and v by vJ.
func jacobiRotate(a, v *[3][3]float64, p, q int) {
	apq := a[p][q]
	if apq == 0 {
		return
	}
	// t = tan φ is the smaller root of t² + 2θt − 1 = 0, so |φ| ≤ π/4 and the rotation disturbs
	// the rest of the matrix as little as possible.
	theta := (a[q][q] - a[p][p]) / (2 * apq)
	var t float64
	if math.Abs(theta) > 1e150 {
		t = 1 / (2 * theta) // θ² would overflow
	} else {
		t = 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
		if theta < 0 {
			t = -t
		}
	}
	c := 1 / math.Sqrt(t*t+1)
	s := t * c
	// a ← a·J, then a ← Jᵀ·a, then v ← v·J.
	for k := range 3 {
		akp, akq := a[k][p], a[k][q]
		a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
	}
	for k := range 3 {
		apk, aqk := a[p][k], a[q][k]
		a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
	}
	a[p][q], a[q][p] = 0, 0 // zero by construction; remove the rounding
	for k := range 3 {
		vkp, vkq := v[k][p], v[k][q]
		v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
	}
}
