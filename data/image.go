package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
)

// The largest image Load accepts: no side longer than MaxSide pixels and no more than MaxPixels
// pixels in all. A 16384×6103 image, the largest that passes both, decodes to at most 800 MB
// (16-bit RGBA PNG); anything bigger is far outside what a network's input needs and is more
// likely a hostile or broken header than a photograph.
const (
	MaxSide   = 16384
	MaxPixels = 100_000_000
)

// limits bounds the dimensions decode accepts; the fuzz test lowers them so that crafted headers
// cannot make each run allocate hundreds of megabytes.
type limits struct{ side, pixels int }

// defaultLimits are the limits Load applies.
var defaultLimits = limits{MaxSide, MaxPixels}

// The signatures decode recognises an image by, whatever its file is called.
var (
	jpegMagic = []byte{0xff, 0xd8}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
)

// Load decodes the JPEG or PNG image in the file at path (the format is recognised by content,
// not by name). Every error names the file: "photo.jpg: truncated JPEG data", "x.png: not a JPEG
// or PNG image", "big.png: image is 20000×100 pixels; the limit is 16384 per side". The image's
// dimensions are read and checked before any pixel is decoded, so a header that claims a huge
// image costs nothing. Corrupt or truncated input returns an error, never a panic.
//
// The result is whatever the standard decoders return: usually *image.YCbCr or *image.Gray for
// JPEG, *image.RGBA, *image.NRGBA, *image.Gray or *image.Paletted for PNG.
func Load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError: "open photo.jpg: no such file or directory"
	}
	defer f.Close()
	img, err := decode(f, defaultLimits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// decode reads the image in r: its format from the first bytes, then its configuration, which
// must be within lim, then, from the start again, its pixels.
func decode(r io.ReadSeeker, lim limits) (image.Image, error) {
	var head [8]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var name string
	var decodeConfig func(io.Reader) (image.Config, error)
	var decodeImage func(io.Reader) (image.Image, error)
	switch {
	case bytes.HasPrefix(head[:n], jpegMagic):
		name, decodeConfig, decodeImage = "JPEG", jpeg.DecodeConfig, jpeg.Decode
	case bytes.HasPrefix(head[:n], pngMagic):
		name, decodeConfig, decodeImage = "PNG", png.DecodeConfig, png.Decode
	case n == 0:
		return nil, errors.New("empty file; want a JPEG or PNG image")
	default:
		return nil, errors.New("not a JPEG or PNG image")
	}

	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	cfg, err := decodeConfig(r)
	if err != nil {
		return nil, decodeError(name, err)
	}
	if err := lim.check(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, err := decodeImage(r)
	if err != nil {
		return nil, decodeError(name, err)
	}
	// The decoders read the same header twice, so this cannot differ; checked because the
	// limits are what make the pixels' allocation safe.
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("%s header says %d×%d pixels, but %d×%d decoded", name, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	return img, nil
}

// check returns an error if a w×h image is empty or beyond the limits.
func (lim limits) check(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("image is %d×%d pixels; it must have at least one pixel", w, h)
	case w > lim.side || h > lim.side:
		return fmt.Errorf("image is %d×%d pixels; the limit is %d per side", w, h, lim.side)
	case int64(w)*int64(h) > int64(lim.pixels):
		return fmt.Errorf("image is %d×%d = %d pixels; the limit is %d", w, h, int64(w)*int64(h), lim.pixels)
	}
	return nil
}

// decodeError rewords a decoder's error: running out of input becomes "truncated JPEG data"
// rather than "unexpected EOF", and a PNG whose compressed pixels end early "truncated PNG data:
// not enough pixel data"; the decoders' other messages ("invalid JPEG format: missing SOI
// marker", "png: invalid format: invalid checksum") already say what is wrong.
func decodeError(format string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("truncated %s data", format)
	}
	if e, ok := errors.AsType[png.FormatError](err); ok && e == "not enough pixel data" {
		return fmt.Errorf("truncated %s data: %s", format, string(e))
	}
	return err
}
