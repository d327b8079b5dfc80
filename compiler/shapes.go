package compiler

import (
	"fmt"
	"strings"

	"github.com/netc-project/netc/dsl"
)

// maxActivation bounds the values of one image's activations at any layer (1 GiB of float32).
const maxActivation = 1 << 28

// inferShapes is the second pass: it gives every layer its input and output shape, checks that
// every conv and pool size is whole (or rounded as declared), that groups divide the channels,
// that kernels fit, and that declared shapes hold. The first arithmetic failure stops it, as
// every later shape would follow from a wrong one; a declared shape that does not hold does not.
func inferShapes(n *Network, errs *dsl.ErrorList) {
	if n.Input.Size() > maxActivation {
		errs.Add(n.InputPos, "the input %s has %d values per image; the limit is %d", n.Input, n.Input.Size(), maxActivation)
		return
	}
	cur := n.Input
	for i, l := range n.Layers {
		if l.Broken {
			return
		}
		l.In = cur
		out, ok := layerShape(n, i, errs)
		if !ok {
			return
		}
		if out.Size() > maxActivation {
			errs.Add(l.Pos, "%s: the output %s has %d values per image; the limit is %d", l.Name, out, out.Size(), maxActivation)
			return
		}
		l.Out = out
		if l.Expect != nil && !sameDims(l.Expect, out) {
			msg := fmt.Sprintf("%s: the output is %s, but the spec expects %s", l.Name, out, dimsString(l.Expect))
			if e := l.Expect; len(e) == 3 && !out.Flat && e[0] == out.H && e[1] == out.W && e[2] == out.C {
				msg += fmt.Sprintf("; shapes are channels first: CxHxW; write -> %s", out)
			}
			errs.Add(l.ExpectPos, "%s", msg)
		}
		cur = out
	}
	last := n.Layers[len(n.Layers)-1]
	if !last.Op.def().loss {
		errs.Add(last.Pos, "%s: the network must end with the loss: add a softmax layer after it", last.Name)
	}
	n.Stage = StageShaped
}

// layerShape computes layer i's output shape from its input, or reports why it cannot.
func layerShape(n *Network, i int, errs *dsl.ErrorList) (Shape, bool) {
	l := n.Layers[i]
	d := l.Op.def()
	if d.image && l.In.Flat {
		errs.Add(l.Pos, "%s: %s needs an image-shaped input (CxHxW), but its input is %d flat values", l.Name, l.Op, l.In.C)
		return Shape{}, false
	}
	if d.shape == nil {
		return l.In, true // relu, lrn, dropout, … keep their input's shape
	}
	return d.shape(n, i, errs)
}

// windowShape computes the output height and width of layer i, an op with a window (conv, pool),
// reporting a kernel that does not fit and a size that is not whole under the layer's rounding.
func windowShape(n *Network, i int, errs *dsl.ErrorList) (int, int, bool) {
	l := n.Layers[i]
	in := [2]int{l.In.H, l.In.W}
	var k, s, p [2]int
	var r Rounding
	for d := range 2 {
		k[d], s[d], p[d], _, r = l.Op.def().window(l, d)
	}
	// A square window over a square input: one message for both dimensions, whose fix (from a
	// square input) changes both.
	square := in[0] == in[1] && k[0] == k[1] && s[0] == s[1] && p[0] == p[1]
	var out [2]int
	var msgs []string
	for d, dim := range []string{"height", "width"} {
		if k[d] > in[d]+2*p[d] {
			msgs = append(msgs, fmt.Sprintf("the %s kernel %d is larger than the padded input %d (%d + 2·%d)", dim, k[d], in[d]+2*p[d], in[d], p[d]))
			continue
		}
		o, ok := outSize(in[d], k[d], s[d], p[d], r)
		if !ok {
			dims := []int{d}
			if square && n.Input.H == n.Input.W {
				dims = []int{0, 1}
			}
			msgs = append(msgs, fmt.Sprintf("(%d + 2·%d − %d)/%d + 1 = %s is not a whole number; %s",
				in[d], p[d], k[d], s[d], fraction(in[d]+2*p[d]-k[d], s[d]), fix(n, i, dims)))
		}
		out[d] = o
	}
	switch {
	case len(msgs) == 0:
		return out[0], out[1], true
	case len(msgs) == 2 && msgs[0] == msgs[1], square:
		errs.Add(l.Pos, "%s: %s", l.Name, msgs[0])
	case len(msgs) == 2:
		errs.Add(l.Pos, "%s: height: %s; width: %s", l.Name, msgs[0], msgs[1])
	default:
		errs.Add(l.Pos, "%s: %s", l.Name, msgs[0])
	}
	return 0, 0, false
}

// outSize is the output size of a window of k with stride s over in + 2p values, and whether it
// could be made whole under rounding r. Ceil keeps PyTorch's and Caffe's rule that the last window
// must start inside the input or its leading padding.
func outSize(in, k, s, p int, r Rounding) (int, bool) {
	num := in + 2*p - k
	switch {
	case num%s == 0:
		return num/s + 1, true
	case r == RoundFloor:
		return num/s + 1, true
	case r == RoundCeil:
		out := (num+s-1)/s + 1
		if (out-1)*s >= in+p {
			out--
		}
		return out, true
	}
	return 0, false
}

// fraction renders num/den + 1 as a short decimal: 54.25.
func fraction(num, den int) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", float64(num)/float64(den)+1), "0"), ".")
}

// fix suggests how to make layer i's size along spatial dimensions dims (one, or both of a
// square input) whole: an input for which the whole network's arithmetic is exact, and the
// padding that gives the same output with floor rounding; else the two roundings and what they
// give.
func fix(n *Network, i int, dims []int) string {
	l := n.Layers[i]
	d := dims[0]
	in0 := [2]int{n.Input.H, n.Input.W}[d]
	k, s, p, maxPad, _ := l.Op.def().window(l, d)
	h := [2]int{l.In.H, l.In.W}[d]
	floor, _ := outSize(h, k, s, p, RoundFloor)
	ceil, _ := outSize(h, k, s, p, RoundCeil)
	rounding := fmt.Sprintf("declare rounding floor (gives %d) or ceil (gives %d)", floor, ceil)

	// The nearest larger input (crops are cheaper than padding) that makes the whole network
	// whole, else the nearest smaller one, else the same for the layers up to this one.
	x, outs := 0, []int(nil)
	for _, last := range []int{len(n.Layers) - 1, i} {
		for _, step := range []int{1, -1} {
			for cand := in0 + step; x == 0 && cand > 0 && cand != in0+65*step; cand += step {
				o, ok := chain(n, d, cand, last)
				for _, e := range dims[1:] {
					_, okE := chain(n, e, cand, last)
					ok = ok && okE
				}
				if ok {
					x, outs = cand, o
				}
			}
		}
	}
	if x == 0 {
		return rounding
	}
	// The whole input, as a spec writes it: 3x227x227, not 227.
	input := n.Input
	for _, e := range dims {
		if e == 0 {
			input.H = x
		} else {
			input.W = x
		}
	}
	target := outs[i]
	for q := 0; q <= maxPad; q++ {
		if o, _ := outSize(h, k, s, q, RoundFloor); o == target && h+2*q >= k {
			if q == p {
				return fmt.Sprintf("use input %s, or rounding floor", input)
			}
			return fmt.Sprintf("use input %s, or padding %d with rounding floor", input, q)
		}
	}
	return fmt.Sprintf("use input %s, or %s", input, rounding)
}

// chain follows one spatial dimension from an input of size in through layers 0…last, and reports
// each layer's output size and whether every step fits and is whole (or rounded as declared).
func chain(n *Network, d, in, last int) ([]int, bool) {
	outs := make([]int, last+1)
	for j := 0; j <= last; j++ {
		l := n.Layers[j]
		def := l.Op.def()
		switch {
		case def.end:
			return outs, true // the spatial part of the network is over
		case def.window != nil:
			k, s, p, _, r := def.window(l, d)
			if k > in+2*p {
				return nil, false
			}
			o, ok := outSize(in, k, s, p, r)
			if !ok {
				return nil, false
			}
			in = o
		case def.spatial != nil:
			o, ok := def.spatial(l, d, in)
			if !ok {
				return nil, false
			}
			in = o
		}
		outs[j] = in
	}
	return outs, true
}

func sameDims(want []int, s Shape) bool {
	got := s.Dims()
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != got[i] {
			return false
		}
	}
	return true
}

func dimsString(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// windowSummary renders a conv or pool window for diagrams: the kernel, /stride unless 1, the
// padding unless 0, and the rounding when the input's size made it matter: 11x11/4, 3x2/1x2,
// 3x3/2 pad 1 floor.
func windowSummary(l *Layer, kh, kw, sh, sw, ph, pw int, r Rounding) string {
	s := fmt.Sprintf("%dx%d", kh, kw)
	if sh != 1 || sw != 1 {
		s += "/" + square(sh, sw)
	}
	if ph != 0 || pw != 0 {
		s += " pad " + square(ph, pw)
	}
	if (l.In.H+2*ph-kh)%sh != 0 || (l.In.W+2*pw-kw)%sw != 0 {
		s += " " + r.String()
	}
	return s
}

// square renders a pair as one number when both are equal, else as HxW.
func square(h, w int) string {
	if h == w {
		return fmt.Sprint(h)
	}
	return fmt.Sprintf("%dx%d", h, w)
}
