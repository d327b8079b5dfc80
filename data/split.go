package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// HoldOut is how Survey splits a folder of class folders that has no validation split: the
// HoldOut-th image of each class, and every HoldOut-th after it, in name order, is held out.
const HoldOut = 10

// A Split is a data set as Survey and Open find it in a directory: its class names, its training
// and held-out examples, and how they were found.
type Split struct {
	Dir     string
	Classes []string // the class names, in the order of the labels: folder names, or "0"–"9"
	// Train and Val are the training and the held-out examples: *Files for folders of images;
	// *Dataset for IDX files, which Survey leaves nil (it reads no data) and Open reads.
	Train, Val Source
	ValName    string // what the held-out examples are: "validation" or "test"
	// Layout says where the examples were found: "DIR/train and DIR/val", or, for a folder that
	// had no split, that every HoldOut-th image of each class was held out.
	Layout string
	// HeldOut is true when Val was held out of a folder without a split (Layout says so).
	HeldOut bool
	IDX     bool // the data set is IDX files
}

// Survey finds the data set in dir from its listing alone, reading no image and no IDX file:
//
//   - IDX files, as FashionMNIST reads them (train-images-idx3-ubyte[.gz], its labels, and t10k's
//     for testing): classes "0" to "9";
//   - dir/train and dir/val (or, without val, dir/test), each holding a folder of images per
//     class, as torchvision's ImageFolder reads them: Folder's layout, the same class names in
//     both;
//   - a folder of images per class (dir/CLASS/…, or dir/train/CLASS/… alone), from which every
//     HoldOut-th image of each class, in name order, is held out for validation, deterministically.
//
// Every error is one line that names the directory and says what it wants.
func Survey(dir string) (*Split, error) {
	if _, err := findIDX(dir, "train-images-idx3-ubyte"); err == nil {
		classes := make([]string, FashionMNISTClasses)
		for i := range classes {
			classes[i] = fmt.Sprint(i)
		}
		return &Split{Dir: dir, Classes: classes, ValName: "test", Layout: "IDX files", IDX: true}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	has := func(name string) bool {
		return slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == name && e.IsDir() })
	}
	if !has("train") {
		if !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.IsDir() && !hidden(e.Name()) }) {
			return nil, fmt.Errorf("%s: no data set: want IDX files (train-images-idx3-ubyte[.gz] and the rest, as Fashion-MNIST's), "+
				"train and val folders holding a folder of images per class, or a folder of images per class", dir)
		}
		return holdOut(dir, dir)
	}
	train := filepath.Join(dir, "train")
	val := ""
	for _, name := range []string{"val", "test"} {
		if has(name) {
			val = name
			break
		}
	}
	if val == "" {
		return holdOut(dir, train)
	}
	s := &Split{Dir: dir, ValName: map[string]string{"val": "validation", "test": "test"}[val],
		Layout: fmt.Sprintf("%s and %s", train, filepath.Join(dir, val))}
	t, err := Folder(train)
	if err != nil {
		return nil, err
	}
	v, err := Folder(filepath.Join(dir, val))
	if err != nil {
		return nil, err
	}
	if err := sameClasses(train, filepath.Join(dir, val), t, v); err != nil {
		return nil, err
	}
	s.Train, s.Val, s.Classes = t, v, t.Classes
	return s, nil
}

// Open is Survey, with the images of IDX files read.
func Open(dir string) (*Split, error) {
	s, err := Survey(dir)
	if err != nil || !s.IDX {
		return s, err
	}
	train, test, err := FashionMNIST(dir)
	if err != nil {
		return nil, err
	}
	s.Train, s.Val = train, test
	return s, nil
}

// holdOut lists the class folders in classes, a folder of dir's, and holds every HoldOut-th image
// of each class out for validation.
func holdOut(dir, classes string) (*Split, error) {
	all, err := Folder(classes)
	if err != nil {
		return nil, err
	}
	train, val := &Files{Classes: all.Classes}, &Files{Classes: all.Classes}
	seen := make([]int, len(all.Classes)) // images of each class so far
	for i, path := range all.Paths {
		l := all.Labels[i]
		seen[l]++
		to := train
		if seen[l]%HoldOut == 0 {
			to = val
		}
		to.Paths, to.Labels = append(to.Paths, path), append(to.Labels, l)
	}
	if val.Len() == 0 {
		return nil, fmt.Errorf("%s: too few images to hold every %dth of each class out for validation (no class has %d); make %s and %s, a folder per class in each",
			classes, HoldOut, HoldOut, filepath.Join(dir, "train"), filepath.Join(dir, "val"))
	}
	return &Split{Dir: dir, Classes: all.Classes, Train: train, Val: val, ValName: "validation", HeldOut: true,
		Layout: fmt.Sprintf("%s has no validation folder: every %dth image of each class, in name order, held out for validation", classes, HoldOut)}, nil
}

// sameClasses checks that the validation folder valDir has the class folders of the training
// folder trainDir.
func sameClasses(trainDir, valDir string, train, val *Files) error {
	if slices.Equal(train.Classes, val.Classes) {
		return nil
	}
	var missing, extra []string
	for _, c := range train.Classes {
		if !slices.Contains(val.Classes, c) {
			missing = append(missing, c)
		}
	}
	for _, c := range val.Classes {
		if !slices.Contains(train.Classes, c) {
			extra = append(extra, c)
		}
	}
	var what []string
	if len(missing) > 0 {
		what = append(what, "lacks "+list(missing))
	}
	if len(extra) > 0 {
		what = append(what, "has "+list(extra)+" that training lacks")
	}
	return errors.New(valDir + ": its class folders differ from " + trainDir + "'s: it " + strings.Join(what, " and "))
}

// list names a few items: "a, b and 3 more".
func list(items []string) string {
	const most = 5
	s := strings.Join(items[:min(len(items), most)], ", ")
	if len(items) > most {
		s += fmt.Sprintf(" and %d more", len(items)-most)
	}
	return s
}

// hidden reports whether a file's name marks it hidden (.git, .ipynb_checkpoints).
func hidden(name string) bool { return strings.HasPrefix(name, ".") }
