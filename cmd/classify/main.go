// Command classify prints the five most likely ImageNet classes of images, using torchvision's
// AlexNet as netc compiles it from specs/alexnet_torchvision.net, with the spec's evaluation
// crops (the paper's ten crops: four corners and the centre, and their mirror images) and their
// softmax averaged.
//
//	classify -weights alexnet.safetensors [-labels classes.txt] [-top N] IMAGE...
//
// It is `netc predict specs/alexnet_torchvision.net` (package modelcmd) with the package compiled
// in. The weights are torchvision's state dict saved as safetensors, under torchvision's names
// (features.0.weight …) or the spec's (conv1.weight …); README.md shows the few lines of Python
// that make the file. The labels file, if given, has one class name per line, in index order.
// Exit status 1 on a bad image, weight file or labels file, each named in the message.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/netc-project/netc/generated/alexnet_torchvision"
	"github.com/netc-project/netc/modelcmd"
)

// network is generated/alexnet_torchvision as the commands use it.
var network = modelcmd.Network{
	Name: "alexnet_torchvision", SpecPath: "specs/alexnet_torchvision.net", Spec: alexnet_torchvision.Spec,
	NewSeeded:      func(seed uint64) modelcmd.Model { return alexnet_torchvision.NewSeeded(seed) },
	Classes:        alexnet_torchvision.Classes,
	BatchSize:      alexnet_torchvision.BatchSize,
	Epochs:         alexnet_torchvision.Epochs,
	DefaultSeed:    alexnet_torchvision.DefaultSeed,
	LearningRateAt: alexnet_torchvision.LearningRateAt,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: classify -weights FILE [-labels FILE] [-top N] IMAGE...\n\nflags:")
		fs.PrintDefaults()
	}
	return modelcmd.Predict(network, fs, modelcmd.PredictDefaults(), args, stdout, stderr)
}
