package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

// train emits the training API: Backward, Step, TrainStep, the learning rate and step count,
// the learning-rate schedule, and the optimiser's per-parameter multipliers.
func (g *gen) train(f *jen.File) {
	t := g.n.Train
	params := g.params
	g.schedule(f)

	// The multipliers of each parameter's learning rate and weight decay.
	var lrMult, decayMult []jen.Code
	for _, p := range params {
		l := p.Learn
		kind := t.Weights
		if p.Bias {
			kind = t.Biases
		}
		lrMult = append(lrMult, jen.Lit(kind.LR*l.LRMult).Op(",").Comment(p.Name))
		decayMult = append(decayMult, jen.Lit(kind.Decay*l.DecayMult).Op(",").Comment(p.Name))
	}
	f.Comment("lrMult and decayMult scale each parameter's learning rate and weight decay, as the spec's")
	f.Comment("train block (weights, biases) and the layer's lr_mult and decay_mult say.")
	f.Var().Defs(
		jen.Id("lrMult").Op("=").Index(jen.Op("...")).Float64().Custom(commentedList, lrMult...),
		jen.Id("decayMult").Op("=").Index(jen.Op("...")).Float64().Custom(commentedList, decayMult...),
	)

	rule := "runtime.SGDPyTorch"
	if t.Rule == compiler.RulePaper {
		rule = "runtime.SGDPaper"
	}
	f.Comment("The optimiser of the spec's train block.")
	f.Const().Defs(
		x("momentum").Op("=").Lit(t.Momentum),
		x("weightDecay").Op("=").Lit(t.Decay),
		x("rule").Op("=").Add(x("%s", rule)).Comment(fmt.Sprintf("the %s update rule", t.Rule)),
		x("BatchSize").Op("=").Lit(t.Batch).Comment("the spec's batch size"),
		x("Epochs").Op("=").Lit(t.Epochs).Comment("the spec's number of epochs"),
	)

	// Backward
	body := []jen.Code{
		jen.If(x("m.n == 0")).Block(jen.Panic(jen.Lit(g.opt.Package + ": Backward before Forward"))),
		jen.If(x("len(labels) < m.n")).Block(
			jen.Panic(x("fmt.Sprintf(%q, m.n, len(labels))", g.opt.Package+": Backward of %d images needs as many labels, got %d")),
		),
		jen.For(x("i, l := range labels[:m.n]")).Block(
			jen.If(x("l < 0 || l >= Classes")).Block(
				jen.Panic(x("fmt.Sprintf(%q, i, l, Classes)", g.opt.Package+": label %d is %d, not in [0, %d)")),
			),
		),
		x("m.labels = labels[:m.n]"),
		x("m.perImage(m.kernels.lossBackward)"),
	}
	total := g.n.Partials
	if total > 0 {
		body = append(body, jen.For(x("_, s := range m.partials")).Block(x("clear(s)")))
	}
	for i := len(g.n.Steps) - 1; i >= 0; i-- {
		s := g.n.Steps[i]
		if !s.Backward {
			continue
		}
		if s.Relaid > 0 {
			body = append(body, x("m.%sRelay()", g.name[s]))
		}
		body = append(body, g.call(s, true).Comment(s.Name()))
	}
	if total > 0 {
		body = append(body, jen.Comment("The parameter gradients of steps split by image: the sum of the workers' partial sums."))
		for _, s := range g.n.Steps {
			if e := emitters[s.Main().Op]; s.Partials > 0 && e != nil && e.reduce != nil {
				body = append(body, e.reduce(g, s)...)
				continue
			}
			off := s.PartialsAt
			for _, p := range s.Main().ParamShapes() {
				if s.Partials > 0 {
					body = append(body, x("m.sumPartials(m.params[%d].Grad, %d)", g.index[p.Name], off))
					off += p.Size()
				}
			}
		}
	}
	body = append(body,
		x("var loss float64"),
		jen.For(x("_, l := range m.losses[:m.n]")).Block(x("loss += l")),
		jen.Return(x("float32(loss / float64(m.n))")),
	)
	f.Comment("Backward computes, after Forward, the mean softmax cross-entropy of the last logits against")
	f.Comment("labels (one per image, in [0, Classes)), and writes the gradient of that loss with respect to every")
	f.Comment("parameter into Params()[i].Grad, overwriting it. After Forward(…, train=false) it is the gradient of")
	f.Comment("the network without dropout. Forward's input must be unchanged until Backward returns.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Backward").Params(jen.Id("labels").Index().Int32()).Float32().Block(body...)

	if total > 0 {
		f.Comment("addPartials adds the other workers' partial sums at offset off…off+n−1 into worker 0's.")
		f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("addPartials").Params(jen.List(jen.Id("off"), jen.Id("n")).Int()).Block(
			x("sum := m.partials[0][off : off+n]"),
			jen.For(x("_, s := range m.partials[1:]")).Block(
				jen.For(x("j, v := range s[off : off+n]")).Block(x("sum[j] += v")),
			),
		)
		f.Comment("sumPartials sets grad to the sum of the workers' partial sums at offset off.")
		f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("sumPartials").Params(jen.Id("grad").Index().Float32(), jen.Id("off").Int()).Block(
			x("copy(grad, m.partials[0][off:off+len(grad)])"),
			jen.For(x("_, s := range m.partials[1:]")).Block(
				jen.For(x("j, v := range s[off : off+len(grad)]")).Block(x("grad[j] += v")),
			),
		)
	}

	// Step
	f.Comment("Step applies one optimiser step to every parameter, from its gradient, at the current learning")
	f.Comment("rate, and counts it.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Step").Params().Block(
		x("runtime.Parallel(len(m.chunks), m.kernels.sgd)"),
		x("m.steps++"),
		g.markStale(""),
	)
	f.Comment("sgd updates chunks lo…hi−1 of the parameters.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("sgd").Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.For(x("_, c := range m.chunks[lo:hi]")).Block(
			x("p := m.params[c.param]"),
			x("lr, decay := float32(m.lr*lrMult[c.param]), float32(weightDecay*decayMult[c.param])"),
			x("runtime.SGD(rule, p.Data[c.lo:c.hi], p.Grad[c.lo:c.hi], m.velocity[c.param].Data[c.lo:c.hi], lr, momentum, decay)"),
		),
	)
	f.Comment("chunk is a part of one parameter that one worker updates.")
	f.Type().Id("chunk").Struct(jen.Id("param, lo, hi").Int())

	f.Comment("TrainStep is one training step on n images and their labels: Forward in training mode, Backward")
	f.Comment("and Step. It returns the loss before the step.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("TrainStep").Params(
		jen.Id("x").Index().Float32(), jen.Id("labels").Index().Int32(), jen.Id("n").Int(),
	).Float32().Block(
		x("m.Forward(x, n, true)"),
		x("loss := m.Backward(labels)"),
		x("m.Step()"),
		jen.Return(jen.Id("loss")),
	)

	f.Comment("LearningRate returns the learning rate the next Step uses.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("LearningRate").Params().Float64().Block(jen.Return(x("m.lr")))
	f.Comment("SetLearningRate sets the learning rate of the following Steps (see LearningRateAt for the spec's schedule).")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("SetLearningRate").Params(jen.Id("lr").Float64()).Block(x("m.lr = lr"))
	f.Comment("StepCount returns the number of Steps taken. Dropout masks depend on it, so that a training run")
	f.Comment("is the same for the same seed.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("StepCount").Params().Int64().Block(jen.Return(x("m.steps")))
	f.Comment("SetStepCount sets the number of Steps taken, when resuming from a checkpoint.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("SetStepCount").Params(jen.Id("n").Int64()).Block(x("m.steps = n"))
	f.Comment("Momentum returns the optimiser's momentum buffers, one per parameter in the order of Params,")
	f.Comment("shaped as it and named after it with \".momentum\" added (\"conv1.weight.momentum\"); they start at")
	f.Comment("zero. Their Data are the model's own: a checkpoint saves them, and writing them when resuming")
	f.Comment("continues the run exactly.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Momentum").Params().Index().Qual(rt, "Param").Block(jen.Return(x("m.velocity")))

	masks := jen.Dict{}
	for _, s := range g.masked() {
		masks[jen.Lit(s.Main().Name)] = x("m.%sMask[:m.n*%d]", g.name[s], s.Mask)
	}
	f.Comment("Masks returns the dropout masks of the last training-mode Forward by layer name: 0 or 1/(1−p) per")
	f.Comment("value of the batch. They are the model's own buffers.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Masks").Params().Map(jen.String()).Index().Float32().Block(
		jen.Return(jen.Map(jen.String()).Index().Float32().Values(masks)),
	)
}

// schedule emits LearningRateAt: the spec's learning rate multiplied by gamma after each of its
// lr_steps epochs.
func (g *gen) schedule(f *jen.File) {
	t := g.n.Train
	f.Comment(fmt.Sprintf("LearningRate0 is the spec's learning rate; LearningRateAt multiplies it by %g after each of epochs %v.", t.Gamma, t.Steps))
	f.Const().Id("LearningRate0").Op("=").Lit(t.LR)
	f.Comment("LearningRateAt returns the learning rate of an epoch (counted from 0) by the spec's schedule.")
	f.Func().Id("LearningRateAt").Params(jen.Id("epoch").Int()).Float64().Block(
		x("lr := LearningRate0"),
		jen.For(x("_, e := range []int{%s}", litList(t.Steps))).Block(
			jen.If(x("epoch >= e")).Block(x("lr *= %v", t.Gamma)),
		),
		jen.Return(jen.Id("lr")),
	)
}

func litList(v []int) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(x)
	}
	return s
}

// commentedList renders a composite literal one element per line, each element carrying its own
// comma and comment.
var commentedList = jen.Options{Open: "{", Close: "}", Multi: true}
