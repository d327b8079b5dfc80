package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/netc-project/netc/compiler"
)

// progress shows how training goes: on a terminal, a bar redrawn in place a few times a second;
// elsewhere (a file, a pipe, CI's log), a plain line every plainEvery. Each finished epoch gets
// a line of its own either way.
type progress struct {
	w        io.Writer
	terminal bool
	width    int       // the terminal's columns
	last     time.Time // when the bar or a line was last written
	drawn    bool      // a bar is on the screen, to be cleared before the next line
}

// How often the bar is redrawn, and how often a plain progress line is written.
const (
	barEvery   = 100 * time.Millisecond
	plainEvery = 10 * time.Second
)

// newProgress writes to w, drawing a bar if w is a terminal.
func newProgress(w io.Writer) *progress {
	p := &progress{w: w, width: 80}
	if f, ok := w.(*os.File); ok {
		if cols, ok := terminalWidth(f); ok {
			p.terminal, p.width = true, cols
		}
	}
	return p
}

// status is what the progress display shows during an epoch.
type status struct {
	epoch, epochs int // the epoch, from 1, and how many the run has
	step, steps   int // batches done in the epoch, and its batches
	images, total int // images done in the epoch, and its images
	rate          float64
	loss          float64 // mean loss of the epoch so far
	eta           time.Duration
}

// update shows s, if it is time to: always for the epoch's last step on a terminal.
func (p *progress) update(s status, now time.Time) {
	if p.w == nil {
		return
	}
	if p.terminal {
		if now.Sub(p.last) < barEvery && s.step < s.steps {
			return
		}
		p.last = now
		fmt.Fprintf(p.w, "\r%s\x1b[K", bar(s, p.width-1))
		p.drawn = true
		return
	}
	if p.last.IsZero() {
		p.last = now // the first line comes plainEvery after the start
	}
	if now.Sub(p.last) < plainEvery {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "epoch %d/%d  step %d/%d  %.0f img/s  loss %.4f  ETA %s\n",
		s.epoch, s.epochs, s.step, s.steps, s.rate, s.loss, duration(s.eta))
}

// line writes a line of its own, clearing the bar first.
func (p *progress) line(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.clear()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// clear erases the bar, if one is on the screen.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// bar renders s as one line of at most width columns:
//
//	epoch 3/15 [=========>          ]  45%  2,950 img/s  loss 0.3412  ETA 4m31s
//
// The bar takes what the numbers leave, and is left out when that is too little.
func bar(s status, width int) string {
	head := fmt.Sprintf("epoch %d/%d ", s.epoch, s.epochs)
	tail := fmt.Sprintf(" %3.0f%%  %s img/s  loss %.4f  ETA %s",
		100*float64(s.images)/float64(max(s.total, 1)), thousands(s.rate), s.loss, duration(s.eta))
	inner := width - len(head) - len(tail) - 2
	if inner < 10 {
		return strings.TrimSpace(head) + tail
	}
	inner = min(inner, 40)
	done := inner * s.images / max(s.total, 1)
	b := strings.Repeat("=", done)
	if done < inner {
		b += ">" + strings.Repeat(" ", inner-done-1)
	}
	return head + "[" + b + "]" + tail
}

// thousands formats x rounded to a whole number, with thousands separators: 2,950.
func thousands(x float64) string { return compiler.Thousands(int64(math.Round(x))) }

// duration formats d to the second: 4m31s, 12s, 1h02m.
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
