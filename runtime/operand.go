package runtime

// Operand is one factor of a product: a stored row-major matrix or its transpose. Make one with
// Dense, and T.
type Operand struct {
	data  []float32 // the stored matrix
	ld    int       // its row stride
	trans bool      // the operand is the transpose of the matrix above
}

// Dense is the matrix stored row-major in data with row stride ld.
func Dense(data []float32, ld int) Operand {
	return Operand{data: data, ld: ld}
}

// T is the transpose of o.
func (o Operand) T() Operand {
	o.trans = !o.trans
	return o
}

// check panics unless o can be the rows×cols factor of a product that the product calls
// name, its shape being dims ("M×K" or "K×N"); fn names the caller.
func (o *Operand) check(fn, name string, rows, cols int) {
	if o.trans {
		rows, cols = cols, rows // the stored matrix's
	}
	checkMatrix(fn, name, rows, cols, o.data, o.ld)
}

// rowsFrom returns the operand whose row 0 is row i of o.
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
	if o.trans {
		o.data = o.data[j*o.ld:]
	} else {
		o.data = o.data[j:]
	}
	return o
}
