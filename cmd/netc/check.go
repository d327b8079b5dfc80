package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strings"
	"unicode/utf8"

	"github.com/netc-project/netc/compiler"
	"github.com/netc-project/netc/dsl"
)

// check implements `netc check [--json] [-v [-batch N] [-workers N]] FILE...`.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flags("check", stderr)
	asJSON := fs.Bool("json", false, "print a JSON document per spec instead of a table")
	verbose := fs.Bool("v", false, "also print the lowering plan and the generated package's memory")
	batch := fs.Int("batch", 0, "with -v: the batch size of the memory totals (default: the spec's train batch)")
	workers := fs.Int("workers", goruntime.GOMAXPROCS(0), "with -v: the number of workers of the memory totals")
	if status, stop := parsed(fs.Parse(args)); stop {
		return status
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *batch < 0 || *batch > 1<<20 || *workers < 1 || *workers > 1<<12 {
		fmt.Fprintln(stderr, "netc check: -batch must be 0…1048576 and -workers 1…4096")
		return 2
	}
	status := 0
	for i, file := range fs.Args() {
		n, _, err := compileFile(file)
		if err != nil {
			status = 1
			fmt.Fprintln(stderr, err)
			if *asJSON {
				writeJSON(stdout, checkErrors(file, err))
			}
			continue
		}
		b := *batch
		if b == 0 {
			b = n.Train.Batch
		}
		if *asJSON {
			doc := summary(n)
			if *verbose {
				doc.Plan = planJSON(n, b, *workers)
			}
			writeJSON(stdout, doc)
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		writeTable(stdout, n)
		if *verbose {
			writePlan(stdout, n, b, *workers)
		}
	}
	return status
}

// compileFile reads and compiles one spec.
func compileFile(file string) (*compiler.Network, []byte, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("netc: %v", err)
	}
	n, err := compiler.Compile(file, src)
	return n, src, err
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
	Plan    *jsonPlan   `json:"plan,omitempty"`
	Errors  []jsonError `json:"errors,omitempty"`
}

// jsonPlan is the lowering plan and memory of `netc check --json -v`; sizes in float32 values,
// memory in bytes.
type jsonPlan struct {
	Steps   []jsonStep      `json:"steps"`
	Batch   int             `json:"batch"`
	Workers int             `json:"workers"`
	Memory  compiler.Memory `json:"memory_bytes"`
}

type jsonStep struct {
	Layers       []string     `json:"layers"`
	Split        string       `json:"split"`
	Units        int          `json:"units,omitempty"`
	Layout       string       `json:"layout"`
	Forward      string       `json:"forward,omitempty"`
	InputGrad    string       `json:"input_gradient,omitempty"`
	WeightGrad   string       `json:"weight_gradient,omitempty"`
	Blocking     string       `json:"blocking,omitempty"`
	GradBlocking string       `json:"gradient_blocking,omitempty"`
	InBuf        int          `json:"in_buffer"`
	OutBuf       int          `json:"out_buffer"`
	Scratch      int64        `json:"scratch"`
	BackScratch  int64        `json:"backward_scratch"`
	Partials     int64        `json:"partial_sums"`
	Packed       int64        `json:"packed,omitempty"`
	Relaid       int64        `json:"relaid,omitempty"`
	Mask         int64        `json:"mask,omitempty"`
	Stream       *int         `json:"mask_stream,omitempty"` // with a mask: which of the seed's streams it draws from
	Chain        int          `json:"chain,omitempty"`
	Kernels      []jsonKernel `json:"kernels,omitempty"`
}

// jsonKernel is one of a step's kernels in `netc check --json -v`: its tiles per instruction-set
// form as [pixels, blocks], its loops and its regions.
type jsonKernel struct {
	Pass     string            `json:"pass"`
	Strategy string            `json:"strategy,omitempty"`
	Tiles    map[string][2]int `json:"tiles,omitempty"`
	Loops    []compiler.Loop   `json:"loops,omitempty"`
	Regions  []compiler.Region `json:"regions,omitempty"`
}

func planJSON(n *compiler.Network, batch, workers int) *jsonPlan {
	p := &jsonPlan{Batch: batch, Workers: workers, Memory: n.Memory(batch)}
	for _, s := range n.Steps {
		var names []string
		for _, l := range s.Layers {
			names = append(names, l.Name)
		}
		js := jsonStep{Layers: names, Split: s.Split.String(), Units: s.Units, Layout: s.Layout.String(),
			Forward: string(s.Forward), InputGrad: string(s.InputGrad), WeightGrad: string(s.WeightGrad),
			InBuf: s.InBuf, OutBuf: s.OutBuf, Scratch: s.Scratch, BackScratch: s.BackScratch, Partials: s.Partials,
			Packed: s.Packed, Relaid: s.Relaid, Mask: s.Mask, Chain: s.Chain}
		if s.Mask > 0 {
			js.Stream = &s.Stream
		}
		if b, ok := s.Blocking.(fmt.Stringer); ok {
			js.Blocking = b.String()
		}
		if b, ok := s.GradBlocking.(fmt.Stringer); ok {
			js.GradBlocking = b.String()
		}
		for _, k := range s.Kernels {
			jk := jsonKernel{Pass: k.Pass.String(), Strategy: string(k.Strategy), Loops: k.Loops, Regions: k.Regions}
			if k.Tiles != nil {
				jk.Tiles = map[string][2]int{}
				for f, t := range k.Tiles {
					jk.Tiles[compiler.Form(f).String()] = [2]int{t.Pixels, t.Blocks}
				}
			}
			js.Kernels = append(js.Kernels, jk)
		}
		p.Steps = append(p.Steps, js)
	}
	return p
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
