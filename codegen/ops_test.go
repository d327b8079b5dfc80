package codegen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// opSpecs are small networks at awkward sizes — odd channel counts, strides, padding, groups,
// roundings, even and odd LRN windows, sizes that are not multiples of the GEMM's tiles, the
// channel-blocked layout between convolutions, LRN and pools (blocked), fully connected layers
// on their direct kernels (fcdirect; batches of 33 take a group of 32 and one more), 3×3 and
// 5×5 convolutions by Winograd with each tile size the cost model picks, over tiles that overhang
// the image (b2 with groups, b5, b9 and b10 forced over one tile; c1 and c2 with partial blocks
// and NCHW outputs) — each
// compiled, generated and compared with the reference implementation at several batch sizes.
var opSpecs = map[string]string{
	"convs": `network convs
input 5x13x11
classes 3
rounding floor
c1: conv 7 kernel 3 stride 2 padding 1                -> 7x7x6
c2: conv 9 kernel 5x3 stride 1x2 padding 2x0 bias off -> 9x7x2
    relu
c3: conv 33 kernel 1                                  -> 33x7x2
    relu
fc: fc 3
loss: softmax
`,
	"groups": `network groups
input 6x9x9
classes 4
g1: conv 9 kernel 3 groups 3 padding 1 -> 9x9x9
    relu
g2: conv 66 kernel 3 groups 3          -> 66x7x7
g3: conv 70 kernel 3 stride 2          -> 70x3x3
    relu
fc: fc 4
loss: softmax
`,
	"norms": `network norms
input 7x6x5
classes 5
relu
n1: lrn size 4 alpha 0.3 beta 0.6 k 1.5
n2: lrn size 3 alpha 0.2 beta 1 k 0.5 paper
n3: lrn size 5 alpha 0.1 beta 0.5 k 1
n4: lrn size 1 alpha 0.4 beta 0.75 k 2
fc: fc 17
    relu
    lrn size 3 alpha 0.1 beta 0.75 k 1
    dropout 0.4
out: fc 5
loss: softmax
`,
	"pools": `network pools
input 3x17x15
classes 6
p1: maxpool 3 stride 2 padding 1 rounding ceil -> 3x9x8
    relu
p2: avgpool 3 stride 2 padding 1 rounding ceil -> 3x5x5
p3: maxpool 2 stride 1                         -> 3x4x4
a1: adaptive_avgpool 3x3                       -> 3x3x3
a2: avgpool 2 stride 2 rounding ceil           -> 3x2x2
    flatten
fc: fc 6
loss: softmax
`,
	"tanh": `network tanh
input 3x9x8
classes 4
rounding floor
t0: tanh
c1: conv 5 kernel 3 padding 1 -> 5x9x8
    tanh
p1: maxpool 2                  -> 5x4x4
fc1: fc 11
     tanh
     dropout 0.25
fc2: fc 4
loss: softmax
`,
	"blocked": `network blocked
input 3x15x13
classes 5
rounding floor
b1: conv 32 kernel 5 padding 2 bias off          -> 32x15x13
    relu
b2: conv 32 kernel 3 padding 1 groups 2          -> 32x15x13
    lrn size 5 alpha 0.3 beta 0.75 k 2
b3: maxpool 3 stride 2 padding 1 rounding ceil   -> 32x8x7
b4: maxpool 2 stride 1                           -> 32x7x6
b5: conv 48 kernel 5 padding 2                   -> 48x7x6
    relu
b6: conv 16 kernel 3 stride 2                    -> 16x3x2
b7: conv 16 kernel 1                             -> 16x3x2
    relu
b8: maxpool 2 rounding ceil                      -> 16x2x1
    lrn size 3 alpha 0.2 beta 0.5 k 1
b9: conv 16 kernel 5 padding 2 algorithm winograd -> 16x2x1
b10: conv 16 kernel 3 padding 1 algorithm winograd -> 16x2x1
fc: fc 5
loss: softmax
`,
	"fcdirect": `network fcdirect
input 32x2x2
classes 5
fc1: fc 48
     relu
fc2: fc 16 bias off
fc3: fc 5
loss: softmax
`,
	"gemm": `network gemm
input 64x11x11
classes 37
c1: conv 130 kernel 3 padding 1 -> 130x11x11
    relu
c2: conv 19 kernel 3           -> 19x9x9
p: maxpool 3 stride 3          -> 19x3x3
fc1: fc 517
     relu
fc2: fc 37
loss: softmax
`,
}

// TestOps generates a package per opSpec under testdata/ops (inside the module, so that it may
// use internal packages) and runs its tests, which compare Forward, Backward and Step with the
// reference and with PyTorch.
func TestOps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds several packages")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	var pkgs []string
	var kernels strings.Builder // every package's kernels.go and backward.go, for the algorithms they use
	for name, spec := range opSpecs {
		dir := filepath.Join("testdata", "ops", name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		specPath := filepath.Join(dir, name+".net")
		require.NoError(t, os.WriteFile(specPath, []byte(spec), 0o644))
		cmd := exec.Command("go", "run", "./cmd/netc", "compile", filepath.Join("codegen", specPath), "-o", filepath.Join("codegen", dir), "-pkg", name)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, file := range []string{"kernels.go", "backward.go"} {
			src, err := os.ReadFile(filepath.Join(dir, file))
			require.NoError(t, err)
			kernels.Write(src)
		}
		test := strings.ReplaceAll(opTest, "PKG", name)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+"_test.go"), []byte(test), 0o644))
		pkgs = append(pkgs, "./codegen/"+filepath.ToSlash(dir))
	}
	// The networks take every path of the generated forward passes, and both weight-gradient kernels.
	for _, path := range []string{"kernel columns × ", "input channels × ", "by Winograd's F(2x2,3x3)", "by Winograd's F(2x2,5x5)", "by Winograd's F(3x3,5x5)",
		"by Winograd's F(3x3,3x3)", "by Winograd's F(5x5,3x3)", "copied back to NCHW. The passes over one image"} {
		require.True(t, strings.Contains(kernels.String(), path), "no generated package has %q", path)
	}
	args := append([]string{"test", "-count=1"}, pkgs...)
	if noasm {
		args = append(args, "-tags", "noasm")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("%s", out)
}

const opTest = `package PKG

import (
	"testing"

	"github.com/netc-project/netc/internal/modeltest"
)

func TestForward(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 33} {
		modeltest.CheckForward(t, New(), "PKG.net", n, 1e-4)
	}
	modeltest.CheckBatch(t, New(), InputSize, 65, 1e-5)
}

func TestGradients(t *testing.T) {
	for _, n := range []int{1, 3} {
		modeltest.CheckGradients(t, New(), "PKG.net", n, false, modeltest.GradTol)
		modeltest.CheckGradients(t, New(), "PKG.net", n, true, modeltest.GradTol)
	}
}

func TestSteps(t *testing.T) { modeltest.CheckSteps(t, New(), "PKG.net", 2) }

func TestTorch(t *testing.T) { modeltest.CheckTorch(t, New(), "PKG.net", 2) }

func TestMemory(t *testing.T) {
	modeltest.CheckMemory(t, func() modeltest.Model { return New() }, "PKG.net", 3)
}

func TestNoAllocs(t *testing.T) {
	m := New()
	modeltest.CheckNoAllocs(t, m, InputSize, 3, true)
	modeltest.CheckNoAllocs(t, m, InputSize, 33, false)
	modeltest.CheckTrainNoAllocs(t, New(), InputSize, Classes, 3)
}
`
