package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netc-project/netc/dsl"
)

// headCall reports a line whose head is a call, as Python frameworks write a layer
// (conv1: Conv2d(3, 96, 11, stride=4)), at the call: what the call is in netc and the line to
// write instead. block is the line's block, "" at the top level.
func (b *builder) headCall(prefix, block string, l *dsl.Line) {
	c := l.Call
	call := c.String()
	if len(call) > 48 {
		call = c.Name + "(…)"
	}
	sc, x := findCall(block, c.Name)
	label := "" // only a layer keeps its label; elsewhere the label is an error of its own
	if l.Label != "" && sc != nil && block == "" && topSchemas[sc.head] != sc {
		label = dsl.Short(l.Label) + ": "
	}
	if sc == nil {
		v, what := lineVocab(), "op"
		if block != "" {
			v, what = blockVocab(block, ""), "setting"
		}
		b.errs().Add(c.Pos, "%s%s; and a line is a word and key value settings, not a call such as %s", prefix, v.unknown(what, c.Name), call)
		return
	}
	var params []param
	if x != nil {
		params = x.params
	} else if sc.positional != "" {
		params = []param{{sc.positional, sc.positional}}
	}
	line, bad := translate(sc, params, c)
	what := "a netc layer: write %s%s, an op and key value settings"
	if block != "" || topSchemas[sc.head] == sc {
		what = "a netc line: write %s%s, a word and key value settings"
	}
	msg := fmt.Sprintf("%s%s is a call, not "+what, prefix, call, label, line)
	var notes []string
	if x != nil && len(x.params) > 0 {
		var names, form []string
		var inferred []string
		for _, p := range x.params {
			switch p.setting {
			case "-":
				continue
			case "":
				inferred = append(inferred, p.name)
			case sc.positional:
				form = append(form, strings.ToUpper(p.setting))
			default:
				form = append(form, p.setting, strings.ToUpper(p.setting))
			}
			names = append(names, p.name)
		}
		note := fmt.Sprintf("%s's %s(%s) is %s", x.tool, x.name, strings.Join(names, ", "), strings.Join(append([]string{sc.head}, form...), " "))
		if len(inferred) > 0 {
			note += "; netc infers " + strings.Join(inferred, " and ") + " from the input"
		}
		notes = append(notes, note)
	}
	if bad != "" {
		notes = append(notes, bad+" has no netc equivalent")
	}
	if len(notes) > 0 {
		msg += " (" + strings.Join(notes, "; ") + ")"
	}
	b.errs().Add(c.Pos, "%s", msg)
}

// findCall finds what a call in a line's head means: an op (at the top level) or a line of the
// block, and the other tool's op whose name it is, if any: first by the exact name, then as
// fold compares words (conv2d is PyTorch's Conv2d, the first listed).
func findCall(block, name string) (*schema, *other) {
	if block != "" {
		for _, sc := range blockSchemas[block] {
			if foldWord(sc.head) == foldWord(name) || slices.ContainsFunc(sc.aliases, func(a string) bool { return foldWord(a) == foldWord(name) }) {
				return sc, nil
			}
		}
		return nil, nil
	}
	for _, d := range ops { // netc's own word first: conv(8, 3) is conv, not PyTorch's Conv2d
		if d.word == name {
			return &d.schema, nil
		}
	}
	for _, exact := range []bool{true, false} {
		for _, d := range ops {
			for i, x := range d.others {
				if x.name == name || !exact && foldWord(x.name) == foldWord(name) {
					return &d.schema, &d.others[i]
				}
			}
		}
	}
	for _, d := range ops {
		if foldWord(d.word) == foldWord(name) {
			return &d.schema, nil
		}
	}
	for _, sc := range topSchemas {
		if foldWord(sc.head) == foldWord(name) {
			return sc, nil
		}
	}
	return nil, nil
}

// translate writes call c as a line of schema sc: its positional arguments fill the settings
// params gives, its named ones the settings of their params' names, or of their own names or
// aliases. When an argument has no equivalent it returns the schema's form, with the argument;
// when a required setting is missing, the form alone.
func translate(sc *schema, params []param, c *dsl.HeadCall) (line, bad string) {
	args := c.Args
	if len(params) == 1 && len(args) > 1 && args[0].Key == "" && args[1].Key == "" {
		// input(3, 224, 224): the values of the one positional setting, if it takes several.
		if st := sc.lookup(params[0].setting); st != nil && (st.kind == kDims || st.kind == kNums || st.kind == kInts) {
			n := 0
			for n < len(args) && args[n].Key == "" && args[n].Value != nil {
				n++
			}
			tuple := &dsl.Arg{Pos: args[0].Pos}
			for _, a := range args[:n] {
				tuple.Tuple = append(tuple.Tuple, a.Value)
			}
			args = append([]*dsl.Arg{tuple}, args[n:]...)
		}
	}
	parts, given := []string{sc.head}, map[string]bool{}
	for i, a := range args {
		name, ok := "", true
		switch {
		case a.Key == "" && i < len(params):
			name = params[i].setting
		case a.Key == "":
			ok = false
		default:
			ok = false
			for _, p := range params {
				if p.name == a.Key {
					name, ok = p.setting, true
				}
			}
			for _, st := range sc.settings {
				if st.name == a.Key || slices.Contains(st.aliases, a.Key) {
					name, ok = st.name, true
				}
			}
		}
		if ok && (name == "" || name == "-") {
			continue // netc infers it, or it means nothing here
		}
		st := sc.lookup(name)
		var text string
		if ok && st != nil {
			text, ok = argText(st, a)
		}
		if !ok || st == nil {
			return sc.form(), dsl.Short(a.String())
		}
		given[name] = true
		switch {
		case text == "":
		case name == sc.positional:
			parts = slices.Insert(parts, 1, text)
		case st.kind == kFlag:
			parts = append(parts, name)
		default:
			parts = append(parts, name, text)
		}
	}
	for _, r := range sc.required {
		if !given[r] { // Linear(10) says nothing of fc's outputs: show the form, not a line that fails
			return sc.form(), ""
		}
	}
	return strings.Join(parts, " "), ""
}

// argText renders a call's argument as the value of setting st: a tuple as a size (11x11, or 11
// when square) or a list, Python's booleans as bias off or a flag; "" for a value that is the
// default. It reports false when the argument is no value of the setting's kind.
func argText(st *setting, a *dsl.Arg) (string, bool) {
	if a.Tuple != nil {
		texts := make([]string, len(a.Tuple))
		for i, v := range a.Tuple {
			if v.Number == nil {
				return "", false
			}
			texts[i] = dsl.Short(*v.Number)
		}
		switch st.kind {
		case kPair, kDims:
			if st.kind == kPair && len(texts) == 2 && texts[0] == texts[1] {
				return texts[0], true
			}
			return strings.Join(texts, "x"), true
		case kInts, kNums:
			return strings.Join(texts, " "), true
		}
		return "", false
	}
	v := a.Value
	if v.Ident != nil {
		switch b := strings.ToLower(*v.Ident); {
		case st.kind == kBias && b == "false":
			return "off", true
		case st.kind == kFlag && b == "true":
			return st.name, true
		case (st.kind == kBias || st.kind == kFlag) && b == "true", st.kind == kFlag && b == "false":
			return "", true
		}
	}
	if v.Call != nil || v.Str != nil || st.kind == kFlag {
		return "", false
	}
	return dsl.Short(v.String()), true
}
