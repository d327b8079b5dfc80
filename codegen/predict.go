package codegen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/netc-project/netc/compiler"
)

const pre = "github.com/netc-project/netc/preprocess"

// predict emits what a program that classifies images needs beyond Forward, so that it needs
// neither the spec nor netc's parser: the spec's preprocessing as a preprocess.Config
// (Preprocessing), Input (an image to the network's input), Probabilities (logits to the mean of
// the crops' softmax) and Predict (the three in turn).
func (g *gen) predict(f *jen.File) {
	n, a := g.n, g.n.Augment
	mean, std := a.Mean, a.Std
	if !a.Set { // no augment block: values in [0, 1]
		mean, std = [3]float64{}, [3]float64{1, 1, 1}
	}
	floats := func(v [3]float64) jen.Code {
		return jen.Index(jen.Lit(3)).Float64().Values(jen.Lit(v[0]), jen.Lit(v[1]), jen.Lit(v[2]))
	}
	f.Comment("Preprocessing is how the spec prepares an image for the network, as training evaluated it:")
	for _, line := range wrap(preprocessing(n.Input, a, mean, std), 95) {
		f.Comment(line)
	}
	f.Comment("")
	f.Comment("Input and Predict use it. A copy with other values serves a model trained on images prepared")
	f.Comment("otherwise.")
	field := func(name string, v jen.Code) jen.Code { return jen.Id(name).Op(":").Add(v) }
	f.Var().Id("Preprocessing").Op("=").Qual(pre, "Config").Values(listLines([]jen.Code{
		field("Channels", jen.Id("InputChannels")),
		field("Height", jen.Id("InputHeight")),
		field("Width", jen.Id("InputWidth")),
		field("Resize", jen.Lit(a.Resize)),
		field("TenCrop", jen.Lit(a.Eval == compiler.EvalTenCrop)),
		field("Mean", floats(mean)),
		field("Std", floats(std)),
	})...)

	f.Comment("Input returns the network's input for img, prepared as Preprocessing says: Preprocessing.Crops()")
	f.Comment("images of InputSize values, for Forward. It fails only if img is empty.")
	f.Func().Id("Input").Params(jen.Id("img").Qual("image", "Image")).Params(jen.Index().Float32(), jen.Error()).Block(
		x("x := make([]float32, Preprocessing.Crops()*InputSize)"),
		jen.If(x("err := Preprocessing.Prepare(img, x)"), x("err != nil")).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("x"), jen.Nil()),
	)

	f.Comment("Probabilities returns the probability of each class for one image, given the logits Forward")
	f.Comment("returned for its crops (the rows of logits): the mean of the crops' softmax.")
	f.Func().Id("Probabilities").Params(jen.Id("logits").Index().Float32()).Index().Float64().Block(
		jen.Return(x("runtime.MeanSoftmax(logits, len(logits)/Classes, Classes)")),
	)

	f.Comment("Predict returns the probability of each class for img: its Input, run through Forward without")
	f.Comment("dropout, and the Probabilities of the logits. It fails only if img is empty.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Predict").Params(jen.Id("img").Qual("image", "Image")).Params(jen.Index().Float64(), jen.Error()).Block(
		x("x, err := Input(img)"),
		jen.If(x("err != nil")).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(x("Probabilities(m.Forward(x, Preprocessing.Crops(), false))"), jen.Nil()),
	)
}

// preprocessing says in words what a spec's preprocessing does to an image.
func preprocessing(in compiler.Shape, a compiler.Augment, mean, std [3]float64) string {
	var b strings.Builder
	side := max(in.H, in.W)
	if a.Resize > 0 {
		fmt.Fprintf(&b, "scaled so that its shorter side is %d, the central %d×%d square kept; ", a.Resize, a.Resize, a.Resize)
	} else {
		fmt.Fprintf(&b, "scaled so that its shorter side is %d if it is longer, or if the image is smaller than the input (else used as it is); ", side)
	}
	if a.Eval == compiler.EvalTenCrop {
		fmt.Fprintf(&b, "cut into the ten crops of %d×%d (corners and centre, and their mirror images)", in.W, in.H)
	} else {
		fmt.Fprintf(&b, "its central %d×%d cropped", in.W, in.H)
	}
	if in.C == 1 {
		fmt.Fprintf(&b, "; its grey values in [0, 1] normalised as (v − %g) / %g.", mean[0], std[0])
	} else {
		fmt.Fprintf(&b, "; its RGB values in [0, 1] normalised as (v − mean) / std, mean %g, std %g.", mean, std)
	}
	return b.String()
}

// wrap breaks text into lines of at most width bytes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
