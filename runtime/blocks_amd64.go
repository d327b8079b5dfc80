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

// useBlocksAVX512 says whether ToBlocks and FromBlocks run in AVX-512; tests turn it off to
// check the Go twins.
var useBlocksAVX512 = hasAVX512

func toBlocksAsm(dst, src []float32, stride, n, count int) bool {
	if !useBlocksAVX512 {
		return false
	}
	p := &dst[0] // src may be empty when n is 0
	q := p
	if n > 0 {
		q = &src[0]
	}
	toBlocksAVX512(p, q, stride, n, count)
	return true
}

func fromBlocksAsm(dst []float32, stride int, src []float32, n, count int) bool {
	if !useBlocksAVX512 {
		return false
	}
	fromBlocksAVX512(&dst[0], stride, &src[0], n, count)
	return true
}
