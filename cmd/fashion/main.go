// Command fashion trains the network of specs/fashion.net, AlexNet's design scaled to 28×28 and
// compiled by netc into generated/fashion, on Fashion-MNIST, end to end on the CPU:
//
//	go run ./cmd/fashion [-out runs/fashion] [-data DIR] [-epochs N] [-resume] [-seed N] [-limit N]
//
// It is `netc train specs/fashion.net` (package modelcmd) with Fashion-MNIST's directory as the
// default data set and the package compiled in: the spec's augment block, a progress bar,
// test accuracy after every epoch, a checkpoint per epoch that -resume continues from, the spec's
// learning-rate schedule, a stop with a message if the loss becomes NaN or infinite, and in the
// output directory the weights, the loss and accuracy curves (curves.png) and, after training,
// conv1's learned filters (conv1-filters.png).
//
// Exit status is 0 when training finishes, 1 on bad input, a diverged loss or an interruption,
// and 2 on misuse.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/netc-project/netc/generated/fashion"
	"github.com/netc-project/netc/modelcmd"
)

// network is generated/fashion as the commands use it.
var network = modelcmd.Network{
	Name: "fashion", SpecPath: "specs/fashion.net", Spec: fashion.Spec,
	NewSeeded:      func(seed uint64) modelcmd.Model { return fashion.NewSeeded(seed) },
	Classes:        fashion.Classes,
	BatchSize:      fashion.BatchSize,
	Epochs:         fashion.Epochs,
	DefaultSeed:    fashion.DefaultSeed,
	LearningRateAt: fashion.LearningRateAt,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run trains as args say and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fashion", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fashion [flags]\n\nTrains specs/fashion.net on Fashion-MNIST.\n\nflags:")
		fs.PrintDefaults()
	}
	o := modelcmd.TrainDefaults(network.Name, network.Epochs, network.DefaultSeed)
	o.Data = "/usr/share/datasets/fashion-mnist"
	return modelcmd.Train(ctx, network, fs, o, args, stdout, stderr)
}
