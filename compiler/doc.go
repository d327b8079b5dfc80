// Package compiler turns a parsed spec into a verified intermediate representation (IR): a
// Network whose layers carry their shapes, parameters and costs, grouped into the steps of the
// generated code with every decision that code embodies — buffers, layouts, kernel strategies,
// the op's own plan of its kernels (a conv's ConvBlocking, a fully connected layer's
// FCBlocking, LRN's chunks), and per kernel (Kernel, kernel.go) the register tiles of each
// instruction-set form (AVX-512, AVX2, the Go twins), the loops its work splits into and their
// item counts (per image, but for a fully connected layer's rows and the weights' transforms),
// the named regions of the workers' scratch with their offsets and
// sizes, and the parts of the packed weights and partial sums — for code generation and for
// `netc check -v` to read from one place. Codegen decides nothing; it writes down the lowered
// IR, and a test of codegen fails when the generated code states a tile, item count or offset
// that the plan does not hold.
//
// Everything the compiler knows about an op kind is one row of the op table (op.go): its word
// and settings, shape rule, parameters and initialisation, forward and backward multiply-adds,
// what its backward pass reads, whether it is a view or works in place, how its work is split
// over the workers, how it is lowered, its PyTorch equivalent. Each row is in its own file,
// op_<name>.go (op_conv.go, op_lrn.go, …), as the Go compiler's SSA ops are rows of
// genericOps.go; the passes read the table and none of them names an op. Adding an op kind is
// adding one file here (and its emitter in codegen, its reference in internal/reference).
//
// Compile runs a visible pipeline of small passes, each in its own file:
//
//	build   (build.go)   AST → IR: names, constants, every setting typed and range-checked
//	shapes  (shapes.go)  infer every shape; check the arithmetic is whole, or rounded as declared
//	count   (count.go)   parameters, forward and backward multiply-adds, activation bytes
//	fuse    (fuse.go)    group layers into the steps of the generated code (relu into its conv/fc)
//	plan    (plan.go)    assign the activation and gradient buffers, reusing what nothing reads
//	lower   (lower.go)   per step: split, strategies, layouts, and each kernel's tiles, loops and
//	                     regions (the op rows' laidOut, after the layouts); partial sums, masks
//
// Verify (verify.go) checks the invariants of each stage and runs between the passes, so a pass
// that breaks the IR is named at once; for the lowered IR, that every region lies inside its
// buffer and overlaps no other of its kernel, that its size covers its Reach (how far the
// kernel's furthest access goes, computed from the geometry of its calls apart from the size:
// for a conv's input copy, from its windows or tiles, which may reach past the padded image;
// for the regions a kernel fills or reads whole, the size again), that every tile fits its
// form's registers, that each buffer is as large as its regions, and, through each op's
// checkPlan, that a conv's blockings hold their convolution, its copies are those its
// blockings and layouts need, and every kernel's loops run over the items its geometry gives. Errors are dsl.Errors at the
// spec's positions, all of them, sorted. Network.Memory says what the generated package
// allocates.
package compiler
