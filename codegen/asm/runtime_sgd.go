package asm

import "fmt"

// The SGD step (runtime/sgd.go): sgdPyTorch and sgdPaper, a vector of values a step.

var sgdFile = runtimeFile{
	name: "sgd_amd64.s", source: "runtime_sgd.go",
	doc: "The SGD step (sgd.go), PyTorch's rule and the paper's, one vector a step: the same fused operations in the same order in AVX-512 and AVX2, so the same values bit for bit.",
	write: func(t *text) {
		for _, is := range []*isa{&avx512, &avx2} {
			sgdPyTorch(t, is)
			sgdPaper(t, is)
		}
	},
}

// sgdFrame loads the arguments of both rules: DI, SI, DX point at w, grad, v; CX is n; the
// three float32 values in every lane of registers 0, 1 and 2; AX, the values done, zero.
func sgdFrame(t *text, is *isa, third string) {
	t.movqs("w+0(FP)", "DI", "grad+8(FP)", "SI", "v+16(FP)", "DX", "n+24(FP)", "CX")
	t.op("lr in every lane", "VBROADCASTSS", "lr+32(FP)", is.r(0))
	t.op("mu", "VBROADCASTSS", "mu+36(FP)", is.r(1))
	t.op(third, "VBROADCASTSS", third+"+40(FP)", is.r(2))
	t.op("", "XORQ", "AX", "AX")
}

// sgdLoop writes the loop over the vectors: label, the step's body, and the count.
func sgdLoop(t *text, is *isa, label string, body func()) {
	t.label(label)
	t.op("", "CMPQ", "AX", "CX")
	t.op("", "JGE", label+"Done")
	body()
	t.op("", "ADDQ", imm(is.width), "AX")
	t.op("", "JMP", label)
	t.label(label + "Done")
	t.ret()
}

// sgdPyTorch: v = mu·v + (g + lambda·w), then w = w − lr·v, with three fused multiply-adds.
func sgdPyTorch(t *text, is *isa) {
	t.kernel("sgdPyTorch"+is.name, "(w, grad, v *float32, n int, lr, mu, lambda float32)", 44, fmt.Sprintf(
		"v = mu·v + (g + lambda·w), then w = w − lr·v, with three fused multiply-adds, %[1]d values a step (n a multiple of %[1]d): "+
			"DI, SI, DX point at w, grad, v; CX is n; AX counts the values; %[2]s0, %[2]s1, %[2]s2 hold lr, mu, lambda in every lane; "+
			"%[2]s3 w, %[2]s4 g, then the new v.", is.width, is.reg))
	sgdFrame(t, is, "lambda")
	w, g := is.r(3), is.r(4)
	sgdLoop(t, is, "pytorch", func() {
		t.op("w", "VMOVUPS", "(DI)(AX*4)", w)
		t.op("g", "VMOVUPS", "(SI)(AX*4)", g)
		t.op("g + lambda·w", "VFMADD231PS", w, is.r(2), g)
		t.op("v = mu·v + g + lambda·w", "VFMADD231PS", "(DX)(AX*4)", is.r(1), g)
		t.op("", "VMOVUPS", g, "(DX)(AX*4)")
		t.op("w − lr·v", "VFNMADD231PS", g, is.r(0), w)
		t.op("", "VMOVUPS", w, "(DI)(AX*4)")
	})
}

// sgdPaper: v = mu·v − c·w − lr·g (c = lambda·lr), the product, then two fused multiply-adds;
// w = w + v.
func sgdPaper(t *text, is *isa) {
	t.kernel("sgdPaper"+is.name, "(w, grad, v *float32, n int, lr, mu, c float32)", 44, fmt.Sprintf(
		"v = mu·v − c·w − lr·g (c = lambda·lr), the product, then two fused multiply-adds; w = w + v; %[1]d values a step "+
			"(n a multiple of %[1]d): DI, SI, DX point at w, grad, v; CX is n; AX counts the values; %[2]s0, %[2]s1, %[2]s2 hold "+
			"lr, mu, c in every lane; %[2]s3 w, %[2]s5 the new v.", is.width, is.reg))
	sgdFrame(t, is, "c")
	w, v := is.r(3), is.r(5)
	sgdLoop(t, is, "paper", func() {
		t.op("w", "VMOVUPS", "(DI)(AX*4)", w)
		t.op("mu·v", "VMULPS", "(DX)(AX*4)", is.r(1), v)
		t.op("− c·w", "VFNMADD231PS", w, is.r(2), v)
		t.op("− lr·g: the new v", "VFNMADD231PS", "(SI)(AX*4)", is.r(0), v)
		t.op("", "VMOVUPS", v, "(DX)(AX*4)")
		t.op("w + v", "VADDPS", v, w, w)
		t.op("", "VMOVUPS", w, "(DI)(AX*4)")
	})
}
