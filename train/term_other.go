//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package train

import "os"

// terminalWidth reports that f is not a terminal: on this system progress is written as plain
// lines.
func terminalWidth(f *os.File) (int, bool) { return 0, false }
