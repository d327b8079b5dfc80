package compiler

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/netc-project/netc/dsl"
)

// maxTensor bounds the values of one parameter tensor (8 GiB of float32), so that sizes fit an
// int on every platform the generated code runs on and nothing absurd is allocated.
const maxTensor = 1 << 31

// count is the third pass: parameters, multiply-adds (forward and backward) and activation
// bytes per layer and image. The first layer's backward pass computes no input gradient: nobody
// needs the gradient of the images.
func count(n *Network, errs *dsl.ErrorList) {
	for i, l := range n.Layers {
		l.Params, l.MACs, l.BackMACs = 0, 0, 0
		l.ActBytes = 4 * l.Out.Size()
		for _, p := range l.ParamShapes() {
			size, ok := product(p.Shape...)
			if !ok || size > maxTensor {
				errs.Add(l.Pos, "%s: %s has %s values; the limit is %d", l.Name, p.Name, dimsString(p.Shape), maxTensor)
				return
			}
			l.Params += size
		}
		d := l.Op.def()
		if d.macs != nil {
			l.MACs = d.macs(l)
		}
		if d.backMACs != nil {
			l.BackMACs = d.backMACs(l, i > 0)
		}
	}
	n.Stage = StageCounted
}

// ParamShape names one learnable tensor of a layer and gives its shape in PyTorch's layout.
type ParamShape struct {
	Name  string // "conv1.weight"
	Shape []int
	Init  Init
	Bias  bool
	// Learn is the layer's training settings: its multipliers of the learning rate and weight
	// decay, and the name its parameters have in other tools' weight files.
	Learn Learn
}

// ParamShapes lists the layer's learnable tensors, as its op defines them (conv weights [out,
// in/groups, kh, kw], fully connected weights [out, in], biases [out]). It needs the layer's
// input shape.
func (l *Layer) ParamShapes() []ParamShape {
	if f := l.Op.def().params; f != nil {
		return f(l)
	}
	return nil
}

// learnedParams is the weight of the given shape and, unless it is off, the bias of out values
// of a layer with learned parameters.
func learnedParams(l *Layer, learn *Learn, weight []int, out int) []ParamShape {
	ps := []ParamShape{{Name: l.Name + ".weight", Shape: weight, Init: learn.WeightInit, Learn: *learn}}
	if learn.Bias {
		ps = append(ps, ParamShape{Name: l.Name + ".bias", Shape: []int{out}, Init: learn.BiasInit, Bias: true, Learn: *learn})
	}
	return ps
}

// gemmBackMACs is the backward multiply-adds of a layer computed as products (conv, fc): the
// weight gradient's as many as the forward pass's, and as many again for the input's gradient.
func gemmBackMACs(l *Layer, inputGrad bool) int64 {
	if inputGrad {
		return 2 * l.MACs
	}
	return l.MACs
}

// Size is the number of values of the tensor.
func (p ParamShape) Size() int64 {
	s, _ := product(p.Shape...)
	return s
}

// product multiplies sizes, reporting false on overflow.
func product(dims ...int) (int64, bool) {
	p := uint64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(p, uint64(d))
		if hi != 0 || lo > 1<<62 {
			return 0, false
		}
		p = lo
	}
	return int64(p), true
}

// Totals sums the per-image counts over the network.
func (n *Network) Totals() (params, macs, actBytes int64) {
	for _, l := range n.Layers {
		params += l.Params
		macs += l.MACs
		actBytes += l.ActBytes
	}
	return
}

// BackMACs is the backward pass's multiply-adds per image, over the network.
func (n *Network) BackMACs() int64 {
	var macs int64
	for _, l := range n.Layers {
		macs += l.BackMACs
	}
	return macs
}

// Thousands writes n with thousands separators, as reports of counts do: 60,965,224.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && c != '-' && s[i-1] != '-' && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
