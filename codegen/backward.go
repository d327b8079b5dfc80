package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// The backward pass: one kernel per step that has a gradient to compute, run in reverse order
// after the loss, each reading the gradient of its output from one of the two gradient buffers
// and writing the gradient of its input into the other (or the same, in place). Parameter
// gradients go straight into Param.Grad, except those of steps split by image (convolutions),
// which each worker accumulates over its images into its own partial sums, added up at the end.

// gradSlices returns the expressions of a step's input and output activations and of the
// gradients of its output (dy) and input (dx), for the batch.
func (g *gen) gradSlices(s *compiler.Step) (in, out, dy, dx string) {
	in, out = g.slices(s)
	dy = fmt.Sprintf("m.grad[%d][:m.n*outSize]", s.GradOut)
	dx = fmt.Sprintf("m.grad[%d][:m.n*inSize]", s.GradIn)
	return in, out, dy, dx
}

// backward emits the loss kernel and every step's backward kernel.
func (g *gen) backward(f *jen.File) {
	g.lossKernel(f)
	for _, s := range g.n.Steps {
		if s.Backward {
			e, _ := emitterOf(s) // Generate has checked every step has one
			e.backward(g, f, s)
		}
	}
}

// backName is the name of a step's backward kernel.
func (g *gen) backName(s *compiler.Step) string { return g.name[s] + "Backward" }

// kernelName is the name of a step's forward or backward kernel.
func kernelName(g *gen, s *compiler.Step, backward bool) string {
	if backward {
		return g.backName(s)
	}
	return g.name[s]
}

// lossKernel emits the softmax cross-entropy: per image, the loss −log p(label) and the gradient
// of the batch's mean loss with respect to the logits, (p − onehot(label))/n.
func (g *gen) lossKernel(f *jen.File) {
	last := g.n.Steps[len(g.n.Steps)-1]
	f.Comment(fmt.Sprintf("lossBackward computes the softmax cross-entropy of %s (%s) for images lo…hi−1: each", last.Main().Name, g.where(last.Main())))
	f.Comment("image's loss −log p(label), and the gradient of the batch's mean loss, (p − onehot(label))/n.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("lossBackward").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Const().Defs(x("classes").Op("=").Lit(g.n.Classes)),
		x("z, dz := m.buf[%d][:m.n*classes], m.grad[%d][:m.n*classes]", last.OutBuf, last.GradOut),
		jen.For(x("i := lo; i < hi; i++")).Block(
			x("row, d := z[i*classes:(i+1)*classes], dz[i*classes:(i+1)*classes]"),
			x("top, sum := runtime.Softmax(d, row)").Comment("d[j] = e^(row[j] − top), sum their sum"),
			x("label := m.labels[i]"),
			x("m.losses[i] = math.Log(sum) - float64(row[label]-top)"),
			x("scale := 1 / (sum * float64(m.n))"),
			jen.For(x("j := range d")).Block(x("d[j] = float32(float64(d[j]) * scale)")),
			jen.Comment("p(label) − 1 = −(sum − e(label))/sum, without the cancellation of p ≈ 1 in float32."),
			x("d[label] = float32(-(sum - math.Exp(float64(row[label]-top))) * scale)"),
		),
	)
}
