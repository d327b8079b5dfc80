package compiler

import (
	"fmt"

	"github.com/netc-project/netc/dsl"
)

// A pass is one step of the pipeline: it reads and fills in the network, reporting problems
// with the spec into errs.
type pass struct {
	name string
	run  func(*Network, *dsl.ErrorList)
	// despiteErrors lets the pass run after earlier errors, so that one run reports more of
	// them; such a pass must stop at what earlier passes marked broken.
	despiteErrors bool
}

// pipeline is what Compile runs after build, in order. A pass runs only if the ones before it
// reported nothing, unless it says it copes with their errors.
var pipeline = []pass{
	{"shapes", inferShapes, true},
	{"count", count, false},
	{"fuse", fuse, false},
	{"plan", plan, false},
	{"lower", lower, false},
}

// Compile parses and checks a spec, returning its IR with every shape and count filled in, or
// every error found (a dsl.ErrorList, sorted by position).
func Compile(filename string, src []byte) (*Network, error) {
	file, errs := dsl.Parse(filename, src)
	if file == nil {
		return nil, errs.Err()
	}
	syntaxErrors := len(errs) > 0
	n := build(file, filename, &errs)
	n.Broken = n.Broken || syntaxErrors // lines were skipped: shapes would follow from wrong ones
	for _, p := range pipeline {
		if len(errs) == 0 {
			if err := Verify(n); err != nil {
				return nil, fmt.Errorf("internal error before pass %s: %w", p.name, err)
			}
		} else if !p.despiteErrors || n.Broken {
			break
		}
		p.run(n, &errs)
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	if err := Verify(n); err != nil {
		return nil, fmt.Errorf("internal error after the last pass: %w", err)
	}
	return n, nil
}
