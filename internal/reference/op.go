package reference

import (
	"fmt"

	"github.com/netc-project/netc/compiler"
)

// op is the reference's row for one op kind of the compiler's table: how a layer of that kind
// runs forward and back, and, for an op whose gradient depends on a discrete choice of its forward
// pass, how to find the choices near a tie and take one the other way (see Decision). Each op's
// file registers its row next to the functions it calls (conv.go, relu.go, …), as the compiler's
// op files declare theirs; Forward, Gradients and NearDecisions are loops over the table, and an
// op without a row is one the reference does not have. The softmax loss ends every network and
// has no row: the loops stop at it (loss.go).
type op struct {
	// forward is the layer's output for c's input and parameters, and its mask if it has one.
	// It computes in float64; Forward rounds each layer's output to its element type, which
	// gives exactly what the op function called at that type gives, as every op accumulates in
	// float64 from its inputs and rounds once.
	forward func(c *call) []float64
	// backward takes c.dy back through the layer: the gradient with respect to its input, and
	// those of its weight and bias when it has parameters (nil otherwise).
	backward func(c *call) (dx, dw, db []float64)
	// masked marks an op that takes a mask from Forward's masks (dropout).
	masked bool

	// For an op that makes decisions (relu, maxpool). near lists the layer's decisions whose
	// margin, relative to scale (the largest |input|), is below margin and whose output
	// gradient is larger than floor in magnitude, with Index, Margin and Other set (NearDecisions
	// sets Layer). flip changes dx, the input's gradient that backward computed from c, as
	// taking decision d the other way would.
	near func(c *call, margin, scale, floor float64) []Decision
	flip func(c *call, d Decision, dx []float64)
}

// call is one layer applied to n images: everything its op's functions may read.
type call struct {
	l    *compiler.Layer
	n    int
	x    []float64 // the input, n × l.In values
	y    []float64 // the output, n × l.Out values (backward passes only)
	w, b []float64 // the weight and bias, nil when the layer has none
	mask []float64 // the mask of an op that takes one, nil when there is none (inference)
	dy   []float64 // the gradient of the output (backward passes only)
	// The layer before, which made x, and its input (backward passes only; nil for the first
	// layer): a max pool's near ties may run through the ReLU before it.
	prev  *compiler.Layer
	prevX []float64
}

// ops is the table, filled by register as each op file initialises.
var ops = map[compiler.Op]op{}

// register adds op o's row to the table.
func register(o compiler.Op, row op) {
	if _, ok := ops[o]; ok {
		panic("reference: op " + o.String() + " registered twice")
	}
	ops[o] = row
}

// opOf returns the row of layer l's op, or an error when the reference does not have it.
func opOf(l *compiler.Layer) (op, error) {
	row, ok := ops[l.Op]
	if !ok {
		return op{}, fmt.Errorf("%s: the reference has no op %s", l.Name, l.Op)
	}
	return row, nil
}

// float64s returns x as float64 values: x itself when it holds them already, nil for nil.
func float64s[T Float](x []T) []float64 {
	if v, ok := any(x).([]float64); ok {
		return v
	}
	if x == nil {
		return nil
	}
	y := make([]float64, len(x))
	for j, v := range x {
		y[j] = float64(v)
	}
	return y
}

// rounded returns y as T values: y itself when T is float64, else each value rounded to T.
func rounded[T Float](y []float64) []T {
	if v, ok := any(y).([]T); ok {
		return v
	}
	x := make([]T, len(y))
	for j, v := range y {
		x[j] = T(v)
	}
	return x
}
