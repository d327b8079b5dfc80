// Command runtimeasm writes the assembly files of package runtime (runtime/*_amd64.s) from the
// descriptions in codegen/asm (asm.Runtime), into the directory given by -dir, by default the
// current one: runtime's go:generate line runs it there.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/netc-project/netc/codegen/asm"
)

func main() {
	dir := flag.String("dir", ".", "the directory of package runtime")
	flag.Parse()
	for name, src := range asm.Runtime() {
		if err := os.WriteFile(filepath.Join(*dir, name), []byte(src), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "runtimeasm:", err)
			os.Exit(1)
		}
	}
}
