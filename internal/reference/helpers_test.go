package reference

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/require"
)

// seq returns 1, 2, …, k.
func seq(k int) []float32 {
	x := make([]float32, k)
	for j := range x {
		x[j] = float32(j + 1)
	}
	return x
}

// scaled returns x multiplied by f.
func scaled(x []float32, f float32) []float32 {
	y := make([]float32, len(x))
	for j, v := range x {
		y[j] = v * f
	}
	return y
}

// uniform returns k values drawn uniformly from [−scale, scale).
func uniform(rng *rand.Rand, k int, scale float64) []float32 {
	x := make([]float32, k)
	for j := range x {
		x[j] = float32(scale * (2*rng.Float64() - 1))
	}
	return x
}

// randomParams gives every parameter of net uniform values: weights in ±1/√fan_in, biases in
// ±0.5, so that activations keep a moderate size through the layers.
func randomParams(net *compiler.Network, rng *rand.Rand) map[string][]float32 {
	params := map[string][]float32{}
	for _, l := range net.Layers {
		for _, p := range l.ParamShapes() {
			count, fanIn := 1, 1
			for d, s := range p.Shape {
				count *= s
				if d > 0 {
					fanIn *= s
				}
			}
			scale := 1 / math.Sqrt(float64(fanIn))
			if p.Bias {
				scale = 0.5
			}
			params[p.Name] = uniform(rng, count, scale)
		}
	}
	return params
}

// compileFile compiles the spec at path.
func compileFile(t *testing.T, path string) *compiler.Network {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	return compileSpec(t, path, string(src))
}

// compileSpec compiles the spec src, calling it name.
func compileSpec(t *testing.T, name, src string) *compiler.Network {
	t.Helper()
	net, err := compiler.Compile(name, []byte(src))
	require.NoError(t, err, "spec:\n%s", src)
	return net
}

// mismatches lists the values of got that differ from want by more than
// rel·|want| + floor·max|want|, at most five of them, or returns nil when all agree.
func mismatches[T float32 | float64](got []T, want []float64, rel, floor float64) []string {
	if len(got) != len(want) {
		return []string{fmt.Sprintf("%d values, want %d", len(got), len(want))}
	}
	var biggest float64
	for _, w := range want {
		if !math.IsNaN(w) {
			biggest = max(biggest, math.Abs(w))
		}
	}
	var bad []string
	for j := range want {
		g, w := float64(got[j]), want[j]
		if math.IsNaN(g) && math.IsNaN(w) {
			continue
		}
		if !(math.Abs(g-w) <= rel*math.Abs(w)+floor*biggest) {
			if len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("[%d] = %.9g, want %.9g", j, g, w))
			} else {
				bad[4] = "…"
			}
		}
	}
	return bad
}

// assertValues checks got against hand-computed values, to 1e-6 relative.
func assertValues(t *testing.T, want []float64, got []float32, msgAndArgs ...any) {
	t.Helper()
	if bad := mismatches(got, want, 1e-6, 0); bad != nil {
		t.Errorf("%s: %v\n got %v", fmt.Sprint(msgAndArgs...), bad, got)
	}
}
