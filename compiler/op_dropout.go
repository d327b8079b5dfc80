package compiler

import "fmt"

// Dropout zeroes each value with probability P during training (inverted: survivors are scaled
// by 1/(1−P)).
type Dropout struct{ P float64 }

// Dropout returns a dropout layer's configuration (nil for another op).
func (l *Layer) Dropout() *Dropout { return attrs[Dropout](l) }

// OpDropout is inverted dropout: in training each value is kept with probability 1−p and scaled
// by 1/(1−p), from a mask drawn per image and kept for the backward pass; at inference it is
// the identity. It works in place.
var OpDropout = newOp(&opDef{
	word:   "dropout",
	others: []other{{"PyTorch", "Dropout", []param{{"p", "p"}, {"inplace", "-"}}}},
	schema: schema{positional: "p", required: []string{"p"}, settings: []setting{real("p", 0, 1, false, true).aka("rate", "dropout_ratio")}},
	build: func(b *builder, l *Layer, s settings, prefix string) {
		l.Attrs = &Dropout{P: s.num("p", 0.5)}
	},
	check: func(l *Layer) error {
		if d := l.Dropout(); d == nil || d.P < 0 || d.P >= 1 {
			return fmt.Errorf("dropout configuration missing or out of range: %v", l.Attrs)
		}
		return nil
	},
	inPlace: true,
	split:   SplitImages,
	reads:   ReadsMask,
	lower: func(n *Network, s *Step, first bool) {
		lowerElementwise(n, s, first)
		s.Mask, s.TrainOnly = s.Out().Size(), true
	},
	torch:   func(l *Layer) string { return "x if mask is None else x * mask" },
	summary: func(l *Layer) string { return fmt.Sprintf("dropout %g", l.Dropout().P) },
})
