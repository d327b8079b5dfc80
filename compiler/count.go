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

// count is the third pass: parameters, multiply-adds and activation bytes per layer and image.
func count(n *Network, errs *dsl.ErrorList) {
	for _, l := range n.Layers {
		l.Params, l.MACs = 0, 0
		l.ActBytes = 4 * l.Out.Size()
		for _, p := range l.ParamShapes() {
			size, ok := product(p.Shape...)
			if !ok || size > maxTensor {
				errs.Add(l.Pos, "%s: %s has %s values; the limit is %d", l.Name, p.Name, dimsString(p.Shape), maxTensor)
				return
			}
			l.Params += size
		}
		switch l.Op {
		case OpConv:
			c := l.Conv
			l.MACs, _ = product(c.Out, l.Out.H, l.Out.W, l.In.C/c.Groups, c.KH, c.KW)
		case OpFC:
			l.MACs, _ = product(l.FC.Out, int(l.In.Size()))
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
}

// ParamShapes lists the layer's learnable tensors: conv weights [out, in/groups, kh, kw], fully
// connected weights [out, in], and biases [out]. It needs the layer's input shape.
func (l *Layer) ParamShapes() []ParamShape {
	var shape []int
	var learn Learn
	var out int
	switch l.Op {
	case OpConv:
		c := l.Conv
		shape, learn, out = []int{c.Out, l.In.C / c.Groups, c.KH, c.KW}, c.Learn, c.Out
	case OpFC:
		shape, learn, out = []int{l.FC.Out, int(l.In.Size())}, l.FC.Learn, l.FC.Out
	default:
		return nil
	}
	ps := []ParamShape{{Name: l.Name + ".weight", Shape: shape, Init: learn.WeightInit}}
	if learn.Bias {
		ps = append(ps, ParamShape{Name: l.Name + ".bias", Shape: []int{out}, Init: learn.BiasInit, Bias: true})
	}
	return ps
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
