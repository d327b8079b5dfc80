package modeltest

import "testing"

// Learner is a Model that trains: what TrainStep's benchmark and allocation check need.
type Learner interface {
	Model
	TrainStep(x []float32, labels []int32, n int) float32
}

// Labels returns n labels in [0, classes), deterministically.
func Labels(n, classes int) []int32 {
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32((i*7919 + 13) % classes)
	}
	return labels
}

// CheckTrainNoAllocs checks that TrainStep allocates nothing once its buffers exist.
func CheckTrainNoAllocs(t *testing.T, m Learner, size, classes, n int) {
	t.Helper()
	x, labels := Input(n, size, 1), Labels(n, classes)
	m.TrainStep(x, labels, n)
	if allocs := testing.AllocsPerRun(2, func() { m.TrainStep(x, labels, n) }); allocs != 0 {
		t.Fatalf("TrainStep(n=%d) allocates %.0f times", n, allocs)
	}
}

// BenchmarkTrainStep runs TrainStep on n images per op and reports images/s and GFLOP/s, counting
// a training step as 3× the forward FLOPs (forward, and the two GEMMs of the backward pass).
func BenchmarkTrainStep(b *testing.B, m Learner, size, classes, n int, flopsPerImage float64) {
	x, labels := Input(n, size, 1), Labels(n, classes)
	m.TrainStep(x, labels, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.TrainStep(x, labels, n)
	}
	sec := b.Elapsed().Seconds()
	images := float64(b.N * n)
	b.ReportMetric(images/sec, "img/s")
	b.ReportMetric(3*images*flopsPerImage/sec/1e9, "GFLOP/s")
}
