package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"slices"
	"strings"
)

// IDX is an array read from an IDX file, the format of MNIST and Fashion-MNIST: a magic number
// 0x0000 dd nn (dd the element type, nn the number of dimensions), nn big-endian uint32 sizes,
// outermost first, then the elements in row-major order. Only unsigned bytes (dd = 0x08), the
// type of every image and label file of both data sets, are supported.
type IDX struct {
	Dims []int   // sizes, outermost first: [60000 28 28] for Fashion-MNIST's training images
	Data []uint8 // the elements, row-major; len(Data) is the product of Dims
}

// MaxIDXSize is the largest IDX array ReadIDX accepts, in bytes: 1 GiB, twenty times
// Fashion-MNIST's training images.
const MaxIDXSize = 1 << 30

// idxTypes names the IDX element types, for errors about the ones ReadIDX does not read.
var idxTypes = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0b: "int16", 0x0c: "int32", 0x0d: "float32", 0x0e: "float64",
}

// ReadIDX reads the IDX file at path, gzipped or not (recognised by the gzip magic number, not
// the name). Every error names the file and says what is wrong: a magic number that is not
// IDX's, an element type other than unsigned byte, sizes whose product overflows or exceeds
// MaxIDXSize, data shorter or longer than the sizes say, a corrupt gzip stream. The header's
// sizes are never trusted for an allocation: the data buffer grows only as data actually
// arrives, so a 20-byte file claiming a gigabyte costs nothing.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := readIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// readIDX reads an IDX array from r, gunzipping it first if it starts with gzip's magic number.
func readIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	in := io.Reader(br)
	gzipped := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, gzipError(err)
		}
		in, gzipped = zr, true
	}
	var head [4]byte
	if n, err := io.ReadFull(in, head[:]); err != nil {
		return nil, truncated(gzipped, err, "IDX header: %d of 4 bytes", n)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("not an IDX file: magic number 0x%08x does not start with two zero bytes", binary.BigEndian.Uint32(head[:]))
	}
	if t := head[2]; t != 0x08 {
		if name, ok := idxTypes[t]; ok {
			return nil, fmt.Errorf("IDX element type 0x%02x (%s); only 0x08 (unsigned byte) is supported", t, name)
		}
		return nil, fmt.Errorf("unknown IDX element type 0x%02x; only 0x08 (unsigned byte) is supported", t)
	}
	nd := int(head[3])
	if nd == 0 {
		return nil, errors.New("IDX header has no dimensions")
	}
	raw := make([]byte, 4*nd)
	if n, err := io.ReadFull(in, raw); err != nil {
		return nil, truncated(gzipped, err, "IDX header: %d of %d bytes of sizes", n, len(raw))
	}
	dims := make([]int, nd)
	text := make([]string, nd)
	size, overflow := uint64(1), false
	for i := range dims {
		d := binary.BigEndian.Uint32(raw[4*i:])
		dims[i], text[i] = int(d), fmt.Sprint(d)
		hi, lo := bits.Mul64(size, uint64(d))
		overflow = overflow || hi != 0
		size = lo
	}
	shape := strings.Join(text, "×")
	switch {
	case slices.Contains(dims, 0):
		size = 0
	case overflow:
		return nil, fmt.Errorf("IDX sizes %s overflow 64 bits", shape)
	case size > MaxIDXSize:
		return nil, fmt.Errorf("IDX sizes %s = %d bytes exceed the limit of %d (1 GiB)", shape, size, MaxIDXSize)
	}

	// Grow the buffer by doubling as data arrives, up to the size the header claims.
	n := int(size)
	data := make([]byte, 0, min(n, 64<<10))
	for len(data) < n {
		chunk := min(n-len(data), max(len(data), 64<<10))
		data = slices.Grow(data, chunk)
		k, err := io.ReadFull(in, data[len(data):len(data)+chunk])
		data = data[:len(data)+k]
		if err != nil {
			return nil, truncated(gzipped, err, "sizes %s need %d bytes of data, but there are only %d", shape, n, len(data))
		}
	}
	// Reading on to the end also makes gzip verify its checksum.
	var extra [1]byte
	if k, err := io.ReadFull(in, extra[:]); k > 0 {
		return nil, fmt.Errorf("sizes %s need %d bytes of data, but there are more", shape, n)
	} else if !errors.Is(err, io.EOF) {
		return nil, gzipError(err)
	}
	return &IDX{Dims: dims, Data: data[:n:n]}, nil
}

// truncated explains err, met while reading the part described by format and args: running out
// of input is "truncated: …", anything else a read or gzip error.
func truncated(gzipped bool, err error, format string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		what := "truncated"
		if gzipped {
			what = "truncated gzip data"
		}
		return fmt.Errorf("%s: %s", what, fmt.Sprintf(format, args...))
	}
	return gzipError(err)
}

// gzipError words a gzip stream's error so that it says where it came from.
func gzipError(err error) error {
	switch {
	case errors.Is(err, gzip.ErrChecksum):
		return errors.New("corrupt gzip data: checksum mismatch")
	case errors.Is(err, gzip.ErrHeader):
		return errors.New("corrupt gzip data: invalid header")
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("truncated gzip data")
	}
	if _, ok := errors.AsType[flate.CorruptInputError](err); ok {
		return fmt.Errorf("corrupt gzip data: %w", err)
	}
	return err
}
