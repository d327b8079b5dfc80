package codegen

import (
	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// tanh is computed in float64 and rounded, as the reference computes it; its backward pass,
// dy·(1 − y²), reads the output.
func init() {
	register(compiler.OpTanh, &emitter{
		forward: func(g *gen, f *jen.File, s *compiler.Step) {
			g.doc(f, s, false, "b = tanh(a), in place.")
			inS, outS := g.slices(s)
			kernel(f, s, g.name[s],
				sizes(s.In(), s.Out()),
				x("in, out := %s, %s", inS, outS),
				jen.For(x("j, v := range in[lo*inSize : hi*inSize]")).Block(x("out[lo*outSize+j] = float32(math.Tanh(float64(v)))")),
			)
		},
		backward: func(g *gen, f *jen.File, s *compiler.Step) {
			g.doc(f, s, true, "da = db·(1 − b²), from the output b.")
			_, outS, dyS, dxS := g.gradSlices(s)
			kernel(f, s, g.backName(s),
				sizes(s.In(), s.Out()),
				x("y, dy, dx := %s, %s, %s", outS, dyS, dxS),
				jen.For(x("j := lo * outSize; j < hi*outSize; j++")).Block(x("dx[j] = dy[j] * (1 - y[j]*y[j])")),
			)
		},
	})
}
