package asm_test

import (
	"testing"

	"github.com/netc-project/netc/codegen/asm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShare: kernels whose geometries agree but for their names, docs and users are emitted once,
// the first's name serving every caller and its users naming them all; a kernel that differs in
// any field stays its own, the Winograd algorithm compared by value (two of F(2×2, 3×3) are one,
// F(4×4, 3×3) another).
func TestShare(t *testing.T) {
	a := geometry("a", 3, 16, 15, 15, 3, 1, 13, 4, 6, true).kernel
	b := a
	b.Name, b.Doc, b.Users = "b", "another doc", []string{"b's step"}
	c := a
	c.Name, c.ReLU = "c", false
	f1, err := asm.NewWinograd(2, 3)
	require.NoError(t, err)
	f2, err := asm.NewWinograd(2, 3)
	require.NoError(t, err)
	in1 := asm.WinoIn{Name: "in1", F: f1, Tiles: 7, InPixStride: 16, InRowStride: 256, Users: []string{"x"}}
	in2 := in1
	in2.Name, in2.F, in2.Users = "in2", f2, []string{"y"}
	in3 := in1
	in3.Name, in3.Grad = "in3", true
	f4, err := asm.NewWinograd(4, 3)
	require.NoError(t, err)
	in4 := in1
	in4.Name, in4.F = "in4", f4
	shared, names := asm.Share([]asm.Kernel{&a, &b, &c, &in1, &in2, &in3, &in4})
	assert.Equal(t, []asm.Kernel{&a, &c, &in1, &in3, &in4}, shared)
	assert.Equal(t, map[string]string{"a": "a", "b": "a", "c": "c", "in1": "in1", "in2": "in1", "in3": "in3", "in4": "in4"}, names)
	assert.Equal(t, []string{"TestConvKernels", "b's step"}, a.Users)
	assert.Equal(t, []string{"x", "y"}, in1.Users)
}
