package asm

import "fmt"

// The GEMM's dot products (runtime/dot.go): dot, one row by one row, as one stream each, in
// AVX-512 and AVX2; and sgemmDot4x4, four rows by four, in AVX-512 only (its sixteen
// accumulators would take all of AVX2's sixteen registers).

var dotFile = runtimeFile{
	name: "dot_amd64.s", source: "runtime_dot.go",
	doc: "The GEMM's dot-product kernels (dot.go): sgemmDot4x4AVX512, four rows of A by four of B, and dot, one row by one, each row read front to back as one stream. sgemmDot4x4 has no AVX2 form: its sixteen accumulators and eight row vectors do not fit in AVX2's sixteen registers, and with AVX2 the GEMM takes the dot-product path only for a product of one row or column (dot).",
	write: func(t *text) {
		sgemmDot4x4(t)
		for _, is := range []*isa{&avx512, &avx2} {
			dot(t, is)
		}
	},
}

// sgemmDot4x4 writes the 4×4 kernel: Z0…Z3 sixteen values of A's rows, Z4…Z7 of B's, Z16…Z31
// the sixteen accumulators (Z(16+4r+s) the dot product of row r of A and row s of B), the last
// k%16 values through the mask K1.
func sgemmDot4x4(t *text) {
	a := []string{"AX", "BX", "CX", "DX"}
	b := []string{"SI", "DI", "R8", "R9"}
	t.kernel("sgemmDot4x4AVX512", "(k int, a0, a1, a2, a3, b0, b1, b2, b3 *float32, out *[16]float32)", 80,
		"AX, BX, CX, DX advance over the rows of A, SI, DI, R8, R9 over those of B; R10 counts the blocks of sixteen "+
			"values, R11 points at out. Z0…Z3 hold sixteen values of A's rows, Z4…Z7 of B's; Z(16+4r+s) sums row r of A "+
			"times row s of B in sixteen lanes, the last k%16 values through the mask K1.")
	t.line("\t// K1 masks the k%%16 values of the last, partial block (CX is free until A's third row is loaded).")
	t.op("", "MOVQ", "k+0(FP)", "CX")
	t.op("", "ANDQ", "$15", "CX")
	t.lowBits("1 << (k%16)", "R13")
	t.op("", "KMOVW", "R13", "K1")
	t.op("", "MOVQ", "k+0(FP)", "R10")
	t.op("k/16", "SHRQ", "$4", "R10")
	for r := range 4 {
		t.op("", "MOVQ", fmt.Sprintf("a%d+%d(FP)", r, 8+8*r), a[r])
	}
	for s := range 4 {
		t.op("", "MOVQ", fmt.Sprintf("b%d+%d(FP)", s, 40+8*s), b[s])
	}
	t.op("", "MOVQ", "out+72(FP)", "R11")
	t.line("\n\t// Clear the accumulators.")
	for i := 16; i < 32; i++ {
		t.op("", "VPXORD", z(i), z(i), z(i))
	}
	fma := func() { // Z(16+4r+s) += Z(r)·Z(4+s)
		for r := range 4 {
			for s := range 4 {
				t.op("", "VFMADD231PS", z(4+s), z(r), z(16+4*r+s))
			}
		}
	}
	t.op("", "TESTQ", "R10", "R10")
	t.op("", "JZ", "tail")
	t.label("loop")
	for r := range 4 {
		t.op(first(r, "sixteen values of each row of A …"), "VMOVUPS", mem(0, a[r]), z(r))
	}
	for s := range 4 {
		t.op(first(s, "… and of B"), "VMOVUPS", mem(0, b[s]), z(4+s))
	}
	fma()
	var adds []string
	for _, p := range append(append([]string{}, a...), b...) {
		adds = append(adds, "$64", p)
	}
	t.next("loop", "R10", adds...)
	t.label("tail")
	t.op("no partial block?", "KORTESTW", "K1", "K1")
	t.op("", "JZ", "reduce")
	for r := range 4 {
		t.op(first(r, "the last k%%16 values, zeros beyond (not read)"), "VMOVUPS.Z", mem(0, a[r]), "K1", z(r))
	}
	for s := range 4 {
		t.op("", "VMOVUPS.Z", mem(0, b[s]), "K1", z(4+s))
	}
	fma()
	t.label("reduce")
	t.line("\t// Each accumulator's sixteen lanes summed into out, through Y8 and Y9: the two 256-bit")
	t.line("\t// halves are extracted to registers below 16 so that the rest needs only AVX.")
	for i := range 16 {
		t.op("", "VEXTRACTF64X4", "$0", z(16+i), "Y8")
		t.op("", "VEXTRACTF64X4", "$1", z(16+i), "Y9")
		t.op("", "VADDPS", "Y8", "Y9", "Y9")
		t.op("", "VEXTRACTF128", "$1", "Y9", "X8")
		t.op("", "VADDPS", "X8", "X9", "X9")
		t.op("", "VHADDPS", "X9", "X9", "X9")
		t.op("", "VHADDPS", "X9", "X9", "X9")
		t.op(fmt.Sprintf("out[%d]", i), "VMOVSS", "X9", mem(4*i, "R11"))
	}
	t.ret()
}

// dot writes the one-stream dot product in is: four accumulators over four vectors a step,
// then one vector a step, then the last k%width values — through a mask in AVX-512, one at a
// time into a fifth accumulator in AVX2 (scalar VEX operations clear a register's upper lanes).
func dot(t *text, is *isa) {
	w, vb := is.width, is.bytes()
	tail := "the last k%16 values through the mask K1"
	if !is.avx512() {
		tail = "the last k%8 one at a time into Y8"
	}
	t.kernel("dot"+is.name, "(k int, a, b *float32) float32", 28, fmt.Sprintf(
		"The dot product of one row a with one row b, both k long (k > 0), read front to back as one stream each: four "+
			"accumulators (%s0…%s3) over %d values a step, then %d a step, then %s. CX is k, SI and DI advance over a and b, "+
			"DX counts the steps.", is.reg, is.reg, 4*w, w, tail))
	t.movqs("k+0(FP)", "CX", "a+8(FP)", "SI", "b+16(FP)", "DI")
	for i := range 4 {
		t.op("", is.pick("VPXORD", "VXORPS"), is.r(i), is.r(i), is.r(i))
	}
	if !is.avx512() {
		t.op("", "VXORPS", "Y8", "Y8", "Y8")
	}
	t.op("", "MOVQ", "CX", "DX")
	t.op(fmt.Sprintf("DX = k/%d", 4*w), "SHRQ", imm(map[bool]int{true: 6, false: 5}[is.avx512()]), "DX")
	t.op("", "JZ", "ones")
	t.label("loop4")
	for i := range 4 {
		t.op("", "VMOVUPS", mem(i*vb, "SI"), is.r(4+i))
	}
	for i := range 4 {
		t.op("", "VFMADD231PS", mem(i*vb, "DI"), is.r(4+i), is.r(i))
	}
	t.next("loop4", "DX", imm(4*vb), "SI", imm(4*vb), "DI")
	t.label("ones")
	t.op("", "MOVQ", "CX", "DX")
	t.op("", "ANDQ", imm(4*w-1), "DX")
	t.op(fmt.Sprintf("DX = k%%%d/%d", 4*w, w), "SHRQ", imm(map[bool]int{true: 4, false: 3}[is.avx512()]), "DX")
	t.op("", "JZ", "tail")
	t.label("loop1")
	t.op("", "VMOVUPS", "(SI)", is.r(4))
	t.op("", "VFMADD231PS", "(DI)", is.r(4), is.r(0))
	t.next("loop1", "DX", imm(vb), "SI", imm(vb), "DI")
	t.label("tail")
	t.op("", "ANDQ", imm(w-1), "CX")
	t.op("", "JZ", "sum")
	if is.avx512() {
		t.lowBits("", "DX")
		t.op("the last k%16 values", "KMOVW", "DX", "K1")
		t.op("", "VMOVUPS.Z", "(SI)", "K1", "Z4")
		t.op("", "VMOVUPS.Z", "(DI)", "K1", "Z5")
		t.op("", "VFMADD231PS", "Z5", "Z4", "Z1")
	} else {
		t.label("scalar")
		t.op("", "VMOVSS", "(SI)", "X4")
		t.op("", "VFMADD231SS", "(DI)", "X4", "X8")
		t.next("scalar", "CX", "$4", "SI", "$4", "DI")
	}
	t.label("sum")
	t.op("", "VADDPS", is.r(1), is.r(0), is.r(0))
	t.op("", "VADDPS", is.r(3), is.r(2), is.r(2))
	t.op("", "VADDPS", is.r(2), is.r(0), is.r(0))
	if is.avx512() {
		t.op("", "VEXTRACTF64X4", "$1", "Z0", "Y1")
		t.op("", "VADDPS", "Y1", "Y0", "Y0")
	} else {
		t.op("", "VADDPS", "Y8", "Y0", "Y0")
	}
	t.op("", "VEXTRACTF128", "$1", "Y0", "X1")
	t.op("", "VADDPS", "X1", "X0", "X0")
	t.op("", "VHADDPS", "X0", "X0", "X0")
	t.op("", "VHADDPS", "X0", "X0", "X0")
	t.op("", "VMOVSS", "X0", "ret+24(FP)")
	t.ret()
}
