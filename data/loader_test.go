package data

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flatDataset returns n grey 6×4 images, image i all of value i, with label i mod 10: a crop
// of image i, mirrored or not, is all i/255, so a batch's values say which example they are.
func flatDataset(n int) *Dataset {
	d := &Dataset{}
	for i := range n {
		g := image.NewGray(image.Rect(0, 0, 6, 4))
		for j := range g.Pix {
			g.Pix[j] = uint8(i)
		}
		d.Images = append(d.Images, g)
		d.Labels = append(d.Labels, int32(i%10))
	}
	return d
}

// greyAugmenter crops 4×4 at random from 6×4 (whose shorter side is the input's, so that it is not
// scaled) and flips: randomness the batches must reproduce.
func greyAugmenter(t *testing.T, eval compiler.EvalCrops) *Augmenter {
	a, err := NewAugmenter(compiler.Augment{Set: true, Crop: 4, Flip: true, Std: [3]float64{1, 1, 1}, Eval: eval}, compiler.Shape{C: 1, H: 4, W: 4})
	require.NoError(t, err)
	return a
}

// snapshot is a copy of a Batch, which the Loader recycles.
type snapshot struct {
	X              []float32
	Labels         []int32
	Indices        []int
	N, Epoch, Step int
}

// drain reads every batch of l, until io.EOF.
func drain(t *testing.T, l *Loader) []snapshot {
	var out []snapshot
	for {
		b, err := l.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, snapshot{slices.Clone(b.X), slices.Clone(b.Labels), slices.Clone(b.Indices), b.N, b.Epoch, b.Step})
	}
}

// TestLoaderDeterminism checks that the same seed gives the same batches, in the same order,
// whatever the number of workers and buffers, and that another seed does not.
func TestLoaderDeterminism(t *testing.T) {
	src, aug := flatDataset(37), greyAugmenter(t, compiler.EvalCenter)
	run := func(seed uint64, workers, prefetch int) []snapshot {
		l, err := NewLoader(context.Background(), src, aug, LoaderConfig{Batch: 8, Seed: seed, Train: true, Epochs: 3, Workers: workers, Prefetch: prefetch})
		require.NoError(t, err)
		defer l.Close()
		return drain(t, l)
	}
	first := run(42, 2, 0)
	require.Len(t, first, 15) // 3 epochs of 5 batches: 8, 8, 8, 8, 5
	assert.Equal(t, first, run(42, 2, 0))
	assert.Equal(t, first, run(42, 3, 1))
	assert.Equal(t, first, run(42, 1, 5))
	other := run(43, 2, 0)
	assert.NotEqual(t, first[0].Indices, other[0].Indices)

	// The crops and flips differ from example to example: not every image is the same crop.
	// (Here a crop of image i is all i/255 whatever it is, so look at the augmentation through
	// a source whose images are not flat.)
	pos := &Dataset{Images: []image.Image{positions(6, 4), positions(6, 4)}, Labels: []int32{0, 1}}
	rgb, err := NewAugmenter(compiler.Augment{Set: true, Crop: 4, Flip: true, Std: [3]float64{1, 1, 1}, Eval: compiler.EvalCenter}, compiler.Shape{C: 3, H: 4, W: 4})
	require.NoError(t, err)
	l, err := NewLoader(context.Background(), pos, rgb, LoaderConfig{Batch: 2, Seed: 1, Train: true, Epochs: 8, Workers: 2})
	require.NoError(t, err)
	defer l.Close()
	distinct := map[string]bool{}
	for _, b := range drain(t, l) {
		for j := range b.N {
			distinct[fmt.Sprint(b.X[j*48:(j+1)*48])] = true
		}
	}
	assert.Greater(t, len(distinct), 4, "distinct augmented images in 16 uses")
}

// TestLoaderEpochs checks that each epoch holds every example exactly once, in a new order,
// each with its own label and pixels, and the short last batch.
func TestLoaderEpochs(t *testing.T) {
	const n = 37
	src, aug := flatDataset(n), greyAugmenter(t, compiler.EvalCenter)
	l, err := NewLoader(context.Background(), src, aug, LoaderConfig{Batch: 8, Seed: 7, Train: true, Epochs: 3, Workers: 2})
	require.NoError(t, err)
	defer l.Close()
	assert.Equal(t, 5, l.StepsPerEpoch())
	batches := drain(t, l)
	var orders [3][]int
	for k, b := range batches {
		assert.Equal(t, k/5, b.Epoch)
		assert.Equal(t, k%5, b.Step)
		want := 8
		if b.Step == 4 {
			want = n - 32
		}
		require.Equal(t, want, b.N)
		require.Len(t, b.X, want*16)
		for j, i := range b.Indices {
			assert.Equal(t, int32(i%10), b.Labels[j])
			for _, v := range b.X[j*16 : (j+1)*16] {
				require.Equal(t, float32(i)/255, v, "example %d in slot %d", i, j)
			}
		}
		orders[b.Epoch] = append(orders[b.Epoch], b.Indices...)
	}
	for e, order := range orders {
		sorted := slices.Sorted(slices.Values(order))
		assert.Equal(t, seq(n), sorted, "epoch %d holds every example once", e)
	}
	assert.NotEqual(t, orders[0], orders[1])
	assert.NotEqual(t, seq(n), orders[0], "shuffled")

	// DropLast leaves out the short batch.
	l2, err := NewLoader(context.Background(), src, aug, LoaderConfig{Batch: 8, Seed: 7, Train: true, Epochs: 1, DropLast: true})
	require.NoError(t, err)
	defer l2.Close()
	assert.Equal(t, 4, l2.StepsPerEpoch())
	assert.Len(t, drain(t, l2), 4)
}

// seq returns 0, 1, …, n−1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestLoaderEval checks evaluation: examples in order, Crops images each.
func TestLoaderEval(t *testing.T) {
	src := flatDataset(13)
	for _, tt := range []struct {
		eval  compiler.EvalCrops
		crops int
	}{{compiler.EvalCenter, 1}, {compiler.EvalTenCrop, 10}} {
		l, err := NewLoader(context.Background(), src, greyAugmenter(t, tt.eval), LoaderConfig{Batch: 5, Epochs: 1})
		require.NoError(t, err)
		batches := drain(t, l)
		l.Close()
		require.Len(t, batches, 3)
		var order []int
		for _, b := range batches {
			require.Len(t, b.X, b.N*tt.crops*16)
			for j, i := range b.Indices {
				for _, v := range b.X[j*tt.crops*16 : (j+1)*tt.crops*16] {
					require.Equal(t, float32(i)/255, v)
				}
			}
			order = append(order, b.Indices...)
		}
		assert.Equal(t, seq(13), order)
	}
}

// failing is a Source whose example bad cannot be read.
type failing struct {
	*Dataset
	bad int
}

func (f failing) Example(i int) (image.Image, int32, error) {
	if i == f.bad {
		return nil, 0, errors.New("broken.jpg: truncated JPEG data")
	}
	return f.Dataset.Example(i)
}

// TestLoaderErrors checks that a bad example costs its batch, with an error naming it, and the
// loader goes on; and that the configuration is checked.
func TestLoaderErrors(t *testing.T) {
	src := failing{flatDataset(10), 6}
	l, err := NewLoader(context.Background(), src, greyAugmenter(t, compiler.EvalCenter), LoaderConfig{Batch: 3, Epochs: 1, Workers: 2})
	require.NoError(t, err)
	defer l.Close()
	var steps []int
	for {
		b, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			assert.EqualError(t, err, "example 6: broken.jpg: truncated JPEG data")
			steps = append(steps, -1)
			continue
		}
		steps = append(steps, b.Step)
	}
	assert.Equal(t, []int{0, 1, -1, 3}, steps)
	_, err = l.Next()
	assert.Equal(t, io.EOF, err, "and stays at the end")

	aug := greyAugmenter(t, compiler.EvalCenter)
	for _, tt := range []struct {
		src  Source
		aug  *Augmenter
		cfg  LoaderConfig
		want string
	}{
		{flatDataset(3), nil, LoaderConfig{Batch: 1}, "needs an Augmenter"},
		{flatDataset(3), aug, LoaderConfig{}, "batch size 0 must be at least 1"},
		{flatDataset(0), aug, LoaderConfig{Batch: 1}, "the source has no examples"},
		{flatDataset(3), aug, LoaderConfig{Batch: 4, DropLast: true}, "3 examples do not fill one batch of 4"},
		{flatDataset(3), aug, LoaderConfig{Batch: 1, Workers: -1}, "must not be negative"},
	} {
		l, err := NewLoader(context.Background(), tt.src, tt.aug, tt.cfg)
		assert.Nil(t, l)
		assert.ErrorContains(t, err, tt.want)
	}
}

// TestLoaderStop checks Close and context cancellation part way through an endless loader.
func TestLoaderStop(t *testing.T) {
	src, aug := flatDataset(20), greyAugmenter(t, compiler.EvalCenter)
	l, err := NewLoader(context.Background(), src, aug, LoaderConfig{Batch: 4, Train: true, Workers: 2})
	require.NoError(t, err)
	for range 12 { // past the first epoch
		_, err := l.Next()
		require.NoError(t, err)
	}
	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "twice")
	_, err = l.Next()
	assert.ErrorIs(t, err, ErrClosed)

	ctx, cancel := context.WithCancel(context.Background())
	l, err = NewLoader(ctx, src, aug, LoaderConfig{Batch: 4, Train: true, Workers: 2})
	require.NoError(t, err)
	defer l.Close()
	_, err = l.Next()
	require.NoError(t, err)
	cancel()
	_, err = l.Next()
	assert.ErrorIs(t, err, context.Canceled)
}

// TestLoaderAllocations checks that, in steady state, an in-memory source's batches cost no
// allocation at all: buffers are recycled, crops are rectangles, flips are in place.
func TestLoaderAllocations(t *testing.T) {
	l, err := NewLoader(context.Background(), flatDataset(50), greyAugmenter(t, compiler.EvalCenter), LoaderConfig{Batch: 8, Seed: 3, Train: true, Workers: 2})
	require.NoError(t, err)
	defer l.Close()
	for range 20 { // warm up: goroutine stacks, the first epochs
		_, err := l.Next()
		require.NoError(t, err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := l.Next(); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs, "allocations per batch")
}
