package runtime

// The micro-kernels. Each computes one mr×nr tile of C from a packed micro-panel of op(A)
// (kc columns of mr values, a[p*mr+i] = op(A)[i][p]) and one of op(B) (kc rows of nr values,
// b[p*nr+j] = op(B)[p][j]), then runs the store step: add the old C (kernelAcc), the column
// bias, clamp at zero (kernelReLU), and write the tile to C with row stride ldc.

// Kernel flags.
const (
	kernelAcc  = 1 << iota // add the tile to C instead of overwriting it
	kernelReLU             // max(0, ·) after the bias
)

// kernelInfo describes a micro-kernel: its tile and the cache blocking that suits it.
// kc bounds the depth of a packed panel (the B micro-panel, kc×nr, and the A micro-panel, mr×kc,
// share L1); mc bounds the rows of the packed A block (mc×kc, kept in L2); nc bounds the columns
// of the packed B block (kc×nc, kept in L3). mc is a multiple of mr and nc of nr.
type kernelInfo struct {
	mr, nr     int
	kc, mc, nc int
}

// kernels lists every micro-kernel with its blocking, indexed by instruction set: the Go twin,
// sgemmKernel6x16AVX2 and sgemmKernel12x32AVX512.
var kernels = [...]kernelInfo{
	ISAGo:     {mr: 4, nr: 8, kc: 256, mc: 128, nc: 1024},
	ISAAVX2:   {mr: 6, nr: 16, kc: 256, mc: 144, nc: 3072},
	ISAAVX512: {mr: 12, nr: 32, kc: 256, mc: 144, nc: 3072},
}

// gemmISA is the instruction set of the GEMM's micro-kernels, dot products, packing transposes
// and store step.
var gemmISA = BestISA()

// sgemmKernelGo is the pure-Go twin of the assembly micro-kernels, for any tile mr×nr:
// it computes, for i < mr and j < nr,
//
//	s := Σ_{p<kc} a[p*mr+i] * b[p*nr+j]
//	if flags&kernelAcc != 0 { s += c[i*ldc+j] }
//	if colBias != nil { s += colBias[j] }
//	if flags&kernelReLU != 0 && s < 0 { s = 0 }
//	c[i*ldc+j] = s
//
// summing over p in order, as the assembly does (up to fused multiply-add rounding).
func sgemmKernelGo(mr, nr, kc int, a, b, c []float32, ldc int, colBias []float32, flags int) {
	var acc [maxTile]float32
	t := acc[:mr*nr]
	a, b = a[:kc*mr], b[:kc*nr]
	for p := 0; p < kc; p++ {
		ap, bp := a[p*mr:][:mr], b[p*nr:][:nr]
		for i, av := range ap {
			ti := t[i*nr:][:nr]
			for j, bv := range bp {
				ti[j] += av * bv
			}
		}
	}
	storeTile(t, nr, mr, nr, c, ldc, colBias, flags)
}

// maxTile is the largest mr×nr among kernels.
const maxTile = 12 * 32

// storeTile is the store step on an mr×nr tile t with row stride tld: it applies flags and the
// column bias (as sgemmKernelGo describes) and writes the result to c with row stride ldc. Edge
// tiles, which the assembly kernels compute into a scratch tile, go through it too. It runs in
// the assembly of gemmISA (storeTileAsm) for tiles up to two vectors wide: 32 columns in
// AVX-512, 16 in AVX2.
func storeTile(t []float32, tld, mr, nr int, c []float32, ldc int, colBias []float32, flags int) {
	if mr <= 0 || nr <= 0 || storeTileAsm(t, tld, mr, nr, c, ldc, colBias, flags) {
		return
	}
	storeTileGo(t, tld, mr, nr, c, ldc, colBias, flags)
}

// storeTileGo is storeTile in Go: the twin of the assembly.
func storeTileGo(t []float32, tld, mr, nr int, c []float32, ldc int, colBias []float32, flags int) {
	if colBias != nil {
		colBias = colBias[:nr]
	}
	for i := 0; i < mr; i++ {
		ti, ci := t[i*tld:][:nr], c[i*ldc:][:nr]
		for j, s := range ti {
			if flags&kernelAcc != 0 {
				s += ci[j]
			}
			if colBias != nil {
				s += colBias[j]
			}
			if flags&kernelReLU != 0 && s < 0 {
				s = 0
			}
			ci[j] = s
		}
	}
}
