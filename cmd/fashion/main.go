// Command fashion trains the network of specs/fashion.net, AlexNet's design scaled to 28×28 and
// compiled by netc into generated/fashion, on Fashion-MNIST, end to end on the CPU:
//
//	go run ./cmd/fashion [-out runs/fashion] [-data DIR] [-epochs N] [-resume] [-seed N] [-limit N]
//
// It takes the augment block from the spec generated/fashion carries (fashion.Spec), reads the
// data set from its IDX files, and trains with package train: a progress bar, test accuracy
// after every epoch, a checkpoint per epoch that -resume continues from, the spec's
// learning-rate schedule, a stop with a message if the loss becomes NaN or infinite, and in the
// output directory the loss and accuracy curves (curves.png) and, after training, conv1's
// learned filters (conv1-filters.png).
//
// Exit status is 0 when training finishes, 1 on bad input, a diverged loss or an interruption,
// and 2 on misuse.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/data"
	"github.com/netc-project/netc/generated/fashion"
	"github.com/netc-project/netc/train"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run trains as args say and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fashion", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dataDir = fs.String("data", "/usr/share/datasets/fashion-mnist", "the directory of Fashion-MNIST's IDX files (gzipped or not)")
		out     = fs.String("out", "runs/fashion", "the directory for the checkpoint, the curves and the filters")
		epochs  = fs.Int("epochs", fashion.Epochs, "the epochs to train in all, counting those of a resumed checkpoint")
		resume  = fs.Bool("resume", false, "continue the run whose checkpoint is in -out")
		seed    = fs.Uint64("seed", fashion.DefaultSeed, "the seed of the initial weights, dropout, data order and augmentation")
		limit   = fs.Int("limit", 0, "use only the first `N` training and N test images (0: all), for a quick trial")
		profile = fs.String("cpuprofile", "", "write a CPU profile of the run to `FILE`, for go tool pprof")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fashion [flags]\n\nTrains specs/fashion.net on Fashion-MNIST.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *epochs < 1 || *limit < 0 {
		fmt.Fprintf(stderr, "fashion: unexpected arguments %q, -epochs %d (at least 1) or -limit %d (at least 0)\n", fs.Args(), *epochs, *limit)
		return 2
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintf(stderr, "fashion: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "fashion: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if err := trainFashion(ctx, config{*dataDir, *out, *epochs, *resume, *seed, *limit}, stdout); err != nil {
		fmt.Fprintf(stderr, "fashion: %v\n", err)
		return 1
	}
	return 0
}

// config is what the flags set.
type config struct {
	data, out string
	epochs    int
	resume    bool
	seed      uint64
	limit     int
}

// trainFashion runs the training that c describes, writing progress to stdout.
func trainFashion(ctx context.Context, c config, stdout io.Writer) error {
	start := time.Now()
	m := fashion.NewSeeded(c.seed)
	aug, err := augmenter()
	if err != nil {
		return err
	}
	trainSet, testSet, err := data.FashionMNIST(c.data)
	if err != nil {
		return err
	}
	if c.limit > 0 {
		trainSet, testSet = first(trainSet, c.limit), first(testSet, c.limit)
	}
	fmt.Fprintf(stdout, "fashion: %s, %s parameters; %s training and %s test images; batch %d, %d epochs; writing to %s\n",
		specPath, compiler.Thousands(params(m)), compiler.Thousands(int64(trainSet.Len())), compiler.Thousands(int64(testSet.Len())),
		fashion.BatchSize, c.epochs, c.out)
	history, err := train.Run(ctx, m, train.Config{
		Train: trainSet, Test: testSet, Augmenter: aug,
		Classes: fashion.Classes, Batch: fashion.BatchSize, Epochs: c.epochs,
		Schedule: fashion.LearningRateAt, Seed: c.seed,
		Dir: c.out, Resume: c.resume, Log: stdout, Filters: "conv1.weight",
	})
	if err != nil {
		return err
	}
	if len(history) > 0 {
		last := history[len(history)-1]
		fmt.Fprintf(stdout, "fashion: test accuracy %.2f%% (top-1) after %d epochs; %s in all\n",
			100*last.Test.Top1, last.Epoch, time.Since(start).Round(time.Second))
	}
	return nil
}

// specPath is where the spec of generated/fashion lives in the repository.
const specPath = "specs/fashion.net"

// augmenter returns the Augmenter of the augment block of the spec generated/fashion was
// compiled from.
func augmenter() (*data.Augmenter, error) {
	net, err := compiler.Compile(specPath, []byte(fashion.Spec))
	if err != nil {
		return nil, err
	}
	aug, err := data.NewAugmenter(net.Augment, net.Input)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	return aug, nil
}

// first returns the first n examples of d (all if it has fewer).
func first(d *data.Dataset, n int) *data.Dataset {
	n = min(n, d.Len())
	return &data.Dataset{Images: d.Images[:n], Labels: d.Labels[:n]}
}

// params returns the number of values of m's parameters.
func params(m *fashion.Model) int64 {
	var n int64
	for _, p := range m.Params() {
		n += int64(len(p.Data))
	}
	return n
}
