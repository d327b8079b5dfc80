package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netc-project/netc/dsl"
)

// Defaults for what a spec leaves out.
var (
	defaultWeightInit = Init{Kind: InitNormal, Std: 0.01}
	defaultBiasInit   = Init{Kind: InitConstant, Value: 0}
	defaultTrain      = Train{Batch: 128, Epochs: 1, LR: 0.01, Momentum: 0.9, Decay: 0.0005,
		Rule: RulePyTorch, Gamma: 0.1, Weights: Mult{1, 1}, Biases: Mult{1, 1}}
	// ImageNet's per-channel mean and standard deviation of RGB values in [0, 1].
	imagenetMean = [3]float64{0.485, 0.456, 0.406}
	imagenetStd  = [3]float64{0.229, 0.224, 0.225}
)

// build is the first pass: it reads the AST into a Network, typing and range-checking every
// setting, resolving constants and naming layers. Shapes are left to the next pass.
func build(file *dsl.File, filename string, errs *dsl.ErrorList) *Network {
	n := &Network{File: filename, Rounding: RoundExact, Train: defaultTrain,
		Init: Inits{Weight: defaultWeightInit, Bias: defaultBiasInit}}
	d := &decoder{consts: map[string]*dsl.Value{}, errs: errs}
	b := &builder{net: n, dec: d, seen: map[string]dsl.Pos{}, names: map[string]dsl.Pos{}}

	// Constants first, in order, so that any line may use any constant.
	for _, st := range file.Stmts {
		if c := st.Const; c != nil {
			b.defineConst(c)
		}
	}
	// Network-wide defaults (rounding, init) apply to every layer, wherever they are written.
	for _, st := range file.Stmts {
		switch {
		case st.Line != nil && topSchemas[st.Line.Word()] != nil:
			b.top(st.Line)
		case st.Block != nil:
			b.block(st.Block)
		}
	}
	for _, st := range file.Stmts {
		if st.Line != nil && topSchemas[st.Line.Word()] == nil {
			b.layer(st.Line)
		}
	}
	for _, head := range []string{"network", "input", "classes"} {
		if _, ok := b.seen[head]; !ok {
			n.Broken = true
			errs.Add(dsl.Pos{Filename: filename, Line: 1, Column: 1}, "missing %q: a spec must say %s",
				head, map[string]string{"network": "its name (network NAME)",
					"input": "its input (input CxHxW)", "classes": "its number of classes (classes N)"}[head])
		}
	}
	if len(n.Layers) == 0 {
		n.Broken = true
		errs.Add(dsl.Pos{Filename: filename, Line: 1, Column: 1}, "the network has no layers")
	}
	b.checkAugment()
	n.Stage = StageBuilt
	return n
}

type builder struct {
	net   *Network
	dec   *decoder
	seen  map[string]dsl.Pos // top-level settings and blocks already given
	names map[string]dsl.Pos // layer names
	owner string             // the last labelled layer, which names the unlabelled ones after it
	count map[string]int     // unlabelled layers per owner.op, for unique names

	augmentPos dsl.Pos
	mean, std  given              // the augment block's mean and std, counted against the input's channels
	froms      map[string]dsl.Pos // the from names of layers, which must be unique
}

func (b *builder) errs() *dsl.ErrorList { return b.dec.errs }

func (b *builder) defineConst(c *dsl.Const) {
	switch {
	case keywords[c.Name]:
		b.errs().Add(c.Pos, "const %s: %q is a keyword; choose another name", dsl.Short(c.Name), dsl.Short(c.Name))
	case b.dec.consts[c.Name] != nil:
		b.errs().Add(c.Pos, "const %s is defined twice (first at line %d)", dsl.Short(c.Name), b.dec.consts[c.Name].Pos.Line)
	default:
		v := b.dec.resolve(c.Value)
		if v.Ident != nil {
			b.errs().Add(c.Value.Pos, "const %s: unknown name %q: not a constant defined above", dsl.Short(c.Name), dsl.Short(*v.Ident))
			return
		}
		b.dec.consts[c.Name] = v
	}
}

// once reports whether a top-level setting or block is given for the first time, and complains
// when it is not.
func (b *builder) once(what string, pos dsl.Pos) bool {
	if first, ok := b.seen[what]; ok {
		b.errs().Add(pos, "%s is given twice (first at line %d)", what, first.Line)
		return false
	}
	b.seen[what] = pos
	return true
}

func (b *builder) top(l *dsl.Line) {
	if l.Label != "" {
		b.errs().Add(l.Pos, "%s: only layers take a label; %q is a network setting", dsl.Short(l.Label), dsl.Short(l.Word()))
	}
	if l.Expect != nil {
		b.errs().Add(l.Expect.Pos, "%s takes no expected shape", dsl.Short(l.Word()))
	}
	if !b.once(l.Word(), l.Pos) {
		return
	}
	n := b.net
	if l.Call != nil {
		n.Broken = true
		b.headCall("", "", l)
		return
	}
	before := len(*b.errs())
	s := b.dec.decode("", topSchemas[l.Head], l)
	if len(*b.errs()) > before {
		n.Broken = true
	}
	switch l.Head {
	case "network":
		n.Name = s.word("name", "")
	case "input":
		if a := s["shape"]; a != nil {
			n.Input, n.InputPos = Shape{C: a.dims[0], H: a.dims[1], W: a.dims[2]}, a.pos
			if in := n.Input; channelsLast(in.Dims()) {
				n.Broken = true
				b.errs().Add(a.pos, "input %s is %d channels of %dx%d pixels; input is channels first: CxHxW; use input %dx%dx%d",
					in, in.C, in.H, in.W, in.W, in.C, in.H)
			}
		}
	case "classes":
		n.Classes = s.int("n", 0)
	case "rounding":
		n.Rounding = parseRounding(s.word("mode", "exact"))
	}
}

// channelsLast reports whether dims, given for a C×H×W image, look like an H×W×C one instead:
// the last size 1, 3 or 4 (grey, RGB, RGBA), the first two larger than 4 and the second at least
// four times the last (so that 16x8x4, a plausible C×H×W, is not taken for one). Such an input
// as written is nearly always a mistake (PyTorch and netc put channels first; Keras and image
// files, last).
func channelsLast(dims []int) bool {
	if len(dims) != 3 {
		return false
	}
	c := dims[2]
	return (c == 1 || c == 3 || c == 4) && dims[0] > 4 && dims[1] > 4 && dims[1] >= 4*c
}

func parseRounding(w string) Rounding {
	return map[string]Rounding{"exact": RoundExact, "floor": RoundFloor, "ceil": RoundCeil}[w]
}

func (b *builder) block(bl *dsl.Block) {
	schemas := blockSchemas[bl.Name]
	if schemas == nil {
		b.errs().Add(bl.Pos, "%s", blockWords().unknown("block", bl.Name))
		return
	}
	if !b.once(bl.Name, bl.Pos) {
		return
	}
	if bl.Name == "augment" {
		a := &b.net.Augment
		a.Set, a.Mean, a.Std, a.Eval = true, imagenetMean, imagenetStd, EvalCenter
		b.augmentPos = bl.Pos
	}
	seen := map[string]dsl.Pos{}
	for _, l := range bl.Lines {
		prefix := bl.Name + ": "
		if l.Label != "" {
			b.errs().Add(l.Pos, "%sa label is not allowed here", prefix)
		}
		if l.Expect != nil {
			b.errs().Add(l.Expect.Pos, "%s%s takes no expected shape", prefix, dsl.Short(l.Word()))
		}
		if l.Call != nil {
			b.headCall(prefix, bl.Name, l)
			continue
		}
		sc := schemas[l.Head]
		if sc == nil {
			b.errs().Add(l.WordPos(), "%s%s", prefix, blockVocab(bl.Name, argsString(l.Args)).unknown("setting", l.Head))
			continue
		}
		if first, ok := seen[l.Head]; ok {
			b.errs().Add(l.Pos, "%s%s is given twice (first at line %d)", prefix, dsl.Short(l.Head), first.Line)
			continue
		}
		seen[l.Head] = l.Pos
		s := b.dec.decode(prefix, sc, l)
		b.apply(bl.Name, l, s)
	}
}

// apply stores one decoded line of a block into the network.
func (b *builder) apply(block string, l *dsl.Line, s settings) {
	n := b.net
	t, a := &n.Train, &n.Augment
	switch block + "." + l.Head {
	case "init.weight":
		if x := s["init"]; x != nil {
			n.Init.Weight = x.init
		}
	case "init.bias":
		if x := s["init"]; x != nil {
			n.Init.Bias = x.init
		}
	case "train.batch":
		t.Batch = s.int("n", t.Batch)
	case "train.epochs":
		t.Epochs = s.int("n", t.Epochs)
	case "train.sgd":
		t.LR = s.num("lr", t.LR)
		t.Momentum = s.num("momentum", t.Momentum)
		t.Decay = s.num("decay", t.Decay)
		t.Rule = map[string]UpdateRule{"pytorch": RulePyTorch, "paper": RulePaper}[s.word("rule", "pytorch")]
	case "train.lr_steps":
		if x := s["at"]; x != nil {
			for i, e := range x.nums {
				if i > 0 && int(e) <= t.Steps[i-1] {
					b.errs().Add(x.pos, "train: lr_steps must be increasing epochs, but %d follows %d", int(e), t.Steps[i-1])
					break
				}
				t.Steps = append(t.Steps, int(e))
			}
		}
		t.Gamma = s.num("gamma", t.Gamma)
	case "train.weights":
		t.Weights = Mult{s.num("lr_mult", 1), s.num("decay_mult", 1)}
	case "train.biases":
		t.Biases = Mult{s.num("lr_mult", 1), s.num("decay_mult", 1)}
	case "augment.resize":
		a.Resize = s.int("shorter", 0)
	case "augment.crop":
		a.Crop = s.int("size", 0)
	case "augment.flip":
		a.Flip = s.word("axis", "none") == "horizontal"
	case "augment.lighting":
		a.Lighting = s.num("std", 0)
	case "augment.mean":
		if x := s["values"]; x != nil {
			copy(a.Mean[:], x.nums)
			b.mean = given{len(x.nums), x.pos}
		}
	case "augment.std":
		if x := s["values"]; x != nil {
			copy(a.Std[:], x.nums)
			b.std = given{len(x.nums), x.pos}
		}
	case "augment.eval":
		a.Eval = map[string]EvalCrops{"center": EvalCenter, "tencrop": EvalTenCrop}[s.word("crops", "center")]
	}
}

// checkAugment checks the augmentation settings against each other and the input.
func (b *builder) checkAugment() {
	a, in := &b.net.Augment, b.net.Input
	if !a.Set {
		return
	}
	if a.Crop != 0 && a.Resize != 0 && a.Crop > a.Resize {
		b.errs().Add(b.augmentPos, "augment: crop %d is larger than the resized image's shorter side %d", a.Crop, a.Resize)
	}
	if a.Crop != 0 && in.H != 0 && (a.Crop != in.H || a.Crop != in.W) {
		b.errs().Add(b.augmentPos, "augment: crop %d does not match the input %dx%d", a.Crop, in.H, in.W)
	}
	if a.Lighting != 0 && in.C != 0 && in.C != 3 {
		b.errs().Add(b.augmentPos, "augment: lighting needs 3 input channels (RGB), the input has %d", in.C)
	}
	b.checkNormalisation()
}

// given is how many values a setting of the augment block gave, and where.
type given struct {
	n   int
	pos dsl.Pos
}

// checkNormalisation counts the augment block's mean and std against the input's channels: three
// values for RGB, one for grey. A grey input's default is no normalisation (mean 0, std 1), since
// ImageNet's RGB statistics do not apply to it.
func (b *builder) checkNormalisation() {
	a, in := &b.net.Augment, b.net.Input
	if in.C == 0 { // no input, reported elsewhere
		return
	}
	want := 3
	if in.C == 1 {
		want = 1
		a.Mean, a.Std = [3]float64{a.Mean[0]}, [3]float64{a.Std[0], 1, 1}
		if b.mean.n == 0 {
			a.Mean[0] = 0
		}
		if b.std.n == 0 {
			a.Std[0] = 1
		}
	}
	for _, g := range []struct {
		name string
		given
	}{{"mean", b.mean}, {"std", b.std}} {
		switch {
		case g.n == 0 || g.n == want:
		case want == 1:
			b.errs().Add(g.pos, "augment: %s takes 1 value for the grey input %v, not %d", g.name, in, g.n)
		default:
			b.errs().Add(g.pos, "augment: %s takes 3 values (RGB) or 1 (grey), not %d; the input %v has %d channels", g.name, g.n, in, in.C)
		}
	}
}

// layer reads one layer line.
func (b *builder) layer(l *dsl.Line) {
	op, known := opByWord(l.Head)
	name := b.name(l)
	prefix := name + ": "
	if !known {
		if l.Call != nil {
			b.headCall(prefix, "", l)
		} else {
			b.errs().Add(l.WordPos(), "%s%s", prefix, lineVocab().unknown("op", l.Head))
		}
		b.net.Layers = append(b.net.Layers, &Layer{Name: name, Pos: l.Pos, Broken: true})
		return
	}
	before := len(*b.errs())
	d := op.def()
	s := b.dec.decode(prefix, &d.schema, l)
	layer := &Layer{Name: name, Pos: l.Pos, Op: op}
	defer func() { layer.Broken = len(*b.errs()) > before }()
	if l.Expect != nil {
		dims, err := l.Expect.Dims()
		switch {
		case err != nil:
			b.errs().Add(l.Expect.Pos, "%sexpected shape %s: %v", prefix, dsl.Short(l.Expect.Text), err)
		case len(dims) != 1 && len(dims) != 3:
			b.errs().Add(l.Expect.Pos, "%sexpected shape %s must be CxHxW or a single size", prefix, dsl.Short(l.Expect.Text))
		case slices.Contains(dims, 0):
			b.errs().Add(l.Expect.Pos, "%sexpected shape %s has a zero size", prefix, dsl.Short(l.Expect.Text))
		default:
			layer.Expect, layer.ExpectPos = dims, l.Expect.Pos
		}
	}
	if d.build != nil {
		d.build(b, layer, s, prefix)
	}
	b.net.Layers = append(b.net.Layers, layer)
}

// name gives a layer its label, or, when unlabelled, its owner's label and its op: conv1.relu.
func (b *builder) name(l *dsl.Line) string {
	if l.Label != "" {
		if first, ok := b.names[l.Label]; ok {
			b.errs().Add(l.Pos, "%s: duplicate layer name (first at line %d)", dsl.Short(l.Label), first.Line)
		}
		b.names[l.Label] = l.Pos
		b.owner = l.Label
		return l.Label
	}
	if b.count == nil {
		b.count = map[string]int{}
	}
	base := l.Word()
	if b.owner != "" {
		base = b.owner + "." + base
	}
	for {
		b.count[base]++
		name := base
		if c := b.count[base]; c > 1 {
			name = fmt.Sprintf("%s%d", base, c)
		}
		if _, taken := b.names[name]; !taken {
			b.names[name] = l.Pos
			return name
		}
	}
}

func (b *builder) rounding(s settings) Rounding {
	if a := s["rounding"]; a != nil {
		return parseRounding(a.text)
	}
	return b.net.Rounding
}

func (b *builder) learn(s settings) Learn {
	l := Learn{Bias: true, WeightInit: b.net.Init.Weight, BiasInit: b.net.Init.Bias,
		LRMult: s.num("lr_mult", 1), DecayMult: s.num("decay_mult", 1), From: s.word("from", "")}
	if a := s["from"]; a != nil {
		if first, ok := b.froms[l.From]; ok {
			b.errs().Add(a.pos, "from %q is given twice (first at line %d)", l.From, first.Line)
		}
		if b.froms == nil {
			b.froms = map[string]dsl.Pos{}
		}
		b.froms[l.From] = a.pos
	}
	if a := s["weight"]; a != nil {
		l.WeightInit = a.init
	}
	if a := s["bias"]; a != nil {
		if a.off {
			l.Bias, l.BiasInit = false, Init{}
		} else {
			l.BiasInit = a.init
		}
	}
	return l
}

// argsString renders a line's values as written, for messages.
func argsString(args []*dsl.Value) string {
	texts := make([]string, len(args))
	for i, a := range args {
		texts[i] = dsl.Short(a.String())
	}
	return strings.Join(texts, " ")
}
