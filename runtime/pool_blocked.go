package runtime

// Max pooling in the channel-blocked layout: one block of sixteen channels at a time, each pixel
// a vector of the sixteen channels' values (H×W×16 in, OutH×OutW×16 out). A window's maximum is
// MaxPool's, lane by lane (a value replaces it if it is greater or is NaN; the first value
// inside the image starts it), so a blocked plane pools to exactly the values and gradients of
// its sixteen NCHW planes. Windows wholly inside the image run in assembly a row at a time where
// the CPU has AVX-512, or AVX2 (a vector as two halves of eight): a vector max per window
// position; the backward pass finds each lane's argmax and adds the gradient there (masked
// stores, in AVX2 blends). Those that touch the padding or hang over the edge (ceil rounding) run
// in Go.

// MaxPoolBlocked sets y (OutH×OutW×16 values) to the maximum of each window of x (H×W×16), lane
// by lane, padding ignored. A window wholly in the padding gives 0.
func MaxPoolBlocked(y, x []float32, p *Pool) {
	maxPoolBlocked(y, nil, x, nil, p)
}

// MaxPoolBlockedBackward sets dx (H×W×16) to the gradient of the input x (H×W×16) of
// MaxPoolBlocked given dy (OutH×OutW×16), each output's gradient going, lane by lane, to the
// position of its window's maximum; windows that overlap add up in output order.
func MaxPoolBlockedBackward(dx, x, dy []float32, p *Pool) {
	maxPoolBlocked(nil, dx, x, dy, p)
}

// maxPoolBlocked is MaxPoolBlocked (y non-nil) or MaxPoolBlockedBackward (dx non-nil), its whole
// windows in the row kernels of poolISA, all in Go if that is ISAGo.
func maxPoolBlocked(y, dx, x, dy []float32, p *Pool) {
	const lanes = 16
	x = x[:p.H*p.W*lanes]
	if dx != nil {
		dx, dy = dx[:len(x)], dy[:p.OutH*p.OutW*lanes]
		clear(dx)
	} else {
		y = y[:p.OutH*p.OutW*lanes]
	}
	// Columns lo…hi−1 have windows wholly inside the image's columns.
	lo := min(p.OutW, (p.PW+p.SW-1)/p.SW)
	hi := lo
	if p.W-p.KW+p.PW >= 0 {
		hi = max(lo, min(p.OutW, (p.W-p.KW+p.PW)/p.SW+1))
	}
	row := p.W * lanes
	for oy := 0; oy < p.OutH; oy++ {
		iy0 := oy*p.SH - p.PH
		ky0, ky1 := max(0, -iy0), min(p.KH, p.H-iy0)
		for ox := 0; ox < p.OutW; ox++ {
			if ox == lo && hi > lo && ky1 > ky0 && poolISA != ISAGo {
				o, i := (oy*p.OutW+lo)*lanes, (iy0+ky0)*row+(lo*p.SW-p.PW)*lanes
				if dx == nil {
					maxPoolRow(y[o:], x[i:], hi-lo, ky1-ky0, p.KW, p.SW, row)
				} else {
					maxPoolBackRow(dx[i:], x[i:], dy[o:], hi-lo, ky1-ky0, p.KW, p.SW, row)
				}
				ox = hi - 1
				continue
			}
			maxWindowBlocked(y, dx, x, dy, p, oy, ox)
		}
	}
}

// maxWindowBlocked pools window (oy, ox) of a blocked plane in Go, forward (y non-nil) or
// backward (adding dy's vector to dx at each lane's maximum).
func maxWindowBlocked(y, dx, x, dy []float32, p *Pool, oy, ox int) {
	const lanes = 16
	var best [lanes]float32
	var at [lanes]int
	for l := range at {
		at[l] = -1
	}
	iy0, ix0 := oy*p.SH-p.PH, ox*p.SW-p.PW
	for iy := max(0, iy0); iy < min(p.H, iy0+p.KH); iy++ {
		for ix := max(0, ix0); ix < min(p.W, ix0+p.KW); ix++ {
			i := (iy*p.W + ix) * lanes
			for l, v := range x[i : i+lanes] {
				if at[l] < 0 || v > best[l] || v != v {
					best[l], at[l] = v, i+l
				}
			}
		}
	}
	o := (oy*p.OutW + ox) * lanes
	if dx == nil {
		copy(y[o:o+lanes], best[:])
		return
	}
	for l, g := range dy[o : o+lanes] {
		if at[l] >= 0 {
			dx[at[l]] += g
		}
	}
}
