//go:build !amd64 || noasm

package runtime

// dot4x4 is sgemmDotGo in this build.
func dot4x4(k int, a, b *[4][]float32, out *[16]float32) { sgemmDotGo(k, a, b, out) }

// dot is dotGo in this build.
func dot(k int, a, b []float32) float32 { return dotGo(k, a, b) }
