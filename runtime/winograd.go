package runtime

import "fmt"

// winogradISA is the instruction set of WinogradSandwich.
var winogradISA = BestISA()

// winogradLanes is how many matrices WinogradSandwich transforms side by side: a block of output
// channels of the channel-blocked layout.
const winogradLanes = 16

// WinogradSandwich sets u to L·X·Lᵀ for 16 matrices side by side (a block of channels of the
// channel-blocked layout), in float64: the transforms of Winograd's minimal filtering that the
// generated code applies to the weights, U = G g Gᵀ (L = G, α×r), and to the weight gradient in
// the transform's domain, dW = Gᵀ dU G (L = Gᵀ). X is n×n, entry (a, b) of matrix o at
// x[(a·n+b)·16 + o]; L is k×n, row-major; u is k×k, laid out as X; t, k×n as X, holds T = L·X,
// the first half. Each entry of T and U is the sum, in the order of L's row, of the products of
// its nonzero coefficients (a NaN is nonzero), each product and sum rounded (no fused
// multiply-adds), in AVX-512 or AVX2 where the CPU has them, bit for bit as the Go twin
// (winogradSandwichGo) but for a NaN's payload. It panics if a slice is shorter than its
// matrices.
func WinogradSandwich(u, t, x, l []float64, k, n int) {
	if k < 1 || n < 1 || len(u) < k*k*winogradLanes || len(t) < k*n*winogradLanes || len(x) < n*n*winogradLanes || len(l) < k*n {
		panic(fmt.Sprintf("runtime: WinogradSandwich of %d×%d and %d×%d matrices on slices of %d, %d, %d and %d values",
			k, n, n, n, len(u), len(t), len(x), len(l)))
	}
	if !winogradSandwichAsm(u, t, x, l, k, n) {
		winogradSandwichGo(u, t, x, l, k, n)
	}
}

// winogradSandwichGo is WinogradSandwich in Go: the twin of the assembly.
func winogradSandwichGo(u, t, x, l []float64, k, n int) {
	const lanes = winogradLanes
	for i := range k {
		for j := range n {
			ti := t[(i*n+j)*lanes:][:lanes]
			clear(ti)
			for kk, v := range l[i*n : (i+1)*n] {
				if v == 0 {
					continue
				}
				xk := x[(kk*n+j)*lanes:][:lanes]
				for o := range lanes {
					ti[o] += float64(v * xk[o])
				}
			}
		}
	}
	for i := range k {
		for j := range k {
			ui := u[(i*k+j)*lanes:][:lanes]
			clear(ui)
			for kk, v := range l[j*n : (j+1)*n] {
				if v == 0 {
					continue
				}
				tk := t[(i*n+kk)*lanes:][:lanes]
				for o := range lanes {
					ui[o] += float64(v * tk[o])
				}
			}
		}
	}
}
