// Package train is the training loop of the models netc generates: it trains one on a data set
// epoch by epoch, as its spec's train block says, and keeps the run safe to stop and resume.
//
// Run does, for each epoch from the first not yet done:
//
//  1. set the learning rate the schedule gives the epoch (the generated LearningRateAt);
//  2. train on every batch of the training set, shuffled and augmented by a data.Loader whose
//     seed is derived from the run's seed and the epoch alone, so that a resumed run sees the
//     same batches as an uninterrupted one; a progress bar shows images/s, the loss and the
//     time left (plain lines every few seconds when the output is not a terminal);
//  3. stop with a DivergedError, naming the step, as soon as a loss is NaN or infinite;
//  4. evaluate on the test set (Evaluate: loss, top-1 and, with 20 classes or more, top-5);
//  5. write the checkpoint, the weights and the loss and accuracy plot, each to a temporary file
//     renamed over the old one, so that a file in the output directory is always whole.
//
// After the last epoch it draws the first convolution's filters as a grid of images, as the
// AlexNet paper's figure of conv1's 96 kernels.
//
// It owns, one file each:
//
//	train.go       Model, Config, Run and the epoch loop
//	eval.go        Evaluate and Metrics
//	checkpoint.go  WriteCheckpoint, ReadCheckpoint: weights and training state in one safetensors file
//	atomic.go      writeAtomic: a temporary file, synced, then renamed
//	progress.go    the progress bar and the per-epoch lines
//	plot.go        WritePlot: the loss and accuracy curves as PNG (gonum.org/v1/plot)
//	filters.go     WriteFilters: a convolution's kernels as an image grid (PNG)
//
// A checkpoint is one safetensors file: the model's parameters, its optimiser momentum (the
// generated Momentum, under names such as "conv1.weight.momentum"), the model's own metadata
// (network and spec) and the training state under "netc.train" (JSON: epochs done, step count,
// learning rate, batch size, seed and the history of every epoch), so that weights, momentum and
// state can never come from different moments. A resumed run goes on exactly as an
// uninterrupted one would have: same weights, momentum, step count (which seeds the dropout
// masks), learning rate and data order. Beside it, weights.safetensors holds the weights alone,
// as the model's Save writes them, for its Load (and PyTorch's safetensors). Both carry
// Config.Metadata too, such as the class names (runtime.ClassesKey), which a resumed run must
// share. An example whose class is not among the model's stops the run with an error naming it.
package train
