package modeltest

import (
	"fmt"
	goruntime "runtime"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/runtime"
)

// CheckMemory checks that what a generated package allocates is what the compiler's lowering
// plan says it does (compiler.Network.Memory, which `netc check -v` prints): newModel's fixed
// memory (parameters with their gradients and momentum, relaid weights, each worker's scratch
// and partial sums, plus the runtime's GEMM workspaces, measured here) and the memory of the
// first Forward of batch images (activations, gradients, masks, losses). Allocations are
// measured as the growth of runtime.MemStats.TotalAlloc, so the test must not run in parallel
// with others; each must agree to within 1% and 64 KiB (the allocator rounds sizes up, and the
// model keeps small slices the plan does not count).
func CheckMemory(t testing.TB, newModel func() Model, spec string, batch int) {
	t.Helper()
	net := Compile(t, spec)
	plan := net.Memory(batch)
	workers := runtime.Workers()

	workspace := allocated(func() { runtime.NewWorkspace() })
	var m Model
	fixed := allocated(func() { m = newModel() })
	x := Input(batch, int(net.Input.Size()), 3)
	perBatch := allocated(func() { m.Forward(x, batch, false) })

	agree := func(what string, got, want int64) {
		t.Helper()
		t.Logf("%s: %s allocates %s bytes, the plan says %s", spec, what, compiler.Thousands(got), compiler.Thousands(want))
		if d := got - want; d < -64<<10 || d > 64<<10+want/100 {
			t.Errorf("%s: %s allocates %s bytes, the plan says %s (%s)", spec, what, compiler.Thousands(got), compiler.Thousands(want),
				fmt.Sprintf("%+.2f%%", 100*float64(d)/float64(max(want, 1))))
		}
	}
	agree("New", fixed, plan.Fixed(workers)+int64(workers)*workspace)
	agree(fmt.Sprintf("the first Forward of %d images", batch), perBatch, plan.Batch())
}

// allocated returns the bytes f allocates.
func allocated(f func()) int64 {
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	f()
	goruntime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}
