package train

import (
	"errors"
	"image"
	"image/color"
	"io"
	"math"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/runtime"
)

// fakeModel is a model small enough to train in milliseconds: softmax regression on side×side
// grey images, its weight shaped as a convolution's whose kernel covers the image (so that its
// filters are the class templates), with a dropout of input pixels whose masks come from the
// seed and the step count, as a generated model's do. It takes SGD steps with momentum 0.5.
type fakeModel struct {
	network string
	classes int
	params  []runtime.Param // conv1.weight [classes 1 side side], conv1.bias [classes]
	moments []runtime.Param // their momentum
	lr      float64
	steps   int64
	seed    uint64
	nanAt   int64 // the step whose loss is NaN, if > 0
	saveErr error // what Save fails with after writing part of its output, if not nil

	logits []float32
}

const side = 8

func newFake(network string, classes int) *fakeModel {
	m := &fakeModel{network: network, classes: classes, lr: 0.5, seed: 7}
	m.params = []runtime.Param{
		{Name: "conv1.weight", Shape: []int{classes, 1, side, side}, Data: make([]float32, classes*side*side), Grad: make([]float32, classes*side*side)},
		{Name: "conv1.bias", Shape: []int{classes}, Data: make([]float32, classes), Grad: make([]float32, classes)},
	}
	for _, p := range m.params {
		m.moments = append(m.moments, runtime.Param{Name: p.Name + ".momentum", Shape: p.Shape, Data: make([]float32, len(p.Data))})
	}
	rng := runtime.NewRNG(1)
	rng.FillNormal(m.params[0].Data, 0, 0.01)
	return m
}

func (m *fakeModel) Forward(x []float32, n int, train bool) []float32 {
	w, b := m.params[0].Data, m.params[1].Data
	m.logits = make([]float32, n*m.classes)
	rng := runtime.NewRNG(m.seed)
	mask := rng.Split(uint64(m.steps))
	for i := range n {
		img := x[i*side*side : (i+1)*side*side]
		for c := range m.classes {
			s := b[c]
			for j, v := range img {
				if train && mask.Uint64()%10 == 0 { // drop one pixel in ten
					continue
				}
				s += w[c*side*side+j] * v
			}
			m.logits[i*m.classes+c] = s
		}
	}
	return m.logits
}

func (m *fakeModel) TrainStep(x []float32, labels []int32, n int) float32 {
	logits := m.Forward(x, n, true)
	w, b := m.params[0], m.params[1]
	clear(w.Grad)
	clear(b.Grad)
	var loss float64
	p := make([]float64, m.classes)
	for i := range n {
		logSoftmax(p, logits[i*m.classes:(i+1)*m.classes])
		loss -= p[labels[i]]
		for c := range m.classes {
			g := math.Exp(p[c])
			if int32(c) == labels[i] {
				g--
			}
			g /= float64(n)
			b.Grad[c] += float32(g)
			for j, v := range x[i*side*side : (i+1)*side*side] {
				w.Grad[c*side*side+j] += float32(g) * v
			}
		}
	}
	for i, q := range m.params {
		v := m.moments[i].Data
		for j, g := range q.Grad {
			v[j] = 0.5*v[j] + g
			q.Data[j] -= float32(m.lr) * v[j]
		}
	}
	m.steps++
	if m.steps == m.nanAt {
		return float32(math.NaN())
	}
	return float32(loss / float64(n))
}

func (m *fakeModel) Params() []runtime.Param   { return m.params }
func (m *fakeModel) Momentum() []runtime.Param { return m.moments }

func (m *fakeModel) Save(w io.Writer) error {
	if m.saveErr != nil {
		w.Write([]byte("partial output"))
		return m.saveErr
	}
	return runtime.WriteSafetensors(w, m.params, map[string]string{networkKey: m.network, specKey: "specs/" + m.network + ".net"})
}

func (m *fakeModel) Load(r io.Reader) error {
	fresh := make([]runtime.Param, len(m.params))
	for i, p := range m.params {
		fresh[i] = runtime.Param{Name: p.Name, Shape: p.Shape, Data: make([]float32, len(p.Data))}
	}
	if err := runtime.ReadSafetensorsWith(r, fresh, runtime.SafetensorsOptions{}); err != nil {
		return err
	}
	for i, p := range fresh {
		copy(m.params[i].Data, p.Data)
	}
	return nil
}

func (m *fakeModel) LearningRate() float64      { return m.lr }
func (m *fakeModel) SetLearningRate(lr float64) { m.lr = lr }
func (m *fakeModel) StepCount() int64           { return m.steps }
func (m *fakeModel) SetStepCount(n int64)       { m.steps = n }

var errSave = errors.New("disk full")

// stripes returns n side×side grey images of classes classes: class c is a bright horizontal
// stripe at row c mod side (and, past side classes, a vertical one too), on noise.
func stripes(n, classes int, seed uint64) *data.Dataset {
	rng := runtime.NewRNG(seed)
	d := &data.Dataset{}
	for i := range n {
		c := i % classes
		img := image.NewGray(image.Rect(0, 0, side, side))
		for y := range side {
			for x := range side {
				v := uint8(rng.Intn(96))
				if y == c%side || (c >= side && x == c/side) {
					v += 150
				}
				img.SetGray(x, y, color.Gray{v})
			}
		}
		d.Images = append(d.Images, img)
		d.Labels = append(d.Labels, int32(c))
	}
	return d
}

// plainAugmenter prepares side×side grey images as they are.
func plainAugmenter() *data.Augmenter {
	a, err := data.NewAugmenter(compiler.Augment{}, compiler.Shape{C: 1, H: side, W: side})
	if err != nil {
		panic(err)
	}
	return a
}
