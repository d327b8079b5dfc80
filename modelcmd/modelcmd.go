// Package modelcmd is the command line of one generated model: Train trains it on a data set
// with package train, as its spec's train and augment blocks say, and Predict classifies images
// with trained weights, preparing them as the spec says.
//
// `netc train SPEC` and `netc predict SPEC` compile the spec into a small program whose main
// calls Main with the generated package's constructor and constants (cmd/netc builds and caches
// it); cmd/fashion and cmd/classify call Train and Predict for generated/fashion and
// generated/alexnet_torchvision directly. The data set is found by data.Survey: IDX files, train
// and val folders of class folders, or class folders from which every 10th image is held out.
// The class names (folder names, or 0–9 for IDX files) go into the checkpoint's and the weights
// file's metadata (runtime.ClassesKey), from which Predict names its classes.
package modelcmd

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/train"
)

// Model is what the commands need of a generated model: the training API and Predict.
type Model interface {
	train.Model
	Predict(img image.Image) ([]float64, error)
}

// Network is a generated package as the commands use it: its constructor and constants.
type Network struct {
	Name           string // the network's name
	SpecPath       string // where its spec is, for messages
	Spec           string // the spec's text, whose augment block prepares the training images
	NewSeeded      func(seed uint64) Model
	Classes        int
	BatchSize      int
	Epochs         int
	DefaultSeed    uint64
	LearningRateAt func(epoch int) float64
}

// Main runs the command os.Args names, train or predict, for n, as `netc train` and `netc
// predict` run the program they build; its messages start "netc train: " or "netc predict: ".
// Ctrl-C and SIGTERM stop training cleanly (train.Run returns, the last checkpoint whole);
// predict, which writes nothing, they end at once, as signals end any program. It exits with the
// command's status.
func Main(n Network) {
	ctx := context.Background()
	if len(os.Args) > 1 && os.Args[1] == "train" {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	os.Exit(Run(ctx, n, os.Args[1:], os.Stdout, os.Stderr))
}

// Run runs the command args name, train or predict, for n, and returns its exit status.
func Run(ctx context.Context, n Network, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "train":
			return Train(ctx, n, newFlags("netc train", n, stderr), TrainDefaults(n.Name, n.Epochs, n.DefaultSeed), args[1:], stdout, stderr)
		case "predict":
			return Predict(n, newFlags("netc predict", n, stderr), PredictDefaults(), args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "usage: %s train|predict [flags]: the train and predict commands of %s, as netc train and netc predict run them\n", os.Args[0], n.SpecPath)
	return 2
}

// newFlags returns a flag set for a command of n's program, whose messages name the command.
func newFlags(name string, n Network, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s (for %s) [flags]\n\nflags:\n", name, n.SpecPath)
		fs.PrintDefaults()
	}
	return fs
}

// ClassesMatch checks that a data set has as many classes as a spec: an error of one line
// naming both, or nil.
func ClassesMatch(s *data.Split, spec string, classes int) error {
	if len(s.Classes) == classes {
		return nil
	}
	what := fmt.Sprintf("%d class folders (%s)", len(s.Classes), list(s.Classes))
	if s.IDX {
		what = fmt.Sprintf("IDX files of %d classes", len(s.Classes))
	}
	return fmt.Errorf("%s: %s, but %s has classes %d; the spec's classes must be the data's", s.Dir, what, spec, classes)
}

// list names a few items: "a, b, c, … (12 in all)".
func list(items []string) string {
	const most = 6
	if len(items) <= most {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s, … (%d in all)", strings.Join(items[:most-1], ", "), len(items))
}
