package compiler

import (
	"fmt"

	"github.com/netc-project/netc/dsl"
)

// Network is the IR of one spec.
type Network struct {
	File     string // the spec's path, as given to Compile
	Name     string
	Input    Shape   // one image: channels × height × width
	InputPos dsl.Pos // where the spec declares it
	Classes  int
	Rounding Rounding // the network's default for conv and pool output sizes
	Init     Inits    // default initialisation of weights and biases
	Layers   []*Layer
	Train    Train
	Augment  Augment

	// Steps are the kernels of the generated code, in order, from the fuse pass.
	Steps []*Step
	// Buffers are the sizes, in float32 values per image, of the activation buffers the plan
	// pass assigns the steps' outputs to.
	Buffers []int64
	// GradSize is the size, in float32 values per image, of each of the backward pass's two
	// gradient buffers.
	GradSize int64
	// Set by the lower pass, per worker (not per image), in float32 values: the scratch space
	// of the largest forward or backward kernel, and the partial sums of the parameter
	// gradients that the workers accumulate over their own images (see Step.Partials).
	Scratch  int64
	Partials int64

	Stage Stage // how far the pipeline has got; Verify checks what this stage promises

	// Broken is set by build when the network's own settings (input, classes, layers) are
	// wrong, so that no later pass can run.
	Broken bool
}

// Stage is a point in the pipeline: each pass fills in more of the IR.
type Stage int

// The stages, in order.
const (
	StageBuilt   Stage = iota + 1 // layers and settings checked; no shapes yet
	StageShaped                   // every layer's In and Out shape known
	StageCounted                  // Params, MACs and ActBytes filled in
	StageFused                    // layers grouped into Steps
	StagePlanned                  // every step's buffers assigned
	StageLowered                  // every kernel's strategy, split, scratch and layout decided
)

func (s Stage) String() string {
	return [...]string{"empty", "built", "shaped", "counted", "fused", "planned", "lowered"}[s]
}

// Shape is the shape of one image's activations. A flat vector of n values is n×1×1 with Flat set.
type Shape struct {
	C, H, W int
	Flat    bool
}

// Size is the number of values.
func (s Shape) Size() int64 { return int64(s.C) * int64(s.H) * int64(s.W) }

// String renders the shape as specs write it: 96x55x55, or 4096 when flat.
func (s Shape) String() string {
	if s.Flat {
		return fmt.Sprint(s.C)
	}
	return fmt.Sprintf("%dx%dx%d", s.C, s.H, s.W)
}

// Dims returns the shape as a list: [C H W], or [C] when flat.
func (s Shape) Dims() []int {
	if s.Flat {
		return []int{s.C}
	}
	return []int{s.C, s.H, s.W}
}

// Rounding says how a conv or pool output size that is not whole is made whole.
type Rounding int

// The roundings.
const (
	RoundExact Rounding = iota + 1 // a fractional size is an error (the default)
	RoundFloor                     // PyTorch
	RoundCeil                      // Caffe's pooling
)

func (r Rounding) String() string { return [...]string{"", "exact", "floor", "ceil"}[r] }

// Layer is one operation of the network.
type Layer struct {
	Name string
	Pos  dsl.Pos // where the spec declares it
	Op   Op

	// Attrs is the op's configuration, of the type its op file declares, or nil for an op
	// without settings; each op file has a typed accessor for it.
	Attrs any

	Expect    []int   // the declared output shape (`-> 96x55x55`), or nil
	ExpectPos dsl.Pos // where it is declared

	// Set by the shapes pass.
	In, Out Shape

	// Note is a remark for the user about the layer, such as that it does nothing here.
	Note string

	// Broken is set by build when the layer's settings are wrong; later passes stop before it.
	Broken bool

	// Set by the count pass, per image.
	Params   int64 // learnable values
	MACs     int64 // multiply-adds of the forward pass
	BackMACs int64 // multiply-adds of the backward pass (the input's gradient only where needed)
	ActBytes int64 // bytes of the output activations (float32)
}

// FLOPs is the forward pass's floating-point operations per image: 2 × multiply-adds.
func (l *Layer) FLOPs() int64 { return 2 * l.MACs }

// Learn holds what conv and fc layers share: their bias, initialisation and per-layer training
// multipliers.
type Learn struct {
	Bias       bool
	WeightInit Init
	BiasInit   Init
	LRMult     float64 // multiplies the learning rate of this layer's parameters
	DecayMult  float64 // multiplies the weight decay of this layer's parameters
	// From is the name this layer's parameters have in other tools' weight files
	// ("features.0" for torchvision's features.0.weight), or "".
	From string
}

// InitKind is a way to initialise a tensor.
type InitKind int

// The initialisations.
const (
	InitNormal   InitKind = iota + 1 // N(0, Std)
	InitKaiming                      // N(0, 2/fan), fan = fan_in or fan_out (He et al., for ReLU)
	InitConstant                     // every value Value
)

// Init is how a tensor is initialised.
type Init struct {
	Kind   InitKind
	Std    float64 // InitNormal
	FanOut bool    // InitKaiming: fan_out instead of fan_in
	Value  float64 // InitConstant
}

func (i Init) String() string {
	switch i.Kind {
	case InitNormal:
		return fmt.Sprintf("normal(%g)", i.Std)
	case InitKaiming:
		if i.FanOut {
			return "kaiming(fan_out)"
		}
		return "kaiming(fan_in)"
	case InitConstant:
		return fmt.Sprintf("constant(%g)", i.Value)
	}
	return "none"
}

// Inits is the network's default initialisation.
type Inits struct {
	Weight, Bias Init
}

// UpdateRule is the form of SGD with momentum.
type UpdateRule int

// The update rules; they agree while the learning rate is constant.
const (
	RulePyTorch UpdateRule = iota + 1 // g ← ∇ + λw; b ← μb + g; w ← w − γb
	RulePaper                         // v ← μv − λγw − γ∇; w ← w + v
)

func (r UpdateRule) String() string { return [...]string{"", "pytorch", "paper"}[r] }

// Mult scales the learning rate and weight decay of a kind of parameter.
type Mult struct{ LR, Decay float64 }

// Train holds the training settings.
type Train struct {
	Batch    int
	Epochs   int
	LR       float64
	Momentum float64
	Decay    float64
	Rule     UpdateRule
	Steps    []int   // epochs after which the learning rate is multiplied by Gamma
	Gamma    float64 // the factor at each step
	Weights  Mult    // multipliers for every weight
	Biases   Mult    // multipliers for every bias (Caffe: lr ×2, no decay)
}

// EvalCrops says how an image is cropped for evaluation.
type EvalCrops int

// The evaluation crops.
const (
	EvalCenter  EvalCrops = iota + 1 // the centre crop
	EvalTenCrop                      // four corners and centre, and their mirror images; softmax averaged
)

func (e EvalCrops) String() string { return [...]string{"", "center", "tencrop"}[e] }

// Augment holds the data-augmentation settings.
type Augment struct {
	Set      bool    // the spec has an augment block
	Resize   int     // shorter side resized to this, 0 for no resize
	Crop     int     // square crop (random when training), 0 for none
	Flip     bool    // random horizontal flips when training
	Lighting float64 // PCA lighting: standard deviation of the α_i, 0 for none
	Mean     [3]float64
	Std      [3]float64
	Eval     EvalCrops
}
