// Command classify prints the five most likely ImageNet classes of images, using torchvision's
// AlexNet as netc compiles it from specs/alexnet_torchvision.net, with the spec's evaluation
// crops (the paper's ten crops: four corners and the centre, and their mirror images) and their
// softmax averaged.
//
//	classify -weights alexnet.safetensors [-labels classes.txt] IMAGE...
//
// The weights are torchvision's state dict saved as safetensors, under torchvision's names
// (features.0.weight …) or the spec's (conv1.weight …); README.md shows the few lines of Python
// that make the file. The labels file, if given, has one class name per line, in index order.
// Exit status 1 on a bad image, weight file or labels file, each named in the message.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/generated/alexnet_torchvision"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	weights := fs.String("weights", "", "torchvision's alexnet weights as safetensors (required)")
	labels := fs.String("labels", "", "a file of class names, one per line")
	top := fs.Int("top", 5, "how many classes to print")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *weights == "" || fs.NArg() == 0 || *top < 1 {
		fmt.Fprintln(stderr, "usage: classify -weights FILE [-labels FILE] [-top N] IMAGE...")
		return 2
	}
	c, err := newClassifier(*weights, *labels)
	if err != nil {
		fmt.Fprintln(stderr, "classify:", err)
		return 1
	}
	status := 0
	for _, path := range fs.Args() {
		preds, err := c.classifyFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "classify:", err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "%s:\n", path)
		for _, p := range preds[:min(*top, len(preds))] {
			fmt.Fprintf(stdout, "  %6.2f%%  %s\n", 100*p.Prob, c.name(p.Class))
		}
	}
	return status
}

// classifier holds the model, the evaluation crops and the class names.
type classifier struct {
	model *alexnet_torchvision.Model
	aug   *data.Augmenter
	names []string
	x     []float32
}

// Prediction is a class and its probability, averaged over the evaluation crops.
type Prediction struct {
	Class int
	Prob  float64
}

// newModel is the model classify runs.
func newModel() *alexnet_torchvision.Model { return alexnet_torchvision.New() }

func newClassifier(weights, labels string) (*classifier, error) {
	net, err := compiler.Compile("specs/alexnet_torchvision.net", []byte(alexnet_torchvision.Spec))
	if err != nil {
		return nil, fmt.Errorf("the compiled-in spec: %v", err)
	}
	aug, err := data.NewAugmenter(net.Augment, net.Input)
	if err != nil {
		return nil, err
	}
	c := &classifier{model: newModel(), aug: aug, x: make([]float32, aug.Crops()*aug.Size())}
	f, err := os.Open(weights)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := c.model.Load(bufio.NewReader(f)); err != nil {
		return nil, fmt.Errorf("%s: %v", weights, err)
	}
	if labels != "" {
		if c.names, err = readLabels(labels); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readLabels reads one class name per line; there must be one per class.
func readLabels(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		names = append(names, s.Text())
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(names) != alexnet_torchvision.Classes {
		return nil, fmt.Errorf("%s: %d class names, want %d", path, len(names), alexnet_torchvision.Classes)
	}
	return names, nil
}

func (c *classifier) name(class int) string {
	if c.names != nil {
		return c.names[class]
	}
	return fmt.Sprintf("class %d", class)
}

func (c *classifier) classifyFile(path string) ([]Prediction, error) {
	img, err := data.Load(path)
	if err != nil {
		return nil, err
	}
	if err := c.aug.Eval(img, c.x); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return c.classify(c.x, c.aug.Crops()), nil
}

// classify runs the model on the crops of one image in x and returns every class by
// decreasing probability, each the mean of the crops' softmax.
func (c *classifier) classify(x []float32, crops int) []Prediction {
	logits := c.model.Forward(x, crops, false)
	probs := make([]float64, alexnet_torchvision.Classes)
	for i := 0; i < crops; i++ {
		row := logits[i*alexnet_torchvision.Classes : (i+1)*alexnet_torchvision.Classes]
		top := row[0]
		for _, v := range row {
			top = max(top, v)
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v - top))
		}
		for j, v := range row {
			probs[j] += math.Exp(float64(v-top)) / sum / float64(crops)
		}
	}
	preds := make([]Prediction, len(probs))
	for j, p := range probs {
		preds[j] = Prediction{Class: j, Prob: p}
	}
	sort.SliceStable(preds, func(a, b int) bool { return preds[a].Prob > preds[b].Prob })
	return preds
}
