package codegen_test

import (
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/netc-project/netc/codegen"
	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/require"
)

// longSpec is a network of n fully connected layers of 2 features: the longest network per byte
// of spec, and so the test of how compiling scales with its size.
func longSpec(n int) []byte {
	return []byte("network long\ninput 1x1x1\nclasses 2\n" + strings.Repeat("fc 2\n", n) + "softmax\n")
}

// TestCompileScalesLinearly: checking and lowering a spec of 40,000 layers, and generating the
// package of 10,000, take at most 8 times as long as for a quarter as many layers — 4 times is
// linear, 16 quadratic (as generating was: 2.6, 10.2 and 28.7 s for 1,000, 2,000 and 4,000
// layers). Each time is the best of a few runs, and a failing ratio is measured once more, so
// that a busy machine does not fail the test; it is skipped with -short.
func TestCompileScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: compiles tens of thousands of layers")
	}
	best := func(runs int, f func()) time.Duration {
		d := time.Duration(1 << 62)
		for range runs {
			goruntime.GC()
			start := time.Now()
			f()
			d = min(d, time.Since(start))
		}
		return d
	}
	compile := func(n int) func() {
		src := longSpec(n)
		return func() {
			_, err := compiler.Compile("long.net", src)
			require.NoError(t, err)
		}
	}
	generate := func(n int) func() {
		src := longSpec(n)
		net, err := compiler.Compile("long.net", src)
		require.NoError(t, err)
		return func() {
			_, err := codegen.Generate(net, codegen.Options{Package: "long", Spec: "long.net", Source: src})
			require.NoError(t, err)
		}
	}
	for _, c := range []struct {
		what       string
		small, big int
		f          func(int) func()
	}{
		{"compile", 10_000, 40_000, compile},
		{"generate", 2_500, 10_000, generate},
	} {
		var ratio float64
		for try := 0; try < 2 && (try == 0 || ratio >= 8); try++ { // once more if the machine was busy
			small, big := best(3, c.f(c.small)), best(2, c.f(c.big))
			ratio = float64(big) / float64(small)
			t.Logf("%s: %d layers %v, %d layers %v: ×%.1f", c.what, c.small, small, c.big, big, ratio)
		}
		require.Less(t, ratio, 8.0, "%s grows faster than linearly with the spec", c.what)
	}
}
