package train

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBar(t *testing.T) {
	s := status{epoch: 3, epochs: 15, step: 212, steps: 469, images: 27136, total: 60000, rate: 2950.4, loss: 0.34123, eta: 271 * time.Second}
	got := bar(s, 79)
	assert.Equal(t, "epoch 3/15 [==========>             ]  45%  2,950 img/s  loss 0.3412  ETA 4m31s", got)
	assert.LessOrEqual(t, len(got), 79)
	assert.Equal(t, "epoch 3/15  45%  2,950 img/s  loss 0.3412  ETA 4m31s", bar(s, 50), "no room for the bar")
	s.images = s.total
	assert.Contains(t, bar(s, 120), "[========================================] 100%")
}

// TestProgressPlain checks that without a terminal progress comes as a plain line every
// plainEvery, and epoch lines as they come.
func TestProgressPlain(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	assert.False(t, p.terminal)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := status{epoch: 1, epochs: 2, steps: 100, total: 1000, rate: 500, loss: 1.5, eta: 3 * time.Second}
	for i := range 100 {
		s.step, s.images = i+1, 10*(i+1)
		p.update(s, t0.Add(time.Duration(i)*time.Second))
	}
	p.line("epoch %d done", 1)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	assert.Len(t, lines, 10, "at 10s, 20s, … 90s, and the epoch line")
	assert.Equal(t, "epoch 1/2  step 11/100  500 img/s  loss 1.5000  ETA 3s", lines[0])
	assert.Equal(t, "epoch 1 done", lines[9])
}

// TestProgressTerminal checks the bar's redrawing and its clearing before a line.
func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, terminal: true, width: 100}
	t0 := time.Now()
	s := status{epoch: 1, epochs: 1, steps: 3, total: 30, rate: 10}
	for i, at := range []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond} {
		s.step, s.images = i+1, 10*(i+1)
		p.update(s, t0.Add(at))
	}
	p.line("done")
	out := buf.String()
	assert.Equal(t, 2, strings.Count(out, "\repoch 1/1 ["), "the first step and the last, not the one too soon")
	assert.True(t, strings.HasSuffix(out, "\r\x1b[Kdone\n"), "%q", out)
}

func TestFormats(t *testing.T) {
	for x, want := range map[float64]string{0: "0", 999.6: "1,000", 1234567.4: "1,234,567"} {
		assert.Equal(t, want, thousands(x))
	}
	for d, want := range map[time.Duration]string{0: "0s", 59499 * time.Millisecond: "59s", 61 * time.Second: "1m01s", 3725 * time.Second: "1h02m"} {
		assert.Equal(t, want, duration(d))
	}
}
