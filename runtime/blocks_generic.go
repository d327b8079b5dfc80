//go:build !amd64 || noasm

package runtime

func toBlocksAsm(dst, src []float32, stride, n, count int) bool                 { return false }
func fromBlocksAsm(dst []float32, stride int, src []float32, n, count int) bool { return false }
