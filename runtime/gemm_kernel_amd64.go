//go:build !noasm

package runtime

// sgemmKernel12x32AVX512 is sgemmKernelGo with mr=12, nr=32 in AVX-512: 24 zmm accumulators,
// two 16-lane loads of b and twelve broadcasts of a per step of p. It implements
//
//	for i := 0; i < 12; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*12+i] * b[p*32+j]
//			}
//			if flags&kernelAcc != 0 {
//				s += c[i*ldc+j]
//			}
//			if colBias != nil {
//				s += colBias[j]
//			}
//			if flags&kernelReLU != 0 && s < 0 {
//				s = 0
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
//go:noescape
func sgemmKernel12x32AVX512(kc int, a, b, c *float32, ldc int, colBias *float32, flags int)

// sgemmKernel6x16AVX2 is sgemmKernelGo with mr=6, nr=16 in AVX2 and FMA: 12 ymm accumulators,
// two 8-lane loads of b and six broadcasts of a per step of p. It implements
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*6+i] * b[p*16+j]
//			}
//			if flags&kernelAcc != 0 {
//				s += c[i*ldc+j]
//			}
//			if colBias != nil {
//				s += colBias[j]
//			}
//			if flags&kernelReLU != 0 && s < 0 {
//				s = 0
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
//go:noescape
func sgemmKernel6x16AVX2(kc int, a, b, c *float32, ldc int, colBias *float32, flags int)

// runKernel runs the micro-kernel of gemmISA on one full tile; see sgemmKernelGo for the
// arguments. a, b and c must hold the tile (the callers check), and kc must be positive in
// assembly.
func runKernel(kc int, a, b, c []float32, ldc int, colBias []float32, flags int) {
	var cb *float32
	if colBias != nil {
		cb = &colBias[0]
	}
	switch gemmISA {
	case ISAAVX512:
		sgemmKernel12x32AVX512(kc, &a[0], &b[0], &c[0], ldc, cb, flags)
	case ISAAVX2:
		sgemmKernel6x16AVX2(kc, &a[0], &b[0], &c[0], ldc, cb, flags)
	default:
		k := &kernels[ISAGo]
		sgemmKernelGo(k.mr, k.nr, kc, a, b, c, ldc, colBias, flags)
	}
}

// storeTileAVX512 is storeTileGo in AVX-512 for 1 ≤ nr ≤ 32: each row of the tile as two
// masked vectors of sixteen, the old C, the row bias and the column bias added in storeTileGo's
// order, and max(0, ·) that keeps NaN and −0 as Go's s < 0 test does. colBias may be nil.
//
//go:noescape
func storeTileAVX512(t *float32, tld, mr, nr int, c *float32, ldc int, colBias *float32, flags int)

// storeTileAVX2 is storeTileAVX512 in AVX2 for 1 ≤ nr ≤ 16: each row as two vectors of eight
// through VMASKMOVPS.
//
//go:noescape
func storeTileAVX2(t *float32, tld, mr, nr int, c *float32, ldc int, colBias *float32, flags int)

// storeTileAsm runs the store step of gemmISA on a tile of at most two vectors a row and reports
// whether it did.
func storeTileAsm(t []float32, tld, mr, nr int, c []float32, ldc int, colBias []float32, flags int) bool {
	if gemmISA == ISAGo || nr > 2*gemmISA.Lanes() {
		return false
	}
	_, _ = t[(mr-1)*tld+nr-1], c[(mr-1)*ldc+nr-1]
	var cb *float32
	if colBias != nil {
		_ = colBias[nr-1]
		cb = &colBias[0]
	}
	if gemmISA == ISAAVX512 {
		storeTileAVX512(&t[0], tld, mr, nr, &c[0], ldc, cb, flags)
	} else {
		storeTileAVX2(&t[0], tld, mr, nr, &c[0], ldc, cb, flags)
	}
	return true
}
