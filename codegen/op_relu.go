package codegen

import (
	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// A relu after a conv or fc layer is folded into that layer's kernel (its step's ReLU); these
// are the kernels of one that stands alone.
func init() {
	register(compiler.OpReLU, &emitter{
		forward: func(g *gen, f *jen.File, s *compiler.Step) {
			g.doc(f, s, false, "b = max(0, a), in place.")
			inS, outS := g.slices(s)
			kernel(f, s, g.name[s],
				sizes(s.In(), s.Out()),
				x("in, out := %s, %s", inS, outS),
				jen.For(x("j, v := range in[lo*inSize : hi*inSize]")).Block(x("out[lo*outSize+j] = max(v, 0)")),
			)
		},
		backward: func(g *gen, f *jen.File, s *compiler.Step) {
			g.doc(f, s, true, "The gradient where the output is positive, else 0.")
			_, outS, dyS, dxS := g.gradSlices(s)
			kernel(f, s, g.backName(s),
				sizes(s.In(), s.Out()),
				x("y, dy, dx := %s, %s, %s", outS, dyS, dxS),
				jen.For(x("j := lo * outSize; j < hi*outSize; j++")).Block(
					x("v := dy[j]"),
					jen.If(x("y[j] <= 0")).Block(x("v = 0")),
					x("dx[j] = v"),
				),
			)
		},
	})
}
