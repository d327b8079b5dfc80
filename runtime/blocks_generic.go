//go:build !amd64 || noasm

package runtime

// blocksISA is isaGo in this build: ToBlocks and FromBlocks run their Go twins.
var blocksISA = isaGo

func toBlocksAsm(dst, src []float32, stride, n, count int) bool                 { return false }
func fromBlocksAsm(dst []float32, stride int, src []float32, n, count int) bool { return false }
