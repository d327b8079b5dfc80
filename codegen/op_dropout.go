package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

func init() {
	register(compiler.OpDropout, &emitter{forward: dropoutForward, backward: dropoutBackward})
}

// dropoutForward emits inverted dropout for training: each image draws its mask from its own
// stream of the seed (so the result does not depend on how images are split over workers), keeps
// it for the backward pass, and multiplies.
func dropoutForward(g *gen, f *jen.File, s *compiler.Step) {
	p := s.Main().Dropout().P
	g.doc(f, s, false, fmt.Sprintf("Training only: b = a·mask, mask 0 with probability %g, else 1/(1−%g) (inverted dropout).", p, p))
	inS, outS := g.slices(s)
	kernel(f, s, g.name[s],
		append(sizes(s.In(), s.Out()), def("keep", 1-p), def("scale", float32(1/(1-p))),
			def("stream", s.Stream).note("this layer's share of the seed's streams")),
		x("in, out, mask := %s, %s, m.%sMask[:m.n*outSize]", inS, outS, g.name[s]),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("rng := runtime.NewRNG(m.seed)"),
			x("r := rng.Split(uint64(m.steps)<<32 | uint64(i)<<8 | stream)"),
			x("mk := mask[i*outSize : (i+1)*outSize]"),
			x("r.FillBernoulliMask(mk, keep, scale)"),
			jen.For(x("j, v := range in[i*inSize : (i+1)*inSize]")).Block(x("out[i*outSize+j] = v * mk[j]")),
		),
	)
}

// dropoutBackward multiplies the gradient by the forward pass's mask.
func dropoutBackward(g *gen, f *jen.File, s *compiler.Step) {
	g.doc(f, s, true, "The gradient times the mask of the last training-mode Forward,\nor itself after an inference-mode one.")
	_, _, dyS, dxS := g.gradSlices(s)
	kernel(f, s, g.backName(s),
		sizes(s.In(), s.Out()),
		x("dy, dx := %s, %s", dyS, dxS),
		jen.If(x("!m.train")).Block(
			x("copy(dx[lo*inSize:hi*inSize], dy[lo*outSize:hi*outSize])"),
			jen.Return(),
		),
		x("mask := m.%sMask[:m.n*outSize]", g.name[s]),
		jen.For(x("j := lo * outSize; j < hi*outSize; j++")).Block(x("dx[j] = dy[j] * mask[j]")),
	)
}
