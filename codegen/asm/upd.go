package asm

import (
	"fmt"
	"strings"
)

// Upd is the geometry of a weight-gradient kernel (the "weight update" of Georganas et al.,
// SC18): one call adds to T×F accumulators of Lanes output channels — input position t (a
// channel at one kernel offset) by output block f — the products of the output gradient, in the
// channel-blocked layout, and the input, summed over Rows×OutW output pixels:
//
//	dw[(t·F + f)·Lanes + l] += Σ_{oy < Rows, ox < OutW}
//	        dy[f·DyBlockStride + oy·DyRowStride + ox·Lanes + l] · in[oy·InRowStride + ox·InPixStride + t·InTStride]
//
// in that order (oy, then ox). The caller positions in at the first input position's value for
// output pixel (0, 0) and dy at the first output block; the strides of in carry the
// convolution's strides (InRowStride = SH·row, InPixStride = SW·pixel). The output gradient's
// vectors play the role the weights play in Conv, and the input values are broadcast: per pixel,
// F loads, T broadcasts and T·F FMAs, each accumulator one FMA per pixel.
type Upd struct {
	Name                                string
	T, F                                int
	Rows, OutW                          int
	InRowStride, InPixStride, InTStride int // in float32 values
	DyRowStride, DyBlockStride          int
	Tiles                               Tiles    // the register tiles: Pixels input positions × Blocks output blocks
	Doc                                 string   // what one call computes, for its comment
	Users                               []string // the steps that call it, with their spec lines
}

func (u *Upd) check() error {
	switch {
	case u.F < 1 || u.T < 1 || u.Tiles.AVX512.Pixels > u.T || u.Tiles.AVX2.Pixels > u.T:
		return fmt.Errorf("asm: %s: tiles %+v of a call of %d positions × %d blocks", u.Name, u.Tiles, u.T, u.F)
	case u.Tiles.Go != Tile{1, 1}:
		return fmt.Errorf("asm: %s: a Go tile of %v; the twin keeps one accumulator", u.Name, u.Tiles.Go)
	case min(u.Rows, u.OutW) < 1 || min(u.InRowStride, u.InPixStride, u.InTStride, u.DyRowStride, u.DyBlockStride) < 0:
		return fmt.Errorf("asm: %s: a size below 1 or a negative stride in %+v", u.Name, *u)
	}
	for _, is := range []*isa{&avx512, &avx2} {
		if err := is.fits(is.of(u.Tiles), u.F); err != nil {
			return fmt.Errorf("asm: %s: %w", u.Name, err)
		}
	}
	return nil
}

// The extents of the operands, in float32 values.
func (u *Upd) dwLen() int { return u.T * u.F * Lanes }
func (u *Upd) inLen() int {
	return (u.Rows-1)*u.InRowStride + (u.OutW-1)*u.InPixStride + (u.T-1)*u.InTStride + 1
}
func (u *Upd) dyLen() int {
	return (u.F-1)*u.DyBlockStride + (u.Rows-1)*u.DyRowStride + u.OutW*Lanes
}

// loop is the Go loop every form of the kernel computes, for its comments.
func (u *Upd) loop() string {
	return fmt.Sprintf(`for t := 0; t < %d; t++ {
	for f := 0; f < %d; f++ {
		for l := 0; l < %d; l++ {
			acc := dw[(t*%d+f)*%d+l]
			for oy := 0; oy < %d; oy++ {
				for ox := 0; ox < %d; ox++ {
					acc += dy[f*%d+oy*%d+ox*%d+l] * in[oy*%d+ox*%d+t*%d]
				}
			}
			dw[(t*%d+f)*%d+l] = acc
		}
	}
}`, u.T, u.F, Lanes, u.F, Lanes, u.Rows, u.OutW, u.DyBlockStride, u.DyRowStride, Lanes,
		u.InRowStride, u.InPixStride, u.InTStride, u.F, Lanes)
}

func (u *Upd) stub(t *text) {
	for _, is := range []*isa{&avx512, &avx2} {
		t.line("\n// %s%s computes, on the slices' first elements, with FMAs in %d lanes:", u.Name, is.name, is.width)
		t.line("//")
		for _, l := range strings.Split(u.loop(), "\n") {
			t.line("//\t%s", l)
		}
		t.line("//\n//go:noescape\nfunc %s%s(dw, in, dy *float32)", u.Name, is.name)
	}
	t.line("\n// %s is %sGo (see it for the lengths), in assembly where the CPU has AVX-512 or AVX2.", u.Name, u.Name)
	t.line("func %s(dw, in, dy []float32) {", u.Name)
	dispatch(t, u.Name, "dw, in, dy", "&dw[0], &in[0], &dy[0]",
		fmt.Sprintf("_, _, _ = dw[%d], in[%d], dy[%d] // the extents the assembly reads and writes", u.dwLen()-1, u.inLen()-1, u.dyLen()-1))
}

func (u *Upd) twin(t *text) {
	t.line("")
	t.wrapped(fmt.Sprintf("%sGo is the pure-Go twin of %sAVX512 and %sAVX2: with dw of at least %d values, in %d and dy %d, "+
		"it computes %s. The sums are in the assembly's order, without fused multiply-adds.",
		u.Name, u.Name, u.Name, u.dwLen(), u.inLen(), u.dyLen(), u.Doc))
	t.users(u.Users)
	t.line("//\n// Tile: %d×%d, the plan's.", u.Tiles.Go.Pixels, u.Tiles.Go.Blocks)
	t.line("func %sGo(dw, in, dy []float32) {", u.Name)
	for _, l := range strings.Split(u.loop(), "\n") {
		t.line("\t%s", l)
	}
	t.line("}")
}

func (u *Upd) other(t *text) {
	t.line("\n// %s is %sGo in this build.", u.Name, u.Name)
	t.line("func %s(dw, in, dy []float32) { %sGo(dw, in, dy) }", u.Name, u.Name)
}

// asm writes the kernel in one instruction set: the accumulators of as many positions and output
// blocks as the registers hold (all in AVX-512; in AVX2 one block of up to 6 positions) are
// loaded, the pixels of every row multiplied in, and the accumulators stored, one pass per such
// group.
func (u *Upd) asm(t *text, is *isa) {
	parts := is.parts()
	blocks, positions := is.of(u.Tiles).Blocks, is.of(u.Tiles).Pixels
	accs := positions * blocks * parts
	t.line("\n// func %s%s(dw, in, dy *float32)", u.Name, is.name)
	t.line("//")
	t.about(u.Doc, u.Users)
	t.line("//\n// Tile: %d×%d, the plan's.", positions, blocks)
	t.line("//\n// %d input positions × %d output blocks of %d channels, summed over %d rows of %d", u.T, u.F, Lanes, u.Rows, u.OutW)
	t.line("// output pixels, %d position(s) × %d block(s) at a time. DI dw, SI in, DX dy; R9 the row loop, R8 the pixel", positions, blocks)
	t.line("// loop, R10 the pixel's input, R11 its output gradient. %s0…%s%d accumulators, then the", is.reg, is.reg, accs-1)
	t.line("// output gradient's vectors of one pixel, then the input broadcasts.")
	t.line("TEXT ·%s%s(SB), NOSPLIT, $0-24", u.Name, is.name)
	t.op("", "MOVQ", "dw+0(FP)", "DI")
	t.op("", "MOVQ", "in+8(FP)", "SI")
	t.op("", "MOVQ", "dy+16(FP)", "DX")
	id := u.Name + is.name
	acc := func(p, b, part int) string { return is.r((p*blocks+b)*parts + part) }
	grad := func(b, part int) string { return is.r(accs + b*parts + part) }
	firstBC := accs + blocks*parts
	nbc := is.regs - firstBC
	for p0 := 0; p0 < u.T; p0 += positions {
		for b0 := 0; b0 < u.F; b0 += blocks {
			np := min(positions, u.T-p0)
			pass := fmt.Sprintf("%s_%d_%d", id, p0, b0)
			t.line("\n\t// input positions %d…%d, output blocks %d…%d", p0, p0+np-1, b0, b0+blocks-1)
			dw := func(p, b, part int) string { return mem((((p0+p)*u.F+b0+b)*Lanes+part*is.width)*4, "DI") }
			for p := range np {
				for b := range blocks {
					for part := range parts {
						t.op("", "VMOVUPS", dw(p, b, part), acc(p, b, part))
					}
				}
			}
			t.op("", "LEAQ", mem(p0*u.InTStride*4, "SI"), "R10")
			t.op("", "LEAQ", mem(b0*u.DyBlockStride*4, "DX"), "R11")
			t.op("rows", "MOVQ", imm(u.Rows), "R9")
			t.label(pass + "_row")
			t.op("pixels", "MOVQ", imm(u.OutW), "R8")
			t.label(pass + "_pixel")
			for b := range blocks {
				for part := range parts {
					t.op(fmt.Sprintf("block %d's gradient", b0+b), "VMOVUPS", mem((b*u.DyBlockStride+part*is.width)*4, "R11"), grad(b, part))
				}
			}
			for p := range np {
				r := is.r(firstBC + p%nbc)
				t.op(fmt.Sprintf("input position %d", p0+p), "VBROADCASTSS", mem(p*u.InTStride*4, "R10"), r)
				for b := range blocks {
					for part := range parts {
						t.op("", "VFMADD231PS", grad(b, part), r, acc(p, b, part))
					}
				}
			}
			t.op("next pixel", "ADDQ", imm(u.InPixStride*4), "R10")
			t.op("", "ADDQ", imm(Lanes*4), "R11")
			t.op("", "DECQ", "R8")
			t.op("", "JNZ", pass+"_pixel")
			t.op("next row", "ADDQ", imm((u.InRowStride-u.OutW*u.InPixStride)*4), "R10")
			t.op("", "ADDQ", imm((u.DyRowStride-u.OutW*Lanes)*4), "R11")
			t.op("", "DECQ", "R9")
			t.op("", "JNZ", pass+"_row")
			for p := range np {
				for b := range blocks {
					for part := range parts {
						t.op("", "VMOVUPS", acc(p, b, part), dw(p, b, part))
					}
				}
			}
		}
	}
	t.op("", "VZEROUPPER")
	t.op("", "RET")
}
