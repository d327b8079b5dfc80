package codegen

import (
	"fmt"
	"math"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/runtime"
)

// DefaultSeed is every generated package's DefaultSeed, the seed its New initialises from.
const DefaultSeed = 1

// param is one learnable tensor as the generated code names it.
type param struct {
	compiler.ParamShape
	field string // the Model field holding its values
	layer *compiler.Layer
}

// field is the Model field of the parameter of name: conv1.weight → conv1Weight (newGen names
// them all first).
func (g *gen) field(name string) string {
	i, ok := g.index[name]
	if !ok {
		panic("codegen: no parameter " + name)
	}
	return g.params[i].field
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// masked are the steps that keep a mask for the backward pass (dropout), in the field
// <step>Mask.
func (g *gen) masked() []*compiler.Step {
	var out []*compiler.Step
	for _, s := range g.n.Steps {
		if s.Mask > 0 {
			out = append(out, s)
		}
	}
	return out
}

// markStale emits the statement that makes the next Forward pack the parameters again, where
// some step packs them.
func (g *gen) markStale(why string) jen.Code {
	if !g.packs() {
		return jen.Null()
	}
	if why != "" {
		return x("m.stale = true").Comment(why)
	}
	return x("m.stale = true")
}

// packIfStale emits, for Forward, the packing of every step's parameters for its forward kernel
// when they may have changed since the last time.
func (g *gen) packIfStale() jen.Code {
	if !g.packs() {
		return jen.Null()
	}
	var calls []jen.Code
	for _, s := range g.n.Steps {
		if e := emitters[s.Main().Op]; s.Packed > 0 && e != nil && e.pack != nil {
			calls = append(calls, x("m.%s()", e.pack(g, s)))
		}
	}
	return jen.If(x("m.stale")).Block(append(calls, x("m.stale = false"))...)
}

// packs reports whether some step lays out its parameters for its forward kernel.
func (g *gen) packs() bool {
	for _, s := range g.n.Steps {
		if s.Packed > 0 {
			return true
		}
	}
	return false
}

// boundKernels are the names of the kernel methods the model binds once, in its kernels struct:
// the forward and backward kernels of steps split by image or plane, those of the loops of the
// plan (the step's name and the loop's: conv1Rows), and the chains'.
func (g *gen) boundKernels() []string {
	var names []string
	for _, backward := range []bool{false, true} {
		for _, s := range g.kernelSteps(backward) {
			names = append(names, kernelName(g, s, backward))
		}
	}
	for _, s := range g.n.Steps {
		for _, k := range s.Kernels {
			for _, l := range k.Loops {
				names = append(names, g.name[s]+l.Name)
			}
		}
	}
	for _, steps := range g.n.Chains() {
		names = append(names, g.chainName(steps))
	}
	return names
}

// kernelSteps are the steps that run their kernels through the kernels struct — those split by
// image or plane — with a forward (false) or backward (true) kernel.
func (g *gen) kernelSteps(backward bool) []*compiler.Step {
	var out []*compiler.Step
	for _, s := range g.n.Steps {
		if !s.View && s.Split != compiler.SplitBatch && (!backward || s.Backward) {
			out = append(out, s)
		}
	}
	return out
}

func (g *gen) model(f *jen.File) {
	n := g.n
	params, macs, _ := n.Totals()
	f.PackageComment(fmt.Sprintf("// Package %s runs the network %s of %s, compiled by netc: input %s,\n"+
		"// %d classes, %s parameters, %.4g GFLOP per image forward.\n//\n"+
		"// New makes a model initialised as the spec says; Forward runs a batch; Save and Load write\n"+
		"// and read its parameters as safetensors, under PyTorch's names and layouts; Predict gives the\n"+
		"// class probabilities of an image, prepared as the spec says (Preprocessing).",
		g.opt.Package, n.Name, g.opt.Spec, n.Input, n.Classes, compiler.Thousands(params), float64(2*macs)/1e9))
	if g.opt.Generate != "" {
		f.HeaderComment("//go:generate " + g.opt.Generate)
	}

	// const ( InputChannels = 3 … )
	f.Comment("The network's input and output, as the spec gives them.")
	f.Const().Defs(
		jen.Id("InputChannels").Op("=").Lit(n.Input.C),
		jen.Id("InputHeight").Op("=").Lit(n.Input.H),
		jen.Id("InputWidth").Op("=").Lit(n.Input.W),
		jen.Id("Classes").Op("=").Lit(n.Classes),
		jen.Comment("InputSize is the number of values of one image: InputChannels × InputHeight × InputWidth."),
		jen.Id("InputSize").Op("=").Id("InputChannels*InputHeight*InputWidth"),
		jen.Comment("ForwardFLOPs is the forward pass's floating-point operations per image: 2 × multiply-adds."),
		jen.Id("ForwardFLOPs").Op("=").Lit(int(2*macs)),
		jen.Comment("DefaultSeed is the seed New initialises the parameters from."),
		jen.Id("DefaultSeed").Op("=").Lit(DefaultSeed),
	)

	f.Comment("Spec is the text of the spec this package was compiled from, for tools that need its settings")
	f.Comment("(the augment block, say) and for provenance.")
	spec := jen.Op("`" + string(g.opt.Source) + "`") // a raw string, as the spec reads
	if strings.ContainsAny(string(g.opt.Source), "`\r") {
		// A quoted string instead, a line of the spec on each line of Go.
		var lines []jen.Code
		for _, l := range strings.SplitAfter(string(g.opt.Source), "\n") {
			if l != "" {
				lines = append(lines, jen.Lit(l))
			}
		}
		spec = jen.Lit("")
		if len(lines) > 0 {
			spec = jen.Null()
			for i, l := range lines {
				if i > 0 {
					spec.Op("+").Line()
				}
				spec.Add(l)
			}
		}
	}
	f.Const().Id("Spec").Op("=").Add(spec)
	g.modelStruct(f)
	g.constructor(f)
	g.initParams(f)
	g.accessors(f)
	g.forward(f)
	g.reserve(f)
}

// modelStruct emits the Model type: parameters, the memory plan's buffers, and the kernels.
func (g *gen) modelStruct(f *jen.File) {
	var fields []jen.Code
	fields = append(fields, jen.Comment("Parameters, in PyTorch's layouts."))
	for _, p := range g.params {
		fields = append(fields, jen.Id(p.field).Index().Float32().Comment(fmt.Sprint(p.Shape)))
	}
	fields = append(fields,
		jen.Id("params").Index().Qual(rt, "Param").Comment("the parameters in spec order, with their gradients"),
		jen.Line(),
		jen.Id("seed").Uint64().Comment("the seed of the parameters and of dropout masks"),
		jen.Id("velocity").Index().Qual(rt, "Param").Comment("the optimiser's momentum, per parameter (Momentum)"),
		jen.Id("chunks").Index().Id("chunk").Comment("the parameters cut in pieces for the workers to update"),
		jen.Id("lr").Float64().Comment("the learning rate of the next Step"),
		jen.Id("steps").Int64().Comment("Steps taken; dropout masks depend on it"),
		jen.Line(),
		jen.Id("train").Bool().Comment("the mode of the last Forward"),
		jen.Id("images").Int().Comment("the batch size the buffers are sized for"),
		jen.Id("n").Int().Comment("the batch size of the current Forward"),
		jen.Id("wide").Bool().Comment("n < workers: per-image kernels run on one goroutine, their GEMMs split"),
		jen.Id("x").Index().Float32().Comment("the current input"),
		jen.Id("buf").Index(jen.Lit(len(g.n.Buffers))).Index().Float32().Comment("the activation buffers of the memory plan"),
		jen.Id("scratch").Index().Index().Float32().Comment(fmt.Sprintf("per worker: the kernels' scratch, %d values", g.n.Scratch)),
		g.ifBlocked(jen.Id("outs").Index().Index().Float32().Comment("per worker: the blocked output its direct convolution's kernel calls write in place")),
		g.ifInPlace(jen.Id("ins").Index().Index().Float32().Comment("per worker: the image its direct convolution's kernel calls read in place")),
		jen.Id("workspaces").Index().Op("*").Qual(rt, "Workspace").Comment("per worker: GEMM packing buffers, the model's own"),
		jen.Id("grad").Index(jen.Lit(2)).Index().Float32().Comment(fmt.Sprintf("the backward pass's gradient buffers, %d values per image each", g.n.GradSize)),
		jen.Id("partials").Index().Index().Float32().Comment(fmt.Sprintf("per worker: its images' parameter gradients, %d values", g.n.Partials)),
		jen.Id("labels").Index().Int32().Comment("the labels of the current Backward"),
		jen.Id("losses").Index().Float64().Comment("each image's loss"),
	)
	for _, s := range g.n.Steps {
		if s.Packed > 0 {
			fields = append(fields, jen.Id(g.name[s]+"Packed").Index().Float32().Comment(
				fmt.Sprintf("%s's parameters laid out for its forward kernel", s.Main().Name)))
		}
	}
	if g.packs() {
		fields = append(fields, jen.Id("stale").Bool().Comment("the parameters may have changed since they were last packed"))
	}
	for _, s := range g.n.Steps {
		if s.Relaid > 0 {
			fields = append(fields, jen.Id(g.name[s]+"Relaid").Index().Float32().Comment(
				fmt.Sprintf("%s's weights laid out for its backward pass", s.Main().Name)))
		}
	}
	for _, s := range g.masked() {
		fields = append(fields, jen.Id(g.name[s]+"Mask").Index().Float32().Comment(
			fmt.Sprintf("%s's mask, %d values per image", s.Main().Name, s.Mask)))
	}
	fields = append(fields, jen.Id("kernels").Id("kernels"))
	f.Comment("Model holds the network's parameters and the buffers of its memory plan. A Model is not safe")
	f.Comment("for concurrent use; Forward's result is valid until the next call.")
	f.Type().Id("Model").Struct(fields...)

	var kfields []jen.Code
	for _, name := range g.boundKernels() {
		kfields = append(kfields, jen.Id(name).Func().Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()))
	}
	kfields = append(kfields,
		jen.Id("lossBackward").Func().Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()),
		jen.Id("sgd").Func().Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()),
	)
	f.Comment("kernels are the steps' kernels bound to the model once, so that Forward, Backward and Step")
	f.Comment("allocate nothing.")
	f.Type().Id("kernels").Struct(kfields...)
}

// constructor emits New and NewSeeded.
func (g *gen) constructor(f *jen.File) {
	f.Comment("New returns the model with its parameters initialised as the spec says, from DefaultSeed.")
	f.Func().Id("New").Params().Op("*").Id("Model").Block(jen.Return(jen.Id("NewSeeded").Call(jen.Id("DefaultSeed"))))

	body := []jen.Code{
		jen.Id("m").Op(":=").Op("&").Id("Model").Values(jen.Dict{jen.Id("seed"): jen.Id("seed")}),
	}
	var entries []jen.Code
	for _, s := range g.n.Steps {
		if s.Relaid > 0 {
			body = append(body, x("m.%sRelaid = runtime.Floats(%d)", g.name[s], s.Relaid))
		}
		if s.Packed > 0 {
			body = append(body, x("m.%sPacked = runtime.Floats(%d)", g.name[s], s.Packed))
		}
	}
	for _, p := range g.params {
		body = append(body, jen.Id("m").Dot(p.field).Op("=").Qual(rt, "Floats").Call(jen.Lit(size(p.Shape))))
		shape := make([]jen.Code, len(p.Shape))
		for i, d := range p.Shape {
			shape[i] = jen.Lit(d)
		}
		// {Name: "conv1.weight", Shape: []int{96, 3, 11, 11}, Data: m.conv1Weight, Grad: make([]float32, 34848)}
		entries = append(entries, jen.Values(
			jen.Id("Name").Op(":").Lit(p.Name),
			jen.Id("Shape").Op(":").Index().Int().Values(shape...),
			jen.Id("Data").Op(":").Id("m").Dot(p.field),
			jen.Id("Grad").Op(":").Qual(rt, "Floats").Call(jen.Lit(size(p.Shape))),
		))
	}
	body = append(body,
		jen.Id("m").Dot("params").Op("=").Index().Qual(rt, "Param").Values(listLines(entries)...),
		jen.Id("m").Dot("initParams").Call(),
		g.markStale(""),
		jen.Id("m").Dot("scratch").Op("=").Make(jen.Index().Index().Float32(), jen.Qual(rt, "Workers").Call()),
		jen.Id("m").Dot("workspaces").Op("=").Make(jen.Index().Op("*").Qual(rt, "Workspace"), jen.Qual(rt, "Workers").Call()),
		g.ifBlocked(jen.Id("m").Dot("outs").Op("=").Make(jen.Index().Index().Float32(), jen.Qual(rt, "Workers").Call())),
		g.ifInPlace(jen.Id("m").Dot("ins").Op("=").Make(jen.Index().Index().Float32(), jen.Qual(rt, "Workers").Call())),
		jen.For(jen.Id("w").Op(":=").Range().Id("m").Dot("scratch")).Block(
			jen.Id("m").Dot("scratch").Index(jen.Id("w")).Op("=").Qual(rt, "Floats").Call(jen.Lit(int(g.n.Scratch))),
			jen.Id("m").Dot("workspaces").Index(jen.Id("w")).Op("=").Qual(rt, "NewWorkspace").Call(),
		),
	)
	kernels := jen.Dict{jen.Id("lossBackward"): x("m.lossBackward"), jen.Id("sgd"): x("m.sgd")}
	for _, name := range g.boundKernels() {
		kernels[jen.Id(name)] = jen.Id("m").Dot(name)
	}
	body = append(body,
		x("m.lr = LearningRate0"),
		x("m.velocity = make([]runtime.Param, len(m.params))"),
		jen.For(x("i, p := range m.params")).Block(
			x("m.velocity[i] = runtime.Param{Name: p.Name + \".momentum\", Shape: p.Shape, Data: runtime.Floats(len(p.Data))}"),
			jen.Comment("Pieces of 64Ki values, so that the workers share the update evenly."),
			jen.For(x("lo := 0; lo < len(p.Data); lo += 1 << 16")).Block(
				x("m.chunks = append(m.chunks, chunk{i, lo, min(lo+1<<16, len(p.Data))})"),
			),
		),
		x("m.partials = make([][]float32, runtime.Workers())"),
		jen.For(x("w := range m.partials")).Block(x("m.partials[w] = runtime.Floats(%d)", g.n.Partials)),
	)
	body = append(body,
		jen.Id("m").Dot("kernels").Op("=").Id("kernels").Values(kernels),
		jen.Return(jen.Id("m")),
	)
	f.Comment("NewSeeded returns the model with its parameters initialised as the spec says, from seed.")
	f.Func().Id("NewSeeded").Params(jen.Id("seed").Uint64()).Op("*").Id("Model").Block(body...)
}

// listLines puts each element of a composite literal on its own line.
func listLines(items []jen.Code) []jen.Code {
	out := make([]jen.Code, 0, len(items)+1)
	for _, it := range items {
		out = append(out, jen.Line().Add(it))
	}
	return append(out, jen.Line())
}

// initParams emits the initialisation: each parameter from its own stream of the seed, so that
// one parameter's values do not depend on the others.
func (g *gen) initParams(f *jen.File) {
	body := []jen.Code{jen.Id("rng").Op(":=").Qual(rt, "NewRNG").Call(jen.Id("m").Dot("seed"))}
	for i, p := range g.params {
		data := jen.Id("m").Dot(p.field)
		switch init := p.Init; init.Kind {
		case compiler.InitNormal, compiler.InitKaiming:
			std, how := init.Std, init.String()
			if init.Kind == compiler.InitKaiming {
				fan := size(p.Shape[1:]) // fan_in: in/groups · kh · kw, or in
				what := "fan_in"
				if init.FanOut {
					fan, what = p.Shape[0]*size(p.Shape[2:]), "fan_out"
				}
				std = math.Sqrt(2 / float64(fan))
				how = fmt.Sprintf("kaiming(%s): N(0, 2/%d)", what, fan)
			}
			// r := rng.Split(0) ; r.FillNormal(m.conv1Weight, 0, 0.01)
			body = append(body, jen.Block(
				jen.Comment(fmt.Sprintf("%s: %s", p.Name, how)),
				jen.Id("r").Op(":=").Id("rng").Dot("Split").Call(jen.Lit(i)),
				jen.Id("r").Dot("FillNormal").Call(data, jen.Lit(0.0), jen.Lit(std)),
			))
		default:
			body = append(body,
				jen.Id("fill").Call(data, jen.Lit(float32(init.Value))).Comment(fmt.Sprintf("%s: %s", p.Name, init)))
		}
	}
	f.Comment("initParams initialises every parameter as the spec says, from m.seed.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("initParams").Params().Block(body...)

	f.Comment("fill sets every value of x to v.")
	f.Func().Id("fill").Params(jen.Id("x").Index().Float32(), jen.Id("v").Float32()).Block(
		jen.For(jen.Id("i").Op(":=").Range().Id("x")).Block(jen.Id("x").Index(jen.Id("i")).Op("=").Id("v")),
	)
}

// accessors emits Params, Save and Load.
func (g *gen) accessors(f *jen.File) {
	f.Comment("Params returns the parameters in spec order, with PyTorch's names and layouts. Their Data and")
	f.Comment("Grad are the model's own: writing them changes the model.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Params").Params().Index().Qual(rt, "Param").Block(
		g.markStale("the caller may write them"),
		jen.Return(jen.Id("m").Dot("params")),
	)

	f.Comment("Save writes the parameters as safetensors: F32, one tensor per parameter under its name.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Save").Params(jen.Id("w").Qual("io", "Writer")).Error().Block(
		jen.Return(jen.Qual(rt, "WriteSafetensors").Call(jen.Id("w"), jen.Id("m").Dot("params"), jen.Map(jen.String()).String().Values(jen.Dict{
			jen.Lit("format"):           jen.Lit("pt"),
			jen.Lit(runtime.NetworkKey): jen.Lit(g.n.Name),
			jen.Lit(runtime.SpecKey):    jen.Lit(g.opt.Spec),
		}))),
	)

	aliases := jen.Dict{}
	for _, p := range g.params {
		if from := p.Learn.From; from != "" {
			suffix := ".weight"
			if p.Bias {
				suffix = ".bias"
			}
			aliases[jen.Lit(from+suffix)] = jen.Lit(p.Name)
		}
	}
	f.Comment("fileNames maps the names other tools' weight files give parameters (the layers' from settings)")
	f.Comment("to the spec's names; Load accepts either.")
	if len(aliases) == 0 {
		f.Var().Id("fileNames").Map(jen.String()).String()
	} else {
		f.Var().Id("fileNames").Op("=").Map(jen.String()).String().Values(aliases)
	}
	f.Comment("Load reads parameters written by Save, or by PyTorch's safetensors from a state dict with the")
	f.Comment("spec's names (or the names of the layers' from settings). Every name, shape and dtype is checked;")
	f.Comment("on any error the model is unchanged.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Load").Params(jen.Id("r").Qual("io", "Reader")).Error().Block(
		jen.Id("fresh").Op(":=").Make(jen.Index().Qual(rt, "Param"), jen.Len(jen.Id("m").Dot("params"))),
		jen.For(jen.Id("i").Op(",").Id("p").Op(":=").Range().Id("m").Dot("params")).Block(
			jen.Id("fresh").Index(jen.Id("i")).Op("=").Qual(rt, "Param").Values(jen.Dict{
				jen.Id("Name"):  jen.Id("p").Dot("Name"),
				jen.Id("Shape"): jen.Id("p").Dot("Shape"),
				jen.Id("Data"):  jen.Make(jen.Index().Float32(), jen.Len(jen.Id("p").Dot("Data"))),
			}),
		),
		jen.If(jen.Err().Op(":=").Qual(rt, "ReadSafetensorsWith").Call(jen.Id("r"), jen.Id("fresh"),
			jen.Qual(rt, "SafetensorsOptions").Values(jen.Dict{jen.Id("Aliases"): jen.Id("fileNames")})), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Err()),
		),
		jen.For(jen.Id("i").Op(",").Id("p").Op(":=").Range().Id("fresh")).Block(
			jen.Copy(jen.Id("m").Dot("params").Index(jen.Id("i")).Dot("Data"), jen.Id("p").Dot("Data")),
		),
		g.markStale(""),
		jen.Return(jen.Nil()),
	)
}

// forward emits Forward: one kernel call per step that does work.
func (g *gen) forward(f *jen.File) {
	body := []jen.Code{
		jen.If(jen.Id("n").Op("<").Lit(1).Op("||").Len(jen.Id("x")).Op("<").Id("n").Op("*").Id("InputSize")).Block(
			jen.Panic(jen.Qual("fmt", "Sprintf").Call(jen.Lit(g.opt.Package+": Forward of %d images needs %d input values, got %d"),
				jen.Id("n"), jen.Id("n").Op("*").Id("InputSize"), jen.Len(jen.Id("x")))),
		),
		jen.Id("m").Dot("reserve").Call(jen.Id("n")),
		g.packIfStale(),
		jen.Id("m").Dot("x").Op("=").Id("x").Index(jen.Empty(), jen.Id("n").Op("*").Id("InputSize")),
		x("m.train = train"),
	}
	var out int
	chains := g.n.Chains()
	for _, s := range g.n.Steps {
		out = s.OutBuf
		if s.View {
			continue
		}
		if s.Chain > 0 {
			steps := chains[s.Chain-1]
			if s != steps[0] {
				continue
			}
			var alone []jen.Code
			for _, c := range steps {
				alone = append(alone, g.call(c, false).Comment(c.Name()))
			}
			body = append(body, jen.If(x("m.wide")).Block(alone...).Else().Block(
				x("runtime.Parallel(m.n, m.kernels.%s)", g.chainName(steps)).Comment(chainSpan(steps)+", image by image"),
			))
			continue
		}
		call := g.call(s, false).Comment(s.Name())
		switch {
		case s.TrainOnly && s.InBuf == s.OutBuf:
			call = jen.If(jen.Id("train")).Block(call)
		case s.TrainOnly:
			// At inference the step is the identity, but its output has a buffer of its own.
			in, _ := g.slices(s)
			in = strings.Replace(in, "m.n*inSize", fmt.Sprintf("n*%d", s.In().Size()), 1)
			call = jen.If(jen.Id("train")).Block(call).Else().Block(
				x("copy(m.buf[%d][:n*%d], %s)", s.OutBuf, s.Out().Size(), in).Comment(s.Name() + ": the identity"))
		}
		body = append(body, call)
	}
	body = append(body, jen.Return(jen.Id("m").Dot("buf").Index(jen.Lit(out)).Index(jen.Empty(), jen.Id("n").Op("*").Id("Classes"))))
	f.Comment("Forward runs the network on n images, NCHW float32 in x (n·InputSize values), and returns the")
	f.Comment("n×Classes logits, valid until the next call. With train false, dropout is the identity; with")
	f.Comment("train true, each call draws new dropout masks from the seed. It allocates nothing once the")
	f.Comment("buffers for n images exist.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Forward").Params(
		jen.Id("x").Index().Float32(), jen.Id("n").Int(), jen.Id("train").Bool(),
	).Index().Float32().Block(body...)

	for _, steps := range chains {
		g.chain(f, steps)
	}

	f.Comment("multiply computes p for a per-image kernel run by worker, with the worker's workspace; or, when the")
	f.Comment("kernels run on one goroutine (fewer images than workers), split over the workers.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("multiply").Params(jen.Id("worker").Int(), jen.Id("p").Qual(rt, "Product")).Block(
		jen.If(jen.Id("m").Dot("wide")).Block(x("runtime.ParallelMultiply(p)"), jen.Return()),
		x("runtime.Multiply(m.workspaces[worker], p)"),
	)

	f.Comment("perImage runs a per-image kernel over the batch: each worker takes a share of the images, or,")
	f.Comment("with fewer images than workers, this goroutine takes them all and the kernel's GEMMs are split.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("perImage").Params(
		jen.Id("kernel").Func().Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()),
	).Block(
		jen.If(jen.Id("m").Dot("wide")).Block(
			jen.Id("kernel").Call(jen.Lit(0), jen.Lit(0), jen.Id("m").Dot("n")),
			jen.Return(),
		),
		jen.Qual(rt, "Parallel").Call(jen.Id("m").Dot("n"), jen.Id("kernel")),
	)
}

// chainName is the name of the method that runs a chain's steps image by image: conv1ToPool2
// (made unique among the package's names by newGen).
func (g *gen) chainName(steps []*compiler.Step) string {
	return g.chains[steps[0].Chain-1]
}

// chainSpan names a chain's steps by the first and the last: "conv1 + conv1.relu … pool2".
func chainSpan(steps []*compiler.Step) string {
	return steps[0].Name() + " … " + steps[len(steps)-1].Name()
}

// chain emits the method that runs a chain's steps (compiler.Lowering.Chain) on images lo…hi−1,
// one image through all of them before the next; Forward calls it over the workers when it has
// at least as many images as workers.
func (g *gen) chain(f *jen.File, steps []*compiler.Step) {
	var calls []jen.Code
	for _, s := range steps {
		name := g.name[s]
		if units := s.Units; units > 0 {
			calls = append(calls, x("m.%s(worker, i*%d, (i+1)*%d)", name, units, units).Comment(s.Name()))
			continue
		}
		calls = append(calls, x("m.%s(worker, i, i+1)", name).Comment(s.Name()))
	}
	first, last := steps[0].Main(), steps[len(steps)-1].Layers[len(steps[len(steps)-1].Layers)-1]
	f.Comment(fmt.Sprintf("%s runs %s (%s–%d) on images lo…hi−1,", g.chainName(steps), chainSpan(steps), g.where(first), last.Pos.Line))
	f.Comment("each image through every step before the next, so that each step reads what the one before wrote")
	f.Comment("while it is in the cache: the compiler chains these steps because their weights fit in the cache")
	f.Comment("together (compiler.chainWeightBytes).")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(g.chainName(steps)).Params(jen.Id("worker"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.For(x("i := lo; i < hi; i++")).Block(calls...),
	)
}

// call is the call of a step's forward or backward kernel over the batch, by its split: each
// worker a share of the images (m.perImage), or of the channel planes, or the whole batch at once.
// ifBlocked returns code when a step of the network writes the channel-blocked layout (so a
// direct convolution writes it in place, forward or backward), else nothing.
func (g *gen) ifBlocked(code jen.Code) jen.Code {
	for _, s := range g.n.Steps {
		if s.Layout == compiler.LayoutBlocked {
			return code
		}
	}
	return jen.Null()
}

// ifInPlace is code when a direct convolution of the network reads its image in place
// (ConvBlocking.InPlace), else nothing.
func (g *gen) ifInPlace(code jen.Code) jen.Code {
	for _, s := range g.n.Steps {
		if b := s.ConvBlocking(); b != nil && b.InPlace {
			return code
		}
	}
	return jen.Null()
}

func (g *gen) call(s *compiler.Step, backward bool) *jen.Statement {
	name := kernelName(g, s, backward)
	switch s.Split {
	case compiler.SplitPlanes:
		// unit u: block u%(C/16) of image u/(C/16), or channel u%C of image u/C
		return x("runtime.Parallel(m.n*%d, m.kernels.%s)", s.Units, name)
	case compiler.SplitBatch:
		return x("m.%s()", name)
	}
	return x("m.perImage(m.kernels.%s)", name)
}

// reserve emits the buffer allocation: once per larger batch size.
func (g *gen) reserve(f *jen.File) {
	grow := []jen.Code{}
	holds := make([][]string, len(g.n.Buffers)) // the outputs each buffer holds in turn
	for _, s := range g.n.Steps {
		if !s.View && s.InBuf != s.OutBuf {
			holds[s.OutBuf] = append(holds[s.OutBuf], s.Name())
		}
	}
	for b, sz := range g.n.Buffers {
		grow = append(grow, jen.Id("m").Dot("buf").Index(jen.Lit(b)).Op("=").Qual(rt, "Floats").Call(jen.Id("n").Op("*").Lit(int(sz))).
			Comment(strings.Join(holds[b], ", ")))
	}
	for _, s := range g.masked() {
		grow = append(grow, jen.Id("m").Dot(g.name[s]+"Mask").Op("=").Make(jen.Index().Float32(), jen.Id("n").Op("*").Lit(int(s.Mask))))
	}
	grow = append(grow,
		x("m.grad[0], m.grad[1] = runtime.Floats(n*%d), runtime.Floats(n*%d)", g.n.GradSize, g.n.GradSize),
		x("m.losses = make([]float64, n)"),
		jen.Id("m").Dot("images").Op("=").Id("n"),
	)
	f.Comment("reserve sizes the buffers for n images, allocating only when n is larger than ever before.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("reserve").Params(jen.Id("n").Int()).Block(
		jen.Id("m").Dot("n").Op(",").Id("m").Dot("wide").Op("=").Id("n").Op(",").Id("n").Op("<").Qual(rt, "Workers").Call().
			Comment("the plan's rule for a wide batch (compiler.Wide)"),
		jen.If(jen.Id("n").Op(">").Id("m").Dot("images")).Block(grow...),
	)
}
