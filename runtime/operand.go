package runtime

import "fmt"

// Operand is one factor of a product: a stored row-major matrix, or the implicit im2col
// matrix of an image (see Conv), or the transpose of either. Make one with Dense or Patches,
// and T.
type Operand struct {
	data  []float32 // the stored matrix, or the image
	ld    int       // the stored matrix's row stride (unused for patches)
	conv  *Conv     // the image's geometry, for patches; nil for a stored matrix
	trans bool      // the operand is the transpose of the matrix above
	j0    int       // for patches: the column of the operand that is column 0 (a worker's share)
}

// Dense is the matrix stored row-major in data with row stride ld.
func Dense(data []float32, ld int) Operand {
	return Operand{data: data, ld: ld}
}

// Patches is the im2col matrix of image under cv, C·KH·KW × OutH·OutW (see Conv): a
// convolution's input as a factor of its product, packed straight from the image and never
// written out. A product with Patches(…) or Patches(…).T() as B is bit for bit the product with
// the matrix written out as Dense(…) or Dense(…).T() (but for Multiply's dot-product
// exception, which Patches never takes). Only B may be Patches.
func Patches(image []float32, cv *Conv) Operand {
	if cv == nil {
		panic("runtime: Patches: nil geometry")
	}
	return Operand{data: image, conv: cv}
}

// T is the transpose of o.
func (o Operand) T() Operand {
	o.trans = !o.trans
	return o
}

// check panics unless o can be the rows×cols factor of a product that the product calls
// name, its shape being dims ("M×K" or "K×N"); fn names the caller.
func (o *Operand) check(fn, name, dims string, rows, cols int) {
	if o.conv == nil {
		if o.trans {
			rows, cols = cols, rows // the stored matrix's
		}
		checkMatrix(fn, name, rows, cols, o.data, o.ld)
		return
	}
	cv := o.conv
	if min(cv.C, cv.H, cv.W, cv.KH, cv.KW, cv.PH, cv.PW, cv.OutH, cv.OutW) < 0 || min(cv.SH, cv.SW) < 1 {
		panic(fmt.Sprintf("runtime: %s: %s's geometry %+v has a negative size or padding, or a stride below 1", fn, name, *cv))
	}
	if len(o.data) < cv.C*cv.H*cv.W {
		panic(fmt.Sprintf("runtime: %s: len(%s) = %d, want at least %d for the %d×%d×%d image",
			fn, name, len(o.data), cv.C*cv.H*cv.W, cv.C, cv.H, cv.W))
	}
	form, shape, r, c := "Patches(…)", "C·KH·KW×OutH·OutW", cv.depth(), cv.cols()
	if o.trans {
		form, shape, r, c = "Patches(…).T()", "OutH·OutW×C·KH·KW", c, r
	}
	if rows != r || cols != c {
		panic(fmt.Sprintf("runtime: %s: %s = %s is %d×%d (%s), but %s = %d×%d", fn, name, form, r, c, shape, dims, rows, cols))
	}
}

// pack packs o[p0:p0+kc, j0:j0+nc], the B of a product, into ws.b as micro-panels of nr
// columns, as packB does.
func (o *Operand) pack(ws *Workspace, nr, p0, kc, j0, nc int) {
	switch {
	case o.conv != nil && o.trans:
		packConvT(ws.b, ws.conv, nr, o.conv, o.data, p0, kc, o.j0+j0, nc)
	case o.conv != nil:
		packConv(ws.b, ws.conv, nr, o.conv, o.data, p0, kc, o.j0+j0, nc)
	default:
		packB(ws.b, nr, o.trans, o.data, o.ld, p0, kc, j0, nc)
	}
}

// rowsFrom returns the operand whose row 0 is row i of o, a stored matrix.
func (o Operand) rowsFrom(i int) Operand {
	if o.trans {
		o.data = o.data[i:]
	} else {
		o.data = o.data[i*o.ld:]
	}
	return o
}

// colsFrom returns the operand whose column 0 is column j of o.
func (o Operand) colsFrom(j int) Operand {
	switch {
	case o.conv != nil:
		o.j0 += j
	case o.trans:
		o.data = o.data[j*o.ld:]
	default:
		o.data = o.data[j:]
	}
	return o
}
