package compiler

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/netc-project/netc/dsl"
)

// An arg is one setting's value as written, typed by its schema.
type arg struct {
	pos  dsl.Pos
	num  float64   // kInt, kNum
	nums []float64 // kInts, kNums
	pair [2]int    // kPair: h, w
	dims []int     // kDims
	text string    // kName, kWord
	init Init      // kInit, kBias
	off  bool      // kBias: off
}

// settings are a line's decoded values by setting name.
type settings map[string]*arg

func (s settings) int(name string, def int) int {
	if a := s[name]; a != nil {
		return int(a.num)
	}
	return def
}

func (s settings) num(name string, def float64) float64 {
	if a := s[name]; a != nil {
		return a.num
	}
	return def
}

func (s settings) pair(name string, def [2]int) [2]int {
	if a := s[name]; a != nil {
		return a.pair
	}
	return def
}

func (s settings) word(name, def string) string {
	if a := s[name]; a != nil {
		return a.text
	}
	return def
}

// decoder types the values of lines against their schemas, resolving named constants.
type decoder struct {
	consts map[string]*dsl.Value
	errs   *dsl.ErrorList
}

// decode groups a line's values into settings: an optional positional value, then `key value`
// pairs (or a lone key for flags, or a key followed by a run of numbers for lists). Every
// problem is reported at the value that has it; what could be decoded is returned.
func (d *decoder) decode(prefix string, sc *schema, line *dsl.Line) settings {
	out := settings{}
	given := map[string]bool{} // settings written, valid or not
	args := line.Args
	i := 0
	if sc.positional != "" && len(args) > 0 && !d.isKey(sc, args[0]) {
		given[sc.positional] = true
		i = d.take(prefix, sc.display(sc.positional), args, 0, out)
	}
	for i < len(args) {
		a := args[i]
		if !d.isKey(sc, a) {
			name := a.Ident != nil && d.consts[*a.Ident] == nil
			// A line of one positional value (network NAME, input SHAPE, dropout P) has no
			// setting names to list, unless the word is another tool's for its one.
			only := len(sc.settings) == 1 && sc.positional != "" && (!name || sc.vocab().suggest(*a.Ident) == nil)
			switch {
			case len(sc.settings) == 0:
				d.errs.Add(a.Pos, "%sunexpected %s %s: %s takes no settings", prefix, a.Kind(), dsl.Short(a.String()), sc.head)
			case only:
				d.errs.Add(a.Pos, "%sunexpected %s %s: %s takes one value, %s", prefix, a.Kind(), dsl.Short(a.String()), sc.head, kindNames[sc.settings[0].kind])
			case name:
				d.errs.Add(a.Pos, "%s%s", prefix, sc.vocab().unknown(sc.head+" setting", *a.Ident))
				if i+1 < len(args) && !d.isKey(sc, args[i+1]) {
					i++ // skip what is most likely the unknown setting's value
				}
			default:
				d.errs.Add(a.Pos, "%sunexpected %s %s where a setting name belongs (%s takes %s)", prefix, a.Kind(), dsl.Short(a.String()), sc.head, sc.names())
			}
			i++
			continue
		}
		st := sc.display(*a.Ident)
		if given[st.name] {
			d.errs.Add(a.Pos, "%s%s is set twice", prefix, st.name)
		}
		given[*a.Ident] = true
		if st.kind == kFlag {
			out[st.key()] = &arg{pos: a.Pos}
			i++
			continue
		}
		if i+1 >= len(args) || d.isKey(sc, args[i+1]) {
			d.errs.Add(a.Pos, "%s%s needs a value: %s", prefix, st.name, kindNames[st.kind])
			i++
			continue
		}
		i += 1 + d.take(prefix, st, args, i+1, out)
	}
	for _, name := range sc.required {
		switch st := sc.display(name); {
		case given[name]:
		case st.name == sc.head:
			d.errs.Add(line.Pos, "%s%s needs a value: %s", prefix, sc.head, kindNames[st.kind])
		case name == sc.positional:
			d.errs.Add(line.Pos, "%smissing %s's %s: %s", prefix, sc.head, name, kindNames[st.kind])
		default:
			d.errs.Add(line.Pos, "%smissing %s: %s", prefix, name, kindNames[st.kind])
		}
	}
	return out
}

// isKey reports whether v is a setting name of the schema (and not a constant's name).
func (d *decoder) isKey(sc *schema, v *dsl.Value) bool {
	return v.Ident != nil && sc.lookup(*v.Ident) != nil
}

// take types the value(s) at args[i:] for setting st, stores them in out (when valid) and
// returns how many values it consumed.
func (d *decoder) take(prefix string, st *setting, args []*dsl.Value, i int, out settings) int {
	key := st.key()
	if st.kind == kInts || st.kind == kNums {
		a := &arg{pos: args[i].Pos}
		n, ok := 0, true
		for ; i+n < len(args); n++ {
			v := d.resolve(args[i+n])
			if v.Number == nil {
				if n == 0 {
					d.errs.Add(v.Pos, "%s%s must be %s, not %s %s", prefix, st.name, kindNames[st.kind], v.Kind(), dsl.Short(args[i+n].String()))
					return 1
				}
				break
			}
			x, good := d.number(prefix, st, v, args[i+n])
			ok = ok && good
			a.nums = append(a.nums, x)
		}
		if st.count > 0 && n != st.count {
			d.errs.Add(a.pos, "%s%s takes %d values, not %d", prefix, st.name, st.count, n)
			ok = false
		}
		if ok {
			out[key] = a
		}
		return n
	}
	if a, ok := d.value(prefix, st, args[i]); ok {
		out[key] = a
	}
	return 1
}

// resolve replaces a constant's name by its value.
func (d *decoder) resolve(v *dsl.Value) *dsl.Value {
	if v.Ident != nil {
		if c := d.consts[*v.Ident]; c != nil {
			return c
		}
	}
	return v
}

// value types a single value for setting st.
func (d *decoder) value(prefix string, st *setting, written *dsl.Value) (*arg, bool) {
	v := d.resolve(written)
	a := &arg{pos: written.Pos}
	bad := func() (*arg, bool) {
		if v.Ident != nil && !keywords[*v.Ident] && st.kind != kWord && st.kind != kName {
			d.errs.Add(written.Pos, "%sunknown name %q: not a constant", prefix, dsl.Short(*v.Ident))
			return nil, false
		}
		if st.kind == kWord {
			d.errs.Add(written.Pos, "%s%s", prefix, words(st.words...).unknown(st.name+" value", written.String()))
			return nil, false
		}
		d.errs.Add(written.Pos, "%s%s must be %s, not %s %s%s", prefix, st.name, kindNames[st.kind], v.Kind(), dsl.Short(written.String()), sizeHint(st, v))
		return nil, false
	}
	switch st.kind {
	case kInt, kNum:
		if v.Number == nil {
			return bad()
		}
		x, ok := d.number(prefix, st, v, written)
		a.num = x
		return a, ok
	case kPair:
		switch {
		case v.Number != nil:
			x, ok := d.number(prefix, st, v, written)
			a.pair = [2]int{int(x), int(x)}
			return a, ok
		case v.Shape != nil:
			dims, err := dsl.ParseDims(*v.Shape)
			if err != nil || len(dims) != 2 {
				d.errs.Add(written.Pos, "%s%s must be %s, not %s%s", prefix, st.name, kindNames[kPair], dsl.Short(written.String()), sizeHint(st, v))
				return nil, false
			}
			for _, x := range dims {
				if !st.inRange(float64(x)) {
					d.errs.Add(written.Pos, "%s%s %s is out of range: each size must be %s", prefix, st.name, written, st.describeRange())
					return nil, false
				}
			}
			a.pair = [2]int{dims[0], dims[1]}
			return a, true
		}
		return bad()
	case kDims:
		if v.Shape == nil {
			return bad()
		}
		dims, err := dsl.ParseDims(*v.Shape)
		if err != nil || len(dims) != 3 {
			d.errs.Add(written.Pos, "%s%s must be %s, not %s%s", prefix, st.name, kindNames[kDims], dsl.Short(written.String()), sizeHint(st, v))
			return nil, false
		}
		for _, x := range dims {
			if !st.inRange(float64(x)) {
				d.errs.Add(written.Pos, "%s%s %s is out of range: each size must be %s", prefix, st.name, written, st.describeRange())
				return nil, false
			}
		}
		a.dims = dims
		return a, true
	case kString:
		if v.Str == nil {
			return bad()
		}
		text, err := strconv.Unquote(*v.Str)
		if err != nil || text == "" || strings.ContainsAny(text, "\x00\n\"") {
			d.errs.Add(written.Pos, "%s%s %s is not a valid name", prefix, st.name, dsl.Short(*v.Str))
			return nil, false
		}
		a.text = text
		return a, true
	case kName:
		if written.Ident == nil {
			return bad()
		}
		a.text = *written.Ident
		return a, true
	case kWord:
		if v.Ident == nil {
			return bad()
		}
		for _, w := range st.words {
			if w == *v.Ident {
				a.text = w
				return a, true
			}
		}
		d.errs.Add(written.Pos, "%s%s", prefix, words(st.words...).unknown(st.name+" value", *v.Ident))
		return nil, false
	case kInit, kBias:
		if st.kind == kBias && v.Ident != nil && *v.Ident == "off" {
			a.off = true
			return a, true
		}
		init, ok := d.init(prefix, st, v, written)
		a.init = init
		return a, ok
	}
	return bad()
}

// sizeHint suggests, for a size or shape of the wrong form, the value that was likely meant, as
// "; write …" (or ""): a square size as one number (crop 32, not 32x32), a window without the
// channels (kernel 3, not 3x3x3: they are the input's), an image's height and width with its
// channels (input 3x32x32, not 32x32).
func sizeHint(st *setting, v *dsl.Value) string {
	var dims []int
	switch {
	case v.Shape != nil:
		dims, _ = dsl.ParseDims(*v.Shape)
	case v.Number != nil && st.kind == kDims:
		if x, err := dsl.ParseDims(*v.Number); err == nil {
			dims = []int{x[0], x[0]}
		}
	}
	switch {
	case dims == nil:
	case st.kind == kInt && len(dims) == 2 && dims[0] == dims[1]:
		return fmt.Sprintf("; write %s %d for %s", st.name, dims[0], *v.Shape)
	case st.kind == kPair && len(dims) == 3 && (dims[1] == dims[2] || dims[0] == dims[1]):
		return fmt.Sprintf("; write %s %d: the channels are the input's", st.name, dims[1])
	case st.kind == kDims && len(dims) == 2 && dims[0] > 4 && dims[1] > 4: // an image's height and width
		return fmt.Sprintf("; an image is CxHxW: write %s 3x%dx%d (RGB) or 1x%dx%d (grey)", st.name, dims[0], dims[1], dims[0], dims[1])
	}
	return ""
}

// number parses a numeric value and checks it against the setting's kind and range.
func (d *decoder) number(prefix string, st *setting, v, written *dsl.Value) (float64, bool) {
	x, err := strconv.ParseFloat(*v.Number, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		d.errs.Add(written.Pos, "%s%s %s is not a finite number", prefix, st.name, dsl.Short(*v.Number))
		return 0, false
	}
	if (st.kind == kInt || st.kind == kPair || st.kind == kInts) && x != math.Trunc(x) {
		d.errs.Add(written.Pos, "%s%s %s is not a whole number", prefix, st.name, dsl.Short(*v.Number))
		return 0, false
	}
	if !st.inRange(x) {
		if st.hi == maxSize && x > maxSize {
			d.errs.Add(written.Pos, "%s%s %s is absurdly large: the limit is %d", prefix, st.name, dsl.Short(*v.Number), maxSize)
		} else {
			d.errs.Add(written.Pos, "%s%s %s is out of range: it must be %s", prefix, st.name, dsl.Short(*v.Number), st.describeRange())
		}
		return 0, false
	}
	return x, true
}

// init types an initialisation: normal(std), kaiming(fan_in|fan_out), constant(v), or a number
// (a constant).
func (d *decoder) init(prefix string, st *setting, v, written *dsl.Value) (Init, bool) {
	fail := func(format string, args ...any) (Init, bool) {
		d.errs.Add(written.Pos, prefix+st.name+": "+format, args...)
		return Init{}, false
	}
	real := func(a *dsl.Value, what string, lo float64, open bool) (float64, bool) {
		a = d.resolve(a)
		if a.Number == nil {
			fail("%s must be a number, not %s %s", what, a.Kind(), a)
			return 0, false
		}
		x, err := strconv.ParseFloat(*a.Number, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) || x < lo || (open && x == lo) {
			cmp := "≥"
			if open {
				cmp = ">"
			}
			fail("%s %s is out of range: it must be a finite number %s %g", what, *a.Number, cmp, lo)
			return 0, false
		}
		return x, true
	}
	if v.Number != nil {
		x, ok := real(v, "constant", -inf, false)
		return Init{Kind: InitConstant, Value: x}, ok
	}
	if v.Call == nil {
		if v.Ident != nil && !keywords[*v.Ident] {
			return fail("unknown name %q: not a constant", *v.Ident)
		}
		return fail("must be %s, not %s %s", kindNames[st.kind], v.Kind(), written)
	}
	c := v.Call
	nargs := func(n int) bool {
		if len(c.Args) != n {
			fail("%s takes %d argument, not %d", c.Name, n, len(c.Args))
			return false
		}
		return true
	}
	switch c.Name {
	case "normal":
		if !nargs(1) {
			return Init{}, false
		}
		std, ok := real(c.Args[0], "normal's std", 0, true)
		return Init{Kind: InitNormal, Std: std}, ok
	case "constant":
		if !nargs(1) {
			return Init{}, false
		}
		x, ok := real(c.Args[0], "constant", -inf, false)
		return Init{Kind: InitConstant, Value: x}, ok
	case "kaiming":
		if !nargs(1) {
			return Init{}, false
		}
		a := c.Args[0]
		if a.Ident == nil || (*a.Ident != "fan_in" && *a.Ident != "fan_out") {
			return fail("%s", words("fan_in", "fan_out").unknown("kaiming mode", a.String()))
		}
		return Init{Kind: InitKaiming, FanOut: *a.Ident == "fan_out"}, true
	}
	return fail("%s", initVocab.unknown("initialisation", c.Name))
}

// initVocab is the initialisations, with other tools' names for them.
var initVocab = vocab{
	{word: "normal", show: "normal(std)", use: "normal(std)", aliases: []string{"gaussian", "normal_", "randn"}},
	{word: "kaiming", show: "kaiming(fan_in|fan_out)", use: "kaiming(fan_in) or kaiming(fan_out)",
		aliases: []string{"kaiming_normal", "kaiming_normal_", "he", "he_normal", "msra"}},
	{word: "constant", show: "constant(v)", use: "constant(v)", aliases: []string{"const", "constant_", "fill", "zeros", "ones"}},
}
