package runtime

// SubProduct sets x[i] = x[i] − (c·a[i])·t[i], each operation rounded to float32 as written (no
// fused multiply-add), so that the assembly (product_amd64.s, sixteen values at a time where the
// CPU has AVX-512) gives its Go twin's results bit for bit. It is LRN's backward pass taking the
// terms of a window an input lies in.
func SubProduct(x, a, t []float32, c float32) {
	a, t = a[:len(x)], t[:len(x)]
	done := subProductAsm(x, a, t, c)
	subProductGo(x[done:], a[done:], t[done:], c)
}

// subProductGo is SubProduct in Go: the twin of the assembly, and its tail.
func subProductGo(x, a, t []float32, c float32) {
	a, t = a[:len(x)], t[:len(x)]
	for i := range x {
		p := c * a[i]
		x[i] -= p * t[i]
	}
}
