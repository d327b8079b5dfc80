// Package data turns images on disk into the batches a generated model eats: NCHW float32 of
// exactly the network's input shape, with the AlexNet paper's data augmentation. The
// deterministic steps — scaling, crops, conversion to CHW — are package preprocess's, which
// the generated packages use to prepare images for prediction exactly as evaluation here does.
//
// It owns, one file each:
//
//	image.go    Load: JPEG and PNG files, dimensions checked before any pixel is decoded
//	lighting.go Lighting (the paper's PCA colour shift), ImageNet's components, ColorStats, PCA
//	eigen.go    EigenSym: Jacobi eigen-decomposition of a symmetric 3×3 matrix
//	idx.go      ReadIDX: MNIST's IDX arrays, gzipped or not
//	dataset.go  Source, and its implementations Dataset (in memory), Files and Folder (on disk),
//	            FashionMNIST, Subset
//	split.go    Survey, Open: the data set in a directory (IDX files, train and val folders, or
//	            class folders from which every 10th image is held out), its classes and splits
//	augment.go  Augmenter: the spec's augment block applied to one image, for training or evaluation
//	loader.go   Loader: seeded, reproducible batches prepared on background goroutines
//
// A training loop for a generated model looks like:
//
//	net, _ := compiler.Compile(path, src)
//	aug, _ := data.NewAugmenter(net.Augment, net.Input)
//	train, _ := data.Folder("imagenet/train")
//	l, _ := data.NewLoader(ctx, train, aug, data.LoaderConfig{Batch: 128, Seed: 1, Train: true, Epochs: 90})
//	defer l.Close()
//	for b, err := l.Next(); err != io.EOF; b, err = l.Next() {
//		// check err, then
//		m.TrainStep(b.X, b.Labels, b.N)
//	}
//
// Everything random is drawn from netc's runtime.RNG, split from the Loader's seed by epoch and
// example, so that the same seed gives the same batches on every run, however the goroutines are
// scheduled, and on every machine (lighting's normal draws use math.Log, which may differ in the
// last bit between CPU architectures).
package data
