package data

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Source is a set of labelled images that a Loader draws from. Example is called from several
// goroutines at once and must be safe for that.
type Source interface {
	// Len is the number of examples.
	Len() int
	// Example returns image i, 0 ≤ i < Len(), and its class. Its errors should name the
	// example's file, if it has one.
	Example(i int) (image.Image, int32, error)
}

// Dataset is a set of labelled images held in memory, such as the IDX data sets.
type Dataset struct {
	// Images are the examples. Those read from IDX files are *image.Gray views of one shared
	// array of bytes, which preprocess.ToCHW turns into float32 in [0, 1] with no further copy.
	Images []image.Image
	Labels []int32 // the class of each image
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return len(d.Images) }

// Example returns image i and its class. It never fails and allocates nothing.
func (d *Dataset) Example(i int) (image.Image, int32, error) { return d.Images[i], d.Labels[i], nil }

// Files is a set of labelled image files, decoded by Load each time they are used. JPEG files
// are several times smaller than their pixels, so a data set like ImageNet fits on disk and in
// the page cache but not decoded in memory.
type Files struct {
	Paths   []string
	Labels  []int32
	Classes []string // the name of each class, if known: Folder sets them
}

// Len returns the number of examples.
func (f *Files) Len() int { return len(f.Paths) }

// Example loads image i; errors name its file.
func (f *Files) Example(i int) (image.Image, int32, error) {
	img, err := Load(f.Paths[i])
	return img, f.Labels[i], err
}

// Folder lists a data set laid out as ImageNet's is: one subdirectory of dir per class, holding
// that class's images (files named *.jpg, *.jpeg or *.png, in any case). Classes are numbered in
// the sorted order of their directories' names, and images listed in sorted order within each.
// Hidden directories (.git, .ipynb_checkpoints) are no classes.
func Folder(dir string) (*Files, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	f := &Files{}
	for _, e := range entries { // ReadDir sorts by name
		if !e.IsDir() || hidden(e.Name()) {
			continue
		}
		class := int32(len(f.Classes))
		f.Classes = append(f.Classes, e.Name())
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			switch strings.ToLower(filepath.Ext(file.Name())) {
			case ".jpg", ".jpeg", ".png":
				f.Paths = append(f.Paths, filepath.Join(dir, e.Name(), file.Name()))
				f.Labels = append(f.Labels, class)
			}
		}
	}
	if len(f.Paths) == 0 {
		return nil, fmt.Errorf("%s: no images (want one subdirectory per class holding .jpg, .jpeg or .png files)", dir)
	}
	return f, nil
}

// Subset returns n examples of src spread evenly over it, the ⌊i·Len/n⌋-th for i from 0 to n−1,
// in order: a smaller data set with every class of a sorted folder in it, for a quick trial. It
// returns src itself when n is not below its length.
func Subset(src Source, n int) Source {
	if n >= src.Len() {
		return src
	}
	s := &subset{src: src, index: make([]int, n)}
	for i := range n {
		s.index[i] = int(int64(i) * int64(src.Len()) / int64(n))
	}
	return s
}

// subset is the examples of src at index.
type subset struct {
	src   Source
	index []int
}

func (s *subset) Len() int                                  { return len(s.index) }
func (s *subset) Example(i int) (image.Image, int32, error) { return s.src.Example(s.index[i]) }

// FashionMNISTClasses is the number of classes of Fashion-MNIST (and of MNIST).
const FashionMNISTClasses = 10

// FashionMNIST reads Fashion-MNIST from dir: train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each gzipped (with the .gz suffix, as
// distributed and as Debian's dataset-fashion-mnist installs them in
// /usr/share/datasets/fashion-mnist) or not. It returns the 60,000 training and 10,000 test
// images, 28×28 grey, as *image.Gray, with their classes 0–9. MNIST's files have the same names
// and format, so it reads MNIST too.
func FashionMNIST(dir string) (train, test *Dataset, err error) {
	if train, err = readIDXDataset(dir, "train"); err != nil {
		return nil, nil, err
	}
	if test, err = readIDXDataset(dir, "t10k"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// readIDXDataset reads the images and labels of one split of an MNIST-like data set in dir.
func readIDXDataset(dir, split string) (*Dataset, error) {
	imagesPath, err := findIDX(dir, split+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	labelsPath, err := findIDX(dir, split+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	images, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	labels, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(images.Dims) != 3 {
		return nil, fmt.Errorf("%s: images have %d dimensions %v; want 3 (count, height, width)", imagesPath, len(images.Dims), images.Dims)
	}
	if len(labels.Dims) != 1 {
		return nil, fmt.Errorf("%s: labels have %d dimensions %v; want 1 (count)", labelsPath, len(labels.Dims), labels.Dims)
	}
	n, h, w := images.Dims[0], images.Dims[1], images.Dims[2]
	if labels.Dims[0] != n {
		return nil, fmt.Errorf("%s: %d labels for the %d images of %s", labelsPath, labels.Dims[0], n, imagesPath)
	}
	d := &Dataset{Images: make([]image.Image, n), Labels: make([]int32, n)}
	for i, l := range labels.Data {
		if l >= FashionMNISTClasses {
			return nil, fmt.Errorf("%s: label %d of example %d is not a class 0–%d", labelsPath, l, i, FashionMNISTClasses-1)
		}
		d.Labels[i] = int32(l)
	}
	for i := range n {
		d.Images[i] = &image.Gray{Pix: images.Data[i*h*w : (i+1)*h*w : (i+1)*h*w], Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	return d, nil
}

// findIDX returns the path of the file called name or name.gz in dir.
func findIDX(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if _, err := os.Stat(p); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return p, nil // a file we cannot stat is reported by ReadIDX, with the reason
		}
	}
	return "", fmt.Errorf("%s: no %s or %s.gz", dir, name, name)
}
