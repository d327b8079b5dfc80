package modelcmd

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/runtime"
)

// PredictOptions are the flags of the predict command.
type PredictOptions struct {
	Weights string // the weights (or a checkpoint) to load
	Labels  string // a file of class names, one per line, rather than the weights' own
	Top     int    // how many classes to print per image
}

// PredictDefaults are the predict command's defaults: the five most likely classes.
func PredictDefaults() PredictOptions { return PredictOptions{Top: 5} }

// Define defines the flags on fs, with o's values as their defaults, to be parsed into o.
func (o *PredictOptions) Define(fs *flag.FlagSet) {
	fs.StringVar(&o.Weights, "weights", o.Weights, "the model's weights: the `FILE` netc train writes (weights.safetensors, or its checkpoint), or a state dict saved as safetensors")
	fs.StringVar(&o.Labels, "labels", o.Labels, "a `FILE` of class names, one per line in the order of the model's outputs (default: the names in the weights file, else class 0, class 1, …)")
	fs.IntVar(&o.Top, "top", o.Top, "how many of the most likely classes to print per image")
}

// Check reports options that cannot be used: a missing -weights, -top below 1, no image.
func (o *PredictOptions) Check(images []string) error {
	var errs []error
	if o.Weights == "" {
		errs = append(errs, errors.New("-weights FILE is required"))
	}
	if o.Top < 1 {
		errs = append(errs, fmt.Errorf("-top %d: at least 1", o.Top))
	}
	if len(images) == 0 {
		errs = append(errs, errors.New("no image to classify"))
	}
	return errors.Join(errs...)
}

// Predict runs the predict command: it parses args (flags, then the images) into o with fs,
// whose name starts every message, loads the weights into a model of n and prints, for each
// image (JPEG or PNG), its path and its Top most likely classes with their probabilities:
//
//	photo.jpg:
//	   92.31%  tabby cat
//	    3.08%  tiger cat
//
// Images are prepared as the spec says (the generated Predict). A bad image is reported on
// stderr and the others still classified, with exit status 1; so is a bad weights or labels
// file, before any image. Misuse is status 2.
func Predict(n Network, fs *flag.FlagSet, o PredictOptions, args []string, stdout, stderr io.Writer) int {
	o.Define(fs)
	if status, stop := parse(fs, args); stop {
		return status
	}
	if err := o.Check(fs.Args()); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), OneLine(err))
		fs.Usage()
		return 2
	}
	m := n.NewSeeded(n.DefaultSeed)
	names, err := LoadWeights(m, n, o.Weights)
	if err == nil && o.Labels != "" {
		names, err = readLabels(o.Labels, n.Classes)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return 1
	}
	status := 0
	for _, path := range fs.Args() {
		probs, err := classify(m, path)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
			status = 1
			continue
		}
		order := make([]int, len(probs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case probs[a] > probs[b]:
				return -1
			case probs[a] < probs[b]:
				return 1
			}
			return 0
		})
		fmt.Fprintf(stdout, "%s:\n", path)
		for _, c := range order[:min(o.Top, len(order))] {
			name := fmt.Sprintf("class %d", c)
			if names != nil {
				name = names[c]
			}
			fmt.Fprintf(stdout, "  %6.2f%%  %s\n", 100*probs[c], name)
		}
	}
	return status
}

// classify returns the class probabilities of the image in the file at path.
func classify(m Model, path string) ([]float64, error) {
	img, err := data.Load(path)
	if err != nil {
		return nil, err
	}
	probs, err := m.Predict(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return probs, nil
}

// LoadWeights loads the weights in the file at path into m, a model of n, and returns the class
// names its metadata holds (nil if none). The file is what netc train writes — its weights file,
// or its checkpoint, whose weights are loaded and the rest ignored — or any safetensors file of
// the network's parameters. Every error is one line naming the file: a file of another network
// says which.
func LoadWeights(m Model, n Network, path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, names, err := checkWeights(f, n, path)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if _, checkpoint := h.Metadata[runtime.TrainKey]; checkpoint {
		// Its weights straight into the model (a fresh one: a failed read leaves nothing to
		// keep), read past the momentum.
		momentum := func(name string) bool { return strings.HasSuffix(name, ".momentum") }
		err = runtime.ReadSafetensorsWith(bufio.NewReader(f), m.Params(), runtime.SafetensorsOptions{Skip: momentum})
	} else {
		err = m.Load(bufio.NewReader(f))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, OneLine(err))
	}
	return names, nil
}

// CheckWeights reads the header of the weights file at path and checks it against n, as
// LoadWeights does before it loads them: a safetensors file, of n's network if it names one, with
// as many class names as n has classes if it has names. netc predict calls it before it builds
// the program that loads them.
func CheckWeights(n Network, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, _, err = checkWeights(f, n, path)
	return err
}

// checkWeights is CheckWeights on an open file, which it reads the header of; it returns the
// header and the class names.
func checkWeights(f *os.File, n Network, path string) (runtime.SafetensorsHeader, []string, error) {
	h, err := runtime.ReadSafetensorsHeader(bufio.NewReader(f))
	if err != nil {
		return h, nil, fmt.Errorf("%s: not a weights file: %v", path, err)
	}
	if net, ok := h.Metadata[runtime.NetworkKey]; ok && net != n.Name {
		return h, nil, fmt.Errorf("%s: weights of network %s (%s), not of %s (%s)", path, net, h.Metadata[runtime.SpecKey], n.Name, n.SpecPath)
	}
	names, err := h.ClassNames()
	if err != nil {
		return h, nil, fmt.Errorf("%s: %v", path, err)
	}
	if names != nil && len(names) != n.Classes {
		return h, nil, fmt.Errorf("%s: %d class names in its metadata, but %s has classes %d", path, len(names), n.SpecPath, n.Classes)
	}
	return h, names, nil
}

// readLabels reads one class name per line; there must be one per class.
func readLabels(path string, classes int) ([]string, error) {
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
	if len(names) != classes {
		return nil, fmt.Errorf("%s: %d class names, one per line, but the model has %d classes", path, len(names), classes)
	}
	return names, nil
}
