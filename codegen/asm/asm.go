// Package asm writes the Go assembly (amd64, Go's assembler syntax) of the kernels netc
// generates per layer, shape-specialised — every size, stride and offset an immediate but the
// counts a kernel takes as arguments — with their Go stub declarations and pure-Go twins; and
// package runtime's assembly.
//
// A generated kernel is described by a small geometry value — a direct convolution (Conv), a
// weight-gradient kernel (Upd), Winograd's input and output transforms (WinoIn, WinoOut); the
// first two carry the register tiles the compiler's plan chose for each instruction-set form
// (Tiles), the transforms a row of tiles at a time need none —, and Generate returns the four files of its package: the assembly (asm_amd64.s) in AVX-512 and
// in AVX2 with FMA, the stubs (//go:noescape, and an entry that checks the extents and switches
// on kernelISA, runtime.BestISA() at start-up), the twins (always compiled, so tests compare each
// form with them; Winograd's through the package's matrices and winogradSum) and the entries of
// a build without assembly, which call the twins. Share keeps one kernel per distinct geometry:
// a direct kernel takes its input blocks as an argument, so that layers that differ only in
// their input channels share one. Registers are assigned by a fixed scheme per kernel rather
// than by an allocator: the kernels are small and regular, and the scheme is written down in
// each kernel's comment, with the tile it uses.
//
// The output is deterministic: the same geometries give the same bytes.
//
// Runtime writes package runtime's assembly files, from one description per kernel for both
// instruction sets (runtime.go and runtime_*.go; cmd/runtimeasm writes the files, runtime's
// go:generate line runs it, and TestRuntimeFiles fails when the committed ones are stale).
//
// conv_test.go, upd_test.go and winograd_test.go test the generator on its own, against the
// twins and against convolutions, gradients and transforms from their definitions, and
// benchmark it per AlexNet layer.
package asm

import (
	"fmt"
	"reflect"
	"strings"
)

// text is one assembly file being written.
type text struct{ b strings.Builder }

// line writes a line as it is.
func (t *text) line(format string, args ...any) {
	fmt.Fprintf(&t.b, format, args...)
	t.b.WriteByte('\n')
}

// op writes one instruction, its operands in Go's order (sources first, destination last), and
// an optional comment.
func (t *text) op(comment, name string, operands ...string) {
	s := "\t" + name
	if len(operands) > 0 {
		s += " " + strings.Join(operands, ", ")
	}
	if comment != "" {
		s = fmt.Sprintf("%-48s // %s", s, comment)
	}
	t.line("%s", s)
}

// dispatch writes the body of a kernel's Go entry: the checks (the extents the assembly reads and
// writes), then the form of kernelISA, the twin where that is runtime.ISAGo. goArgs are the
// twin's arguments, asmArgs the assembly's.
func dispatch(t *text, name, goArgs, asmArgs string, checks ...string) {
	for _, c := range checks {
		t.line("\t%s", c)
	}
	t.line("\tswitch kernelISA {")
	for _, is := range []*isa{&avx512, &avx2} {
		t.line("\tcase runtime.ISA%s:\n\t\t%s%s(%s)", is.name, name, is.name, asmArgs)
	}
	t.line("\tdefault:\n\t\t%sGo(%s)\n\t}\n}", name, goArgs)
}

// label writes a branch target.
func (t *text) label(name string) { t.line("%s:", name) }

// mem is a memory operand: off(base).
func mem(off int, base string) string {
	if off == 0 {
		return "(" + base + ")"
	}
	return fmt.Sprintf("%d(%s)", off, base)
}

// imm is an immediate operand.
func imm(v int) string { return fmt.Sprintf("$%d", v) }

// z is AVX-512 register i.
func z(i int) string { return fmt.Sprintf("Z%d", i) }

// Share returns kernels with one kernel per distinct geometry — a kernel's fields less its Name,
// Doc and Users —, the first of each with the Users of the others appended to its own, and the
// name by which the callers of each kernel of kernels call it: the shared kernel's.
func Share(kernels []Kernel) (shared []Kernel, names map[string]string) {
	names = map[string]string{}
	first := map[string]Kernel{}
	for _, k := range kernels {
		v := reflect.ValueOf(k).Elem()
		name := v.FieldByName("Name").String()
		geometry := reflect.New(v.Type()).Elem()
		geometry.Set(v)
		for _, f := range []string{"Name", "Doc", "Users"} {
			geometry.FieldByName(f).SetZero()
		}
		key := fmt.Sprintf("%T %+v", k, geometry.Interface()) // a *Winograd prints as F(m×m,r×r)
		if f, ok := first[key]; ok {
			fv := reflect.ValueOf(f).Elem().FieldByName("Users")
			fv.Set(reflect.AppendSlice(fv, v.FieldByName("Users")))
			names[name] = reflect.ValueOf(f).Elem().FieldByName("Name").String()
			continue
		}
		first[key] = k
		names[name] = name
		shared = append(shared, k)
	}
	return shared, names
}

// users writes the comment lines that name a kernel's callers, wrapped at 100 columns.
func (t *text) users(users []string) { t.wrapped("For " + list(users) + ".") }

// about writes the comment lines that say what one call of a kernel computes and for whom.
func (t *text) about(doc string, users []string) {
	t.wrapped(strings.ToUpper(doc[:1]) + doc[1:] + ", for " + list(users) + ".")
}

// list joins items as a sentence does: "a", "a and b", "a, b and c"; "no step" for none.
func list(items []string) string {
	switch n := len(items); {
	case n == 0:
		return "no step"
	case n == 1:
		return items[0]
	default:
		return strings.Join(items[:n-1], ", ") + " and " + items[n-1]
	}
}

// wrapped writes text as comment lines of at most 100 columns.
func (t *text) wrapped(text string) {
	line := "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 100 && line != "//" {
			t.line("%s", line)
			line = "//"
		}
		line += " " + w
	}
	t.line("%s", line)
}
