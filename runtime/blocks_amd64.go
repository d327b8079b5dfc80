//go:build !noasm

package runtime

// toBlocksAVX512 is ToBlocks on checked arguments, count > 0.
//
//go:noescape
func toBlocksAVX512(dst, src *float32, stride, n, count int)

// fromBlocksAVX512 is FromBlocks on checked arguments, n > 0 and count > 0.
//
//go:noescape
func fromBlocksAVX512(dst *float32, stride int, src *float32, n, count int)

// toBlocksAVX2 is toBlocksAVX512 in AVX2: per eight pixels and eight planes, an 8×8 transpose
// (two 4×4 transposes within the 128-bit lanes of registers holding four values of a plane and
// the same four of the plane four after it), the last count%8 pixels through VMASKMOVPS.
//
//go:noescape
func toBlocksAVX2(dst, src *float32, stride, n, count int)

// fromBlocksAVX2 is fromBlocksAVX512 in AVX2, with toBlocksAVX2's 8×8 transpose the other way,
// the last count%8 pixels through VMASKMOVPS.
//
//go:noescape
func fromBlocksAVX2(dst *float32, stride int, src *float32, n, count int)

func toBlocksAsm(dst, src []float32, stride, n, count int) bool {
	p := &dst[0] // src may be empty when n is 0
	q := p
	if n > 0 {
		q = &src[0]
	}
	switch blocksISA {
	case ISAAVX512:
		toBlocksAVX512(p, q, stride, n, count)
	case ISAAVX2:
		toBlocksAVX2(p, q, stride, n, count)
	default:
		return false
	}
	return true
}

func fromBlocksAsm(dst []float32, stride int, src []float32, n, count int) bool {
	switch blocksISA {
	case ISAAVX512:
		fromBlocksAVX512(&dst[0], stride, &src[0], n, count)
	case ISAAVX2:
		fromBlocksAVX2(&dst[0], stride, &src[0], n, count)
	default:
		return false
	}
	return true
}
