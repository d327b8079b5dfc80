//go:build !amd64 || noasm

package runtime

// maxArgmax is the Go twin in this build.
func maxArgmax(best *[16]float32, at *[16]int32, x []float32, ix0 *[16]int32, iy0 int, p *Pool) {
	maxArgmaxGo(best, at, x, ix0, iy0, p)
}

func maxPoolRow(y, x []float32, n, kh, kw, sw, row int) { panic("runtime: no assembly in this build") }

func maxPoolBackRow(dx, x, dy []float32, n, kh, kw, sw, row int) {
	panic("runtime: no assembly in this build")
}
