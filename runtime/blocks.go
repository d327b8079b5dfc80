package runtime

import "fmt"

// The channel-blocked layout keeps 16 channels of a pixel side by side, one AVX-512 vector; NCHW
// keeps each channel's plane. ToBlocks and FromBlocks convert up to 16 planes of count values
// (a row, or a whole plane) between the two: a 16×16 transpose per 16 values of each plane, in
// AVX-512 where the CPU has it, else four 8×8 transposes per 16 in AVX2 where it has that.

// blocksISA is the instruction set ToBlocks and FromBlocks run in.
var blocksISA = BestISA()

// ToBlocks lays out n ≤ 16 planes of src, plane l at src[l·stride:], count values each, as
// count vectors of 16 channels:
//
//	dst[p·16 + l] = src[l·stride + p]  for p < count, l < n
//	dst[p·16 + l] = 0                  for p < count, n ≤ l < 16
func ToBlocks(dst, src []float32, stride, n, count int) {
	checkBlocks("ToBlocks", len(dst), len(src), stride, n, count)
	if count == 0 || toBlocksAsm(dst, src, stride, n, count) {
		return
	}
	toBlocksGo(dst, src, stride, n, count)
}

// FromBlocks is ToBlocks' inverse for the first n channels: dst[l·stride + p] = src[p·16 + l]
// for p < count, l < n. It writes nothing else.
func FromBlocks(dst []float32, stride int, src []float32, n, count int) {
	checkBlocks("FromBlocks", len(src), len(dst), stride, n, count)
	if count == 0 || n == 0 || fromBlocksAsm(dst, stride, src, n, count) {
		return
	}
	fromBlocksGo(dst, stride, src, n, count)
}

// checkBlocks panics unless the blocked side holds count vectors and the planes side n planes
// of count values, stride apart.
func checkBlocks(what string, blocked, planes, stride, n, count int) {
	switch {
	case n < 0 || n > 16 || count < 0:
		panic(fmt.Sprintf("runtime: %s of %d planes of %d values; 0 to 16 planes", what, n, count))
	case blocked < 16*count:
		panic(fmt.Sprintf("runtime: %s: %d blocked values, want %d", what, blocked, 16*count))
	case n > 0 && count > 0 && (stride < count || planes < (n-1)*stride+count):
		panic(fmt.Sprintf("runtime: %s: %d values for %d planes of %d, %d apart", what, planes, n, count, stride))
	}
}

// toBlocksGo is ToBlocks' Go twin.
func toBlocksGo(dst, src []float32, stride, n, count int) {
	for p := range count {
		v := dst[p*16 : p*16+16]
		for l := range n {
			v[l] = src[l*stride+p]
		}
		clear(v[n:])
	}
}

// fromBlocksGo is FromBlocks' Go twin.
func fromBlocksGo(dst []float32, stride int, src []float32, n, count int) {
	for l := range n {
		d := dst[l*stride : l*stride+count]
		for p := range d {
			d[p] = src[p*16+l]
		}
	}
}
