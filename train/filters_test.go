package train

import (
	"image"
	"path/filepath"
	"testing"

	"github.com/netc-project/netc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// param returns a parameter of shape whose values count up from 0.
func param(name string, shape ...int) runtime.Param {
	p := runtime.Param{Name: name, Shape: shape}
	p.Data = make([]float32, p.Size())
	for i := range p.Data {
		p.Data[i] = float32(i)
	}
	return p
}

func TestFilterGrid(t *testing.T) {
	// 32 grey 5×5 kernels: 8 columns × 4 rows of 50-pixel tiles (×10).
	img, err := filterGrid(param("conv1.weight", 32, 1, 5, 5))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 8*52+2, 4*52+2), img.Bounds())
	// Each kernel is scaled by its own range: its first value black, its last white.
	for _, f := range []int{0, 9, 31} {
		x0, y0 := 2+(f%8)*52, 2+(f/8)*52
		assert.Equal(t, uint8(0), img.RGBAAt(x0, y0).R, "filter %d", f)
		assert.Equal(t, uint8(255), img.RGBAAt(x0+49, y0+49).R, "filter %d", f)
		assert.Equal(t, filterBackground, img.RGBAAt(x0+50, y0+50), "the gap after filter %d", f)
	}

	// 96 RGB 11×11 kernels, as the paper's conv1: 12 × 8 tiles of 55 pixels (×5), in colour.
	p := param("conv1.weight", 96, 3, 11, 11)
	img, err = filterGrid(p)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 12*57+2, 8*57+2), img.Bounds())
	c := img.RGBAAt(2, 2) // kernel 0's top left: red 0 (its minimum), blue at two thirds of the range
	assert.Equal(t, uint8(0), c.R)
	assert.Equal(t, uint8(85), c.G)
	assert.Equal(t, uint8(170), c.B)

	// A constant kernel is mid grey.
	flat := param("c.weight", 1, 1, 2, 2)
	clear(flat.Data)
	img, err = filterGrid(flat)
	require.NoError(t, err)
	assert.Equal(t, uint8(128), img.RGBAAt(2, 2).R)

	for _, tc := range []struct {
		p    runtime.Param
		want string
	}{
		{param("fc.weight", 10, 20), "fc.weight has shape [10 20]; filters need 4 dimensions"},
		{param("conv2.weight", 8, 4, 3, 3), "conv2.weight: kernels of 4 input channels cannot be drawn"},
		{runtime.Param{Name: "c.weight", Shape: []int{2, 1, 2, 2}, Data: make([]float32, 3)}, "c.weight: 3 values do not fill shape [2 1 2 2]"},
	} {
		_, err := filterGrid(tc.p)
		assert.ErrorContains(t, err, tc.want)
	}
}

func TestGridColumns(t *testing.T) {
	for n, want := range map[int]int{1: 1, 4: 2, 10: 5, 32: 8, 64: 8, 96: 12, 7: 3, 13: 4} {
		assert.Equal(t, want, gridColumns(n), "%d tiles", n)
	}
}

func TestWriteFiltersAndPlot(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.png")
	require.NoError(t, WriteFilters(path, param("conv1.weight", 6, 3, 3, 3)))
	img := decodePNG(t, path)
	assert.Equal(t, image.Rect(0, 0, 3*50+2, 2*50+2), img.Bounds())
	require.ErrorContains(t, WriteFilters(filepath.Join(dir, "g.png"), param("fc.weight", 3, 3)), "g.png: fc.weight")
	assertOnly(t, dir, "f.png")

	_, st := trained()
	path = filepath.Join(dir, "curves.png")
	require.NoError(t, WritePlot(path, st.History))
	img = decodePNG(t, path)
	assert.Equal(t, image.Rect(0, 0, 960, 384), img.Bounds())
	require.NoError(t, WritePlot(path, st.History[:1]), "one epoch")
	require.ErrorContains(t, WritePlot(path, nil), "no epoch to plot")
}
