//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package train

import (
	"os"

	"golang.org/x/sys/unix"
)

// terminalWidth returns the number of columns of the terminal f is, or false if f is not one.
func terminalWidth(f *os.File) (int, bool) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, false
	}
	if ws.Col == 0 { // a terminal that does not say
		return 80, true
	}
	return int(ws.Col), true
}
