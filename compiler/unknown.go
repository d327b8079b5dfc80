package compiler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netc-project/netc/dsl"
)

// A choice is one word of a fixed set a spec picks from at some place — an op, a setting, a line
// of a block, one of a setting's words — with what to suggest for it and the names other tools
// give the same thing, which a user may write by habit.
type choice struct {
	word    string   // what the word is matched by: conv, lr
	show    string   // how the list of valid words shows it, "" to leave it out (a suggestion only)
	use     string   // what "did you mean" offers: conv OUT kernel KERNEL …, sgd lr 0.01
	aliases []string // other tools' names: Conv2d, Linear, weight_decay
}

// A vocab is the words one place of a spec takes, in the order messages list them.
type vocab []choice

// words is a vocab of plain words, each listed and offered as itself.
func words(ws ...string) vocab {
	v := make(vocab, len(ws))
	for i, w := range ws {
		v[i] = choice{word: w, show: w, use: w}
	}
	return v
}

// lineVocab is what may head a line at the top level of a spec: the ops, listed; and, offered
// only, the network's settings and the blocks and their lines, for a line in the wrong place.
func lineVocab() vocab {
	var v vocab
	for _, o := range Ops() {
		d := o.d
		var names []string
		for _, x := range d.others {
			names = append(names, x.name)
		}
		v = append(v, choice{word: d.word, show: d.word, use: d.schema.form(), aliases: names})
	}
	for _, head := range slices.Sorted(maps.Keys(topSchemas)) {
		sc := topSchemas[head]
		v = append(v, choice{word: head, use: sc.form(), aliases: sc.aliases})
	}
	for _, block := range slices.Sorted(maps.Keys(blockSchemas)) {
		v = append(v, choice{word: block, use: block + " { … }"})
		for _, head := range slices.Sorted(maps.Keys(blockSchemas[block])) {
			sc := blockSchemas[block][head]
			v = append(v, choice{word: head, use: block + " { " + sc.form() + " }", aliases: sc.aliases})
		}
	}
	return v
}

// blockVocab is what may head a line of a block: its lines, listed; and, offered only, the
// settings of those lines, for a setting written as a line of its own (lr 0.01 for sgd lr 0.01).
// rest is what the line carries after its head, to show in the suggestion.
func blockVocab(block, rest string) vocab {
	if rest == "" {
		rest = "…"
	}
	var v vocab
	heads := slices.Sorted(maps.Keys(blockSchemas[block]))
	for _, head := range heads {
		sc := blockSchemas[block][head]
		v = append(v, choice{word: head, show: head, use: head, aliases: sc.aliases})
	}
	for _, head := range heads {
		sc := blockSchemas[block][head]
		for _, st := range sc.settings {
			if st.name != sc.positional {
				v = append(v, choice{word: st.name, use: head + " " + st.name + " " + rest, aliases: st.aliases})
			}
		}
	}
	return v
}

// blockWords are the blocks a spec may have.
func blockWords() vocab { return words(slices.Sorted(maps.Keys(blockSchemas))...) }

// unknown formats the message for word, written where one of v's words belongs:
//
//	unknown WHAT "word"; valid: a, b, c; did you mean b?
//
// It offers the choice word names by another tool's name or a different case or spelling of
// underscores and a trailing 2d (Conv2d, max_pool, weight_decay), else the one choice within a
// small edit distance of it; or, when word is something netc does not have (adam, BatchNorm),
// it says so.
func (v vocab) unknown(what, word string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown %s %q", what, dsl.Short(word))
	var listed []string
	for _, c := range v {
		if c.show != "" {
			listed = append(listed, c.show)
		}
	}
	if len(listed) > 0 {
		b.WriteString("; valid: " + strings.Join(listed, ", "))
	}
	if note := lacks[foldWord(word)]; note != "" {
		b.WriteString("; " + note)
	} else if s := v.suggest(word); len(s) > 0 {
		b.WriteString("; did you mean " + strings.Join(s, " or ") + "?")
	}
	return b.String()
}

// suggest returns what to offer for word: every choice that word names by another spelling or
// alias, else the single closest choice if it is a likely typo.
func (v vocab) suggest(word string) []string {
	f := foldWord(word)
	var named []string
	for _, c := range v {
		if foldWord(c.word) == f || slices.ContainsFunc(c.aliases, func(a string) bool { return foldWord(a) == f }) {
			if !slices.Contains(named, c.use) {
				named = append(named, c.use)
			}
		}
	}
	if len(named) > 0 {
		return named
	}
	// A typo: at most 2 edits, and no more than half of the word's other letters, so that a
	// short word is not matched to any other short word; a tie suggests nothing.
	best, bestD, tie := "", min(2, (len(f)-1)/2)+1, false
	for _, c := range v {
		switch d := editDistance(f, foldWord(c.word)); {
		case d < bestD:
			best, bestD, tie = c.use, d, false
		case d == bestD && c.use != best:
			tie = true
		}
	}
	if best == "" || tie {
		return nil
	}
	return []string{best}
}

// foldWord is the form in which words are compared: lower case, without underscores or a trailing
// "2d", so that MaxPool2d, max_pool and maxpool are one word.
func foldWord(w string) string {
	w = strings.ReplaceAll(strings.ToLower(w), "_", "")
	if t := strings.TrimSuffix(w, "2d"); t != "" {
		w = t
	}
	return w
}

// lacks says, for things other tools have and netc has not (by their folded names), what netc
// offers instead. A message about an unknown word says this rather than suggest a look-alike:
// elu is not a typo of relu.
var lacks = func() map[string]string {
	m := map[string]string{}
	for _, row := range []struct {
		note  string
		words []string
	}{
		{"netc has no batch normalisation (AlexNet normalises with lrn)",
			[]string{"batchnorm", "batchnormalization", "bn", "batchnorm1d", "groupnorm", "layernorm", "instancenorm"}},
		{"netc's only optimiser is sgd: sgd lr X momentum M decay D",
			[]string{"adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lamb", "lars"}},
		{"netc's activations are relu and tanh",
			[]string{"sigmoid", "gelu", "elu", "selu", "silu", "swish", "mish", "leakyrelu", "prelu", "relu6", "softplus", "hardtanh"}},
		{"an activation is a layer of its own: write relu or tanh on the next line",
			[]string{"activation", "act"}},
		{"netc's conv is 2-D and has no dilation: conv OUT kernel K stride S padding P groups G",
			[]string{"conv1d", "conv3d", "convtranspose", "deconvolution", "dilation", "dilatedconv"}},
		{"netc has no Glorot (Xavier), uniform or orthogonal initialisation",
			[]string{"xavier", "glorot", "uniform", "xaviernormal", "xavieruniform", "glorotuniform", "glorotnormal", "orthogonal", "kaiminguniform", "heuniform"}},
	} {
		for _, w := range row.words {
			m[w] = row.note
		}
	}
	return m
}()

// editDistance is the Levenshtein distance between a and b (64 for long words, which are never
// typos of a keyword).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
