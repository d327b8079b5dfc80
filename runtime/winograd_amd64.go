//go:build !noasm

package runtime

// winogradSandwichAVX512 implements winogradSandwichGo for k×n coefficients at l and sixteen
// matrices side by side at u, t and x (two vectors of eight float64 a row of lanes), the same
// products and sums in the same order.
//
//go:noescape
func winogradSandwichAVX512(u, t, x, l *float64, k, n int)

// winogradSandwichAVX2 is winogradSandwichAVX512 in AVX2, four vectors of four float64 a row of
// lanes.
//
//go:noescape
func winogradSandwichAVX2(u, t, x, l *float64, k, n int)

// winogradSandwichAsm runs the sandwich in assembly where winogradISA has it, and reports
// whether it did.
func winogradSandwichAsm(u, t, x, l []float64, k, n int) bool {
	switch winogradISA {
	case ISAAVX512:
		winogradSandwichAVX512(&u[0], &t[0], &x[0], &l[0], k, n)
	case ISAAVX2:
		winogradSandwichAVX2(&u[0], &t[0], &x[0], &l[0], k, n)
	default:
		return false
	}
	return true
}
