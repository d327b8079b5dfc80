package compiler

import (
	"fmt"
	"math"
	"strings"
)

// A kind is the type of a setting's value.
type kind int

const (
	kInt    kind = iota + 1 // a whole number
	kNum                    // a real number
	kPair                   // a whole number, or h×w
	kDims                   // a shape: c×h×w
	kName                   // a bare name
	kWord                   // one of a setting's words
	kFlag                   // no value: the word alone
	kInit                   // normal(std), kaiming(fan_in|fan_out), constant(v), or a number
	kBias                   // a number (constant), an init call, or off
	kInts                   // one or more whole numbers
	kNums                   // one or more real numbers
	kString                 // a quoted string
)

var kindNames = map[kind]string{
	kInt: "a whole number", kNum: "a number", kPair: "a size such as 3 or 5x3",
	kDims: "a shape such as 3x227x227", kName: "a name", kFlag: "nothing",
	kInit: "an initialisation: normal(std), kaiming(fan_in) or kaiming(fan_out), constant(v)",
	kBias: "off, a number, or an initialisation", kInts: "whole numbers", kNums: "numbers",
	kString: "a quoted string",
}

// A setting is one word a line may carry, with its value's kind and range.
type setting struct {
	name   string // as messages call it
	real   string // the name it is stored under, when messages call it by its line's head
	kind   kind
	words  []string // kWord: the allowed words
	lo, hi float64  // range of numeric values (inclusive unless open)
	loOpen bool     // lo itself is excluded
	hiOpen bool     // hi itself is excluded
	count  int      // kInts, kNums: exact number of values, 0 for any

	aliases []string // other tools' names for it (kernel_size, weight_decay), for messages
}

// aka returns the setting with other tools' names for it, which a message about an unknown
// setting recognises: positive("kernel", kPair).aka("kernel_size").
func (st setting) aka(names ...string) setting {
	st.aliases = names
	return st
}

// A schema lists what one kind of line takes: its head word, the setting its first bare value
// fills (if any), its settings and which are required.
type schema struct {
	head       string
	positional string
	settings   []setting
	required   []string
	aliases    []string // other tools' names for the line (optimizer, batch_size), for messages
}

func (s *schema) lookup(name string) *setting {
	for i := range s.settings {
		if s.settings[i].name == name {
			return &s.settings[i]
		}
	}
	return nil
}

// display returns the named setting as messages should call it: by the line's head when it is
// the line's only setting (`classes 0 is out of range`, not `n 0 is out of range`).
func (s *schema) display(name string) *setting {
	st := s.lookup(name)
	if len(s.settings) != 1 {
		return st
	}
	c := *st
	c.name, c.real = s.head, st.name
	return &c
}

// key is the name the setting's value is stored under.
func (st *setting) key() string {
	if st.real != "" {
		return st.real
	}
	return st.name
}

// form shows how a line of the schema is written: its head, its positional value and its other
// required settings, with placeholders, and … when it takes more: conv OUT kernel KERNEL ….
func (s *schema) form() string {
	parts := []string{s.head}
	if s.positional != "" {
		parts = append(parts, strings.ToUpper(s.positional))
	}
	for _, name := range s.required {
		if name != s.positional {
			parts = append(parts, name, strings.ToUpper(name))
		}
	}
	if len(s.settings) > len(s.required) {
		parts = append(parts, "…")
	}
	return strings.Join(parts, " ")
}

// vocab is the settings a line of the schema takes, in the schema's order.
func (s *schema) vocab() vocab {
	v := make(vocab, len(s.settings))
	for i, st := range s.settings {
		v[i] = choice{word: st.name, show: st.name, use: st.name, aliases: st.aliases}
	}
	return v
}

func (s *schema) names() string {
	var names []string
	for _, st := range s.settings {
		names = append(names, st.name)
	}
	return strings.Join(names, ", ")
}

const inf = math.MaxFloat64

// maxSize bounds every size a spec gives: channels, heights, kernels, classes, batch.
const maxSize = 1 << 20

// Ranges, named for the tables below.
func positive(name string, k kind) setting { return setting{name: name, kind: k, lo: 1, hi: maxSize} }
func nonneg(name string, k kind) setting   { return setting{name: name, kind: k, lo: 0, hi: maxSize} }
func word(name string, words ...string) setting {
	return setting{name: name, kind: kWord, words: words}
}
func flag(name string) setting { return setting{name: name, kind: kFlag} }
func real(name string, lo, hi float64, loOpen, hiOpen bool) setting {
	return setting{name: name, kind: kNum, lo: lo, hi: hi, loOpen: loOpen, hiOpen: hiOpen}
}

var (
	rounding       = word("rounding", "exact", "floor", "ceil")
	from           = setting{name: "from", kind: kString} // the layer's name in other tools' weight files
	learnMult      = []setting{real("lr_mult", 0, inf, false, false), real("decay_mult", 0, inf, false, false)}
	initW          = setting{name: "weight", kind: kInit}
	initB          = setting{name: "bias", kind: kBias}
	windowSettings = []setting{positive("kernel", kPair).aka("kernel_size", "pool_size"), positive("stride", kPair).aka("strides"),
		nonneg("padding", kPair).aka("pad"), rounding}
)

func join(lists ...[]setting) []setting {
	var out []setting
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// topSchemas are the settings of the network itself.
var topSchemas = map[string]*schema{
	"network":  {head: "network", aliases: []string{"name"}, positional: "name", required: []string{"name"}, settings: []setting{{name: "name", kind: kName}}},
	"input":    {head: "input", aliases: []string{"input_shape", "input_size"}, positional: "shape", required: []string{"shape"}, settings: []setting{{name: "shape", kind: kDims, lo: 1, hi: maxSize}}},
	"classes":  {head: "classes", aliases: []string{"num_classes", "n_classes"}, positional: "n", required: []string{"n"}, settings: []setting{{name: "n", kind: kInt, lo: 2, hi: maxSize}}},
	"rounding": {head: "rounding", positional: "mode", required: []string{"mode"}, settings: []setting{word("mode", "exact", "floor", "ceil")}},
}

// blockSchemas are the settings blocks and what each line in them takes.
var blockSchemas = map[string]map[string]*schema{
	"init": {
		"weight": {head: "weight", positional: "init", required: []string{"init"}, settings: []setting{{name: "init", kind: kInit}}},
		"bias":   {head: "bias", positional: "init", required: []string{"init"}, settings: []setting{{name: "init", kind: kInit}}},
	},
	"train": {
		"batch":  {head: "batch", aliases: []string{"batch_size"}, positional: "n", required: []string{"n"}, settings: []setting{positive("n", kInt)}},
		"epochs": {head: "epochs", aliases: []string{"num_epochs", "max_epochs"}, positional: "n", required: []string{"n"}, settings: []setting{positive("n", kInt)}},
		"sgd": {head: "sgd", aliases: []string{"optimizer", "optimiser"}, required: []string{"lr"}, settings: []setting{
			real("lr", 0, inf, true, false).aka("learning_rate", "base_lr"), real("momentum", 0, 1, false, true),
			real("decay", 0, inf, false, false).aka("weight_decay"), word("rule", "pytorch", "paper")}},
		"lr_steps": {head: "lr_steps", aliases: []string{"milestones", "stepvalue", "multisteplr"}, positional: "at", required: []string{"at", "gamma"}, settings: []setting{
			{name: "at", kind: kInts, lo: 1, hi: maxSize}, real("gamma", 0, 1, true, false)}},
		"weights": {head: "weights", settings: learnMult},
		"biases":  {head: "biases", settings: learnMult},
	},
	// mean and std take a value per input channel, which checkAugment counts once the input is known.
	"augment": {
		"resize":   {head: "resize", positional: "shorter", required: []string{"shorter"}, settings: []setting{positive("shorter", kInt)}},
		"crop":     {head: "crop", aliases: []string{"random_crop", "center_crop", "crop_size"}, positional: "size", required: []string{"size"}, settings: []setting{positive("size", kInt)}},
		"flip":     {head: "flip", aliases: []string{"random_flip", "horizontal_flip", "random_horizontal_flip", "mirror"}, positional: "axis", required: []string{"axis"}, settings: []setting{word("axis", "horizontal", "none")}},
		"lighting": {head: "lighting", positional: "std", required: []string{"std"}, settings: []setting{real("std", 0, inf, false, false)}},
		"mean":     {head: "mean", positional: "values", required: []string{"values"}, settings: []setting{{name: "values", kind: kNums, lo: -inf, hi: inf}}},
		"std":      {head: "std", positional: "values", required: []string{"values"}, settings: []setting{{name: "values", kind: kNums, lo: 0, hi: inf, loOpen: true}}},
		"eval":     {head: "eval", positional: "crops", required: []string{"crops"}, settings: []setting{word("crops", "center", "tencrop")}},
	},
}

// keywords are every word with a meaning in some line; constants may not take these names. It is
// made once the op table is complete.
var keywords map[string]bool

func init() { keywords = makeKeywords() }

func makeKeywords() map[string]bool {
	kw := map[string]bool{"const": true, "off": true, "normal": true, "kaiming": true, "constant": true,
		"fan_in": true, "fan_out": true}
	add := func(s *schema) {
		kw[s.head] = true
		for _, st := range s.settings {
			kw[st.name] = true
			for _, w := range st.words {
				kw[w] = true
			}
		}
	}
	for _, d := range ops {
		add(&d.schema)
	}
	for _, s := range topSchemas {
		add(s)
	}
	for name, b := range blockSchemas {
		kw[name] = true
		for _, s := range b {
			add(s)
		}
	}
	return kw
}

// describeRange says what values a numeric setting accepts, for messages.
func (st *setting) describeRange() string {
	lo, hi := "≥ ", "≤ "
	if st.loOpen {
		lo = "> "
	}
	if st.hiOpen {
		hi = "< "
	}
	switch {
	case st.lo == -inf && st.hi == inf:
		return "any number"
	case st.hi == inf || st.hi == maxSize:
		return fmt.Sprintf("%s%g", lo, st.lo)
	}
	return fmt.Sprintf("%s%g and %s%g", lo, st.lo, hi, st.hi)
}

func (st *setting) inRange(v float64) bool {
	if v < st.lo || (st.loOpen && v == st.lo) {
		return false
	}
	return v < st.hi || (!st.hiOpen && v == st.hi)
}
