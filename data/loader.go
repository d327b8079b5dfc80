package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"sync"

	"github.com/netc-project/netc/runtime"
)

// LoaderConfig says how a Loader batches its Source.
type LoaderConfig struct {
	Batch int    // examples per batch; required
	Seed  uint64 // seeds the shuffles and the augmentation
	// Train shuffles the examples every epoch and prepares them with Augmenter.Train; otherwise
	// they come in order, prepared with Augmenter.Eval.
	Train    bool
	Epochs   int  // passes over the Source before Next returns io.EOF; 0 for no end
	DropLast bool // leave out each epoch's last batch if it is short, rather than return it
	Workers  int  // goroutines preparing batches; 0 for GOMAXPROCS
	Prefetch int  // batches prepared ahead of the one in use; 0 for Workers + 1
}

// ErrClosed is what Next returns once the Loader has been closed.
var ErrClosed = errors.New("data: loader closed")

// A Batch is a batch of examples ready for a generated model's Forward(X, N·Crops, train) and
// Backward(Labels).
type Batch struct {
	X       []float32 // N·Crops images of the Augmenter's input shape, NCHW
	Labels  []int32   // the class of each example
	Indices []int     // each example's index in the Source
	N       int       // examples; the batch size, or fewer at the end of an epoch
	Crops   int       // images per example: 1 when training, the Augmenter's Crops() otherwise
	Epoch   int       // the pass over the Source it belongs to, from 0
	Step    int       // its place in the epoch, from 0

	x       []float32     // X at full capacity
	labels  []int32       // Labels at full capacity
	indices []int         // Indices at full capacity
	err     error         // why the batch could not be prepared
	ready   chan struct{} // receives one value when the batch is prepared
}

// Loader prepares batches from a Source on a fixed number of goroutines while the caller trains
// or evaluates on the previous ones. Its batches depend only on the configuration and the seed,
// never on how the goroutines are scheduled:
//
//   - epoch e's order is a shuffle drawn from a generator derived from (Seed, e), or the
//     Source's order when not training;
//   - the random choices for example i in epoch e (crop, flip, lighting) come from a generator
//     derived from (Seed, e, i), whichever goroutine prepares it and whatever batch it is in;
//   - batches are handed out in order, whichever is finished first.
//
// Its buffers are allocated once: Prefetch + 1 batches at their full size, recycled (at AlexNet's
// 128 × 3×227×227, each batch is 79 MB; ten-crop evaluation batches are ten times that). With an
// in-memory Source and no resizing, preparing a batch allocates nothing; loading image files
// allocates what decoding and resizing them take.
//
// Next is for one goroutine; Close may be called from any.
type Loader struct {
	src   Source
	aug   *Augmenter
	cfg   LoaderConfig
	steps int         // batches per epoch
	root  runtime.RNG // the seed's generator, from which every other is split

	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup

	free    chan *Batch // batches ready to be filled
	work    chan *Batch // batches to fill, for the workers
	pending chan *Batch // batches in the order Next returns them; closed after the last
	cur     *Batch      // the batch Next last returned
}

// shuffleStream is the stream of an epoch's generator that shuffles it; the streams below it
// are the examples'.
const shuffleStream = math.MaxUint64

// NewLoader starts preparing batches of src with aug as cfg says. The Loader stops when ctx is
// done or Close is called; Close must be called in any case to wait for its goroutines.
func NewLoader(ctx context.Context, src Source, aug *Augmenter, cfg LoaderConfig) (*Loader, error) {
	n := src.Len()
	switch {
	case aug == nil:
		return nil, errors.New("data: NewLoader needs an Augmenter")
	case cfg.Batch < 1:
		return nil, fmt.Errorf("data: batch size %d must be at least 1", cfg.Batch)
	case n == 0:
		return nil, errors.New("data: the source has no examples")
	case cfg.DropLast && n < cfg.Batch:
		return nil, fmt.Errorf("data: %d examples do not fill one batch of %d, and DropLast leaves out short batches", n, cfg.Batch)
	case cfg.Epochs < 0 || cfg.Workers < 0 || cfg.Prefetch < 0:
		return nil, fmt.Errorf("data: Epochs %d, Workers %d and Prefetch %d must not be negative", cfg.Epochs, cfg.Workers, cfg.Prefetch)
	}
	if cfg.Workers == 0 {
		cfg.Workers = goruntime.GOMAXPROCS(0)
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = cfg.Workers + 1
	}
	l := &Loader{src: src, aug: aug, cfg: cfg, root: runtime.NewRNG(cfg.Seed)}
	l.steps = (n + cfg.Batch - 1) / cfg.Batch
	if cfg.DropLast {
		l.steps = n / cfg.Batch
	}
	crops := 1
	if !cfg.Train {
		crops = aug.Crops()
	}
	buffers, per := cfg.Prefetch+1, min(cfg.Batch, n) // no batch holds more than the Source
	l.free = make(chan *Batch, buffers)
	l.work = make(chan *Batch, buffers)
	l.pending = make(chan *Batch, buffers)
	for range buffers {
		l.free <- &Batch{
			Crops:   crops,
			x:       make([]float32, per*crops*aug.Size()),
			labels:  make([]int32, per),
			indices: make([]int, per),
			ready:   make(chan struct{}, 1),
		}
	}
	l.ctx, l.cancel = context.WithCancelCause(ctx)
	l.wg.Add(1 + cfg.Workers)
	go l.produce()
	for range cfg.Workers {
		go l.prepare()
	}
	return l, nil
}

// StepsPerEpoch returns the number of batches in each epoch.
func (l *Loader) StepsPerEpoch() int { return l.steps }

// Next returns the next batch, valid until the following call to Next or Close, which recycle
// its buffers. After the last epoch it returns io.EOF; after Close, ErrClosed; when the context
// is done, its cause. If an example cannot be prepared (a file is corrupt, an image empty),
// Next returns the error, naming the example, in place of its batch; the following call goes on
// with the next batch.
func (l *Loader) Next() (*Batch, error) {
	if l.cur != nil {
		l.free <- l.cur // never blocks: free has room for every batch
		l.cur = nil
	}
	if l.ctx.Err() != nil { // checked first: select would choose at random
		return nil, context.Cause(l.ctx)
	}
	var b *Batch
	var ok bool
	select {
	case b, ok = <-l.pending:
	case <-l.ctx.Done():
		return nil, context.Cause(l.ctx)
	}
	if !ok {
		if l.ctx.Err() != nil {
			return nil, context.Cause(l.ctx)
		}
		return nil, io.EOF
	}
	select {
	case <-b.ready:
	case <-l.ctx.Done():
		return nil, context.Cause(l.ctx)
	}
	if b.err != nil {
		l.free <- b
		return nil, b.err
	}
	l.cur = b
	return b, nil
}

// Close stops the Loader and waits for its goroutines to finish. It always returns nil.
func (l *Loader) Close() error {
	l.cancel(ErrClosed)
	l.wg.Wait()
	return nil
}

// produce hands the workers the batches of each epoch, in order, as buffers become free, and
// queues them in the same order for Next.
func (l *Loader) produce() {
	defer l.wg.Done()
	defer close(l.pending)
	defer close(l.work)
	n := l.src.Len()
	order := make([]int, n)
	for epoch := 0; l.cfg.Epochs == 0 || epoch < l.cfg.Epochs; epoch++ {
		for i := range order {
			order[i] = i
		}
		if l.cfg.Train { // Fisher–Yates
			er := l.root.Split(uint64(epoch))
			rng := er.Split(shuffleStream)
			for i := n - 1; i > 0; i-- {
				j := rng.Intn(i + 1)
				order[i], order[j] = order[j], order[i]
			}
		}
		for step := range l.steps {
			var b *Batch
			select {
			case b = <-l.free:
			case <-l.ctx.Done():
				return
			}
			lo, hi := step*l.cfg.Batch, min((step+1)*l.cfg.Batch, n)
			b.N, b.Epoch, b.Step, b.err = hi-lo, epoch, step, nil
			b.Indices = b.indices[:b.N]
			copy(b.Indices, order[lo:hi]) // order is reshuffled while the batch waits
			b.Labels = b.labels[:b.N]
			b.X = b.x[:b.N*b.Crops*l.aug.Size()]
			l.pending <- b // never blocks: pending has room for every batch
			l.work <- b    // nor does work
		}
	}
}

// prepare fills the batches it is handed until there are no more.
func (l *Loader) prepare() {
	defer l.wg.Done()
	for b := range l.work {
		b.err = l.fill(b)
		b.ready <- struct{}{}
	}
}

// fill prepares every example of b.
func (l *Loader) fill(b *Batch) error {
	size := b.Crops * l.aug.Size()
	er := l.root.Split(uint64(b.Epoch))
	for j, i := range b.Indices {
		if l.ctx.Err() != nil {
			return context.Cause(l.ctx)
		}
		img, label, err := l.src.Example(i)
		if err == nil {
			b.Labels[j] = label
			x := b.X[j*size : (j+1)*size]
			if l.cfg.Train {
				rng := er.Split(uint64(i))
				err = l.aug.Train(img, &rng, x)
			} else {
				err = l.aug.Eval(img, x)
			}
		}
		if err != nil {
			return fmt.Errorf("example %d: %w", i, err)
		}
	}
	return nil
}
