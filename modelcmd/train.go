package modelcmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/runtime"
	"github.com/netc-project/netc/train"
)

// TrainOptions are the flags of the train command.
type TrainOptions struct {
	Data       string // the data set's directory (data.Survey)
	Out        string // where train.Run writes
	Epochs     int    // in all, counting those of a resumed run
	Resume     bool
	Seed       uint64
	Limit      int    // training and validation images each, spread over the splits; 0 for all
	CPUProfile string // a file for a CPU profile of the run
}

// TrainDefaults are the train command's defaults for a network: its spec's epochs and its
// DefaultSeed, and the output directory runs/NAME.
func TrainDefaults(name string, epochs int, seed uint64) TrainOptions {
	return TrainOptions{Out: filepath.Join("runs", name), Epochs: epochs, Seed: seed}
}

// Define defines the flags on fs, with o's values as their defaults, to be parsed into o.
func (o *TrainOptions) Define(fs *flag.FlagSet) {
	fs.StringVar(&o.Data, "data", o.Data, "the data set: a `DIR` of IDX files (as Fashion-MNIST's), of train and val folders of class folders, or of class folders (every 10th image of each held out for validation)")
	fs.StringVar(&o.Out, "out", o.Out, "the `DIR` for the checkpoint, the weights, the curves and the filters")
	fs.IntVar(&o.Epochs, "epochs", o.Epochs, "the epochs to train in all, counting those of a resumed checkpoint")
	fs.BoolVar(&o.Resume, "resume", o.Resume, "continue the run whose checkpoint is in -out")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "the seed of the initial weights, dropout, data order and augmentation")
	fs.IntVar(&o.Limit, "limit", o.Limit, "use only `N` training and N validation images, spread over each split (0: all), for a quick trial")
	fs.StringVar(&o.CPUProfile, "cpuprofile", o.CPUProfile, "write a CPU profile of the run to `FILE`, for go tool pprof")
}

// Check reports options that cannot be used: a missing -data, -epochs below 1, -limit below 0.
func (o *TrainOptions) Check() error {
	var errs []error
	if o.Data == "" {
		errs = append(errs, errors.New("-data DIR is required"))
	}
	if o.Epochs < 1 {
		errs = append(errs, fmt.Errorf("-epochs %d: at least 1", o.Epochs))
	}
	if o.Limit < 0 {
		errs = append(errs, fmt.Errorf("-limit %d: at least 0", o.Limit))
	}
	return errors.Join(errs...)
}

// Train runs the train command: it parses args into o with fs, whose name starts every message
// ("netc train: …"), trains n as o says, writing progress to stdout and errors to stderr, and
// returns the exit status: 0 when training finishes, 1 on bad input, a diverged loss or an
// interruption (ctx done), 2 on misuse.
func Train(ctx context.Context, n Network, fs *flag.FlagSet, o TrainOptions, args []string, stdout, stderr io.Writer) int {
	o.Define(fs)
	if status, stop := parse(fs, args); stop {
		return status
	}
	if err := o.Check(); err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected arguments %q", fs.Args())
		}
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), OneLine(err))
		fs.Usage()
		return 2
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err == nil {
			defer f.Close()
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if err := trainNetwork(ctx, fs.Name(), n, o, stdout); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return 1
	}
	return 0
}

// trainNetwork trains n as o says, writing progress to stdout, each line starting with prog.
func trainNetwork(ctx context.Context, prog string, n Network, o TrainOptions, stdout io.Writer) error {
	start := time.Now()
	net, err := compiler.Compile(n.SpecPath, []byte(n.Spec))
	if err != nil {
		return err
	}
	aug, err := data.NewAugmenter(net.Augment, net.Input)
	if err != nil {
		return fmt.Errorf("%s: %w", n.SpecPath, err)
	}
	split, err := data.Open(o.Data)
	if err != nil {
		return err
	}
	if err := ClassesMatch(split, n.SpecPath, n.Classes); err != nil {
		return err
	}
	trainSet, valSet := split.Train, split.Val
	if o.Limit > 0 {
		trainSet, valSet = data.Subset(trainSet, o.Limit), data.Subset(valSet, o.Limit)
	}
	classes, err := json.Marshal(split.Classes)
	if err != nil {
		return err
	}
	m := n.NewSeeded(o.Seed)
	if split.HeldOut {
		fmt.Fprintf(stdout, "%s: %s\n", prog, split.Layout)
	}
	fmt.Fprintf(stdout, "%s: %s, %s parameters; %s training and %s %s images of %d classes; batch %d, %d epochs; writing to %s\n",
		prog, n.SpecPath, compiler.Thousands(params(m)), compiler.Thousands(int64(trainSet.Len())), compiler.Thousands(int64(valSet.Len())),
		split.ValName, len(split.Classes), n.BatchSize, o.Epochs, o.Out)
	history, err := train.Run(ctx, m, train.Config{
		Train: trainSet, Test: valSet, Augmenter: aug,
		Classes: n.Classes, Batch: n.BatchSize, Epochs: o.Epochs,
		Schedule: n.LearningRateAt, Seed: o.Seed,
		Dir: o.Out, Resume: o.Resume, Log: stdout,
		Metadata: map[string]string{runtime.ClassesKey: string(classes)},
	})
	if err != nil {
		return err
	}
	if len(history) > 0 {
		last := history[len(history)-1]
		fmt.Fprintf(stdout, "%s: %s accuracy %.2f%% (top-1) after %d epochs; %s in all; weights in %s\n",
			prog, split.ValName, 100*last.Test.Top1, last.Epoch, time.Since(start).Round(time.Second), filepath.Join(o.Out, train.WeightsFile))
	}
	return nil
}

// params returns the number of values of m's parameters.
func params(m Model) int64 {
	var n int64
	for _, p := range m.Params() {
		n += int64(len(p.Data))
	}
	return n
}

// parse parses a command's flags; it reports whether to stop, and with what status: 0 after -h,
// which has shown the usage, 2 after a wrong flag.
func parse(fs *flag.FlagSet, args []string) (status int, stop bool) {
	switch err := fs.Parse(args); {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	}
	return 2, true
}

// OneLine joins the lines of an error with "; ", for a message of one line.
func OneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
