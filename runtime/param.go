package runtime

// Param is one learnable tensor of a generated model, in PyTorch's layout.
type Param struct {
	Name  string    // "conv1.weight", as the spec names the layer
	Shape []int     // e.g. [96 3 11 11]
	Data  []float32 // len = product of Shape
	Grad  []float32 // same length; filled by Backward
}

// Size returns the number of elements of p, the product of its Shape;
// a Param with an empty Shape is a scalar and has size 1.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}
