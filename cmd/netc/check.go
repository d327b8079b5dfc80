package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/dsl"
)

// check implements `netc check [--json] FILE...`.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print a JSON document per spec instead of a table")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: netc check [--json] FILE...")
		return 2
	}
	status := 0
	for i, file := range fs.Args() {
		n, err := compileFile(file)
		if err != nil {
			status = 1
			fmt.Fprintln(stderr, err)
			if *asJSON {
				writeJSON(stdout, checkErrors(file, err))
			}
			continue
		}
		if *asJSON {
			writeJSON(stdout, summary(n))
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		writeTable(stdout, n)
	}
	return status
}

// compileFile reads and compiles one spec.
func compileFile(file string) (*compiler.Network, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("netc: %v", err)
	}
	return compiler.Compile(file, src)
}

// writeTable prints one aligned row per layer and the totals.
func writeTable(w io.Writer, n *compiler.Network) {
	fmt.Fprintf(w, "%s: network %s, input %s, %d classes\n\n", n.File, n.Name, n.Input, n.Classes)
	rows := [][]string{{"layer", "op", "output", "params", "MFLOPs", "activations"}}
	for _, l := range n.Layers {
		params, mflops := "–", "–"
		if l.Params > 0 {
			params = compiler.Thousands(l.Params)
		}
		if l.MACs > 0 {
			mflops = fmt.Sprintf("%.1f", float64(l.FLOPs())/1e6)
		}
		rows = append(rows, []string{l.Name, l.Op.String(), l.Out.String(), params, mflops, byteSize(l.ActBytes)})
	}
	params, macs, act := n.Totals()
	rows = append(rows, []string{"total", "", "", compiler.Thousands(params), fmt.Sprintf("%.1f", float64(2*macs)/1e6), byteSize(act)})
	writeAligned(w, rows, "llrrrr")
	notes := ""
	for _, l := range n.Layers {
		if l.Note != "" {
			notes += fmt.Sprintf("note: %s: %s\n", l.Name, l.Note)
		}
	}
	if notes != "" {
		fmt.Fprint(w, "\n"+notes)
	}
	fmt.Fprintf(w, "\n%s parameters (%s as float32), %s multiply-adds (%.4g GFLOP) per image forward\n",
		compiler.Thousands(params), byteSize(4*params), compiler.Thousands(macs), float64(2*macs)/1e9)
}

// writeAligned prints rows as columns two spaces apart, each aligned left or right as align says
// ('l' or 'r' per column), with no trailing spaces.
func writeAligned(w io.Writer, rows [][]string, align string) {
	width := make([]int, len(align))
	for _, r := range rows {
		for i, cell := range r {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, cell := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			if i > 0 {
				b.WriteString("  ")
			}
			if align[i] == 'r' {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// byteSize writes a byte count in KiB, MiB or GiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// jsonLayer is one layer of `netc check --json`.
type jsonLayer struct {
	Name     string `json:"name"`
	Op       string `json:"op"`
	Line     int    `json:"line"`
	Output   []int  `json:"output"`
	Params   int64  `json:"params"`
	MACs     int64  `json:"macs"`
	FLOPs    int64  `json:"flops"`
	ActBytes int64  `json:"activation_bytes"`
	Note     string `json:"note,omitempty"`
}

// jsonCheck is the document `netc check --json` prints per spec.
type jsonCheck struct {
	File    string      `json:"file"`
	Valid   bool        `json:"valid"`
	Network string      `json:"network,omitempty"`
	Input   []int       `json:"input,omitempty"`
	Classes int         `json:"classes,omitempty"`
	Layers  []jsonLayer `json:"layers,omitempty"`
	Totals  *jsonTotals `json:"totals,omitempty"`
	Errors  []jsonError `json:"errors,omitempty"`
}

type jsonTotals struct {
	Params   int64 `json:"params"`
	MACs     int64 `json:"macs"`
	FLOPs    int64 `json:"flops"`
	ActBytes int64 `json:"activation_bytes"`
}

type jsonError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func summary(n *compiler.Network) jsonCheck {
	out := jsonCheck{File: n.File, Valid: true, Network: n.Name, Input: n.Input.Dims(), Classes: n.Classes}
	for _, l := range n.Layers {
		out.Layers = append(out.Layers, jsonLayer{Name: l.Name, Op: l.Op.String(), Line: l.Pos.Line,
			Output: l.Out.Dims(), Params: l.Params, MACs: l.MACs, FLOPs: l.FLOPs(), ActBytes: l.ActBytes, Note: l.Note})
	}
	params, macs, act := n.Totals()
	out.Totals = &jsonTotals{Params: params, MACs: macs, FLOPs: 2 * macs, ActBytes: act}
	return out
}

func checkErrors(file string, err error) jsonCheck {
	out := jsonCheck{File: file}
	var list dsl.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			out.Errors = append(out.Errors, jsonError{File: e.Pos.Filename, Line: e.Pos.Line, Column: e.Pos.Column, Message: e.Msg})
		}
	} else {
		out.Errors = []jsonError{{File: file, Message: err.Error()}}
	}
	return out
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
