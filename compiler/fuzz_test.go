package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/netc-project/netc/dsl"
)

// FuzzCompile feeds arbitrary specs to the compiler, seeded with every spec and bad spec of the
// project: it must never panic or hang, and must either return a network that verifies or a list
// of errors, each at a position in the spec and of bounded length. Run it with a short
// minimisation time, or it spends minutes shrinking each new input (README, Testing):
//
//	go test -run XXX -fuzz FuzzCompile -fuzztime 10m -fuzzminimizetime 5s -parallel 1 ./compiler/
func FuzzCompile(f *testing.F) {
	for _, pattern := range []string{"../specs/*.net", "testdata/errors/*.net"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := Compile("fuzz.net", src)
		if err == nil {
			if verr := Verify(n); verr != nil {
				t.Fatalf("compiled network does not verify: %v", verr)
			}
			return
		}
		var list dsl.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("error is not a list of positioned errors: %v", err)
		}
		if len(list) == 0 {
			t.Fatal("empty error list")
		}
		for _, e := range list {
			if e.Pos.Filename != "fuzz.net" || e.Msg == "" {
				t.Fatalf("error without a file or message: %#v", e)
			}
			if n := utf8.RuneCountInString(e.Msg); n > 600 {
				t.Fatalf("a message of %d runes: %.100q…", n, e.Msg)
			}
		}
	})
}
