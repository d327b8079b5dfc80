//go:build !noasm

package runtime

// packConvAVX512 packs a block of an im2col matrix, or of its transpose, with one masked gather
// per sixteen values,
// from the tables convTables builds: rows[4p:4p+3] = ky, kx, off of row p of the block, and per
// group g of sixteen columns, cols[48g:48g+16], cols[48g+16:48g+32] and cols[48g+32:48g+48] =
// iy0, ix0, iy0·w + ix0 of each column. It implements
//
//	for p := 0; p < kc; p++ {
//		ky, kx, off := rows[4*p], rows[4*p+1], rows[4*p+2]
//		for j := 0; j < panels*groups*16; j++ {
//			t := cols[j/16*48+j%16:]
//			iy, ix := t[0]+ky, t[16]+kx
//			var v float32
//			if uint32(iy) < uint32(h) && uint32(ix) < uint32(w) {
//				v = src[t[32]+off]
//			}
//			dst[j/(groups*16)*stride+p*groups*16+j%(groups*16)] = v
//		}
//	}
//
// The roles of the two tables are symmetric (iy, ix and the index are sums of a row's part and a
// column's): for the transpose, packConvGather hands it tables whose rows are output pixels and
// whose columns are (c, ky, kx).
//
//go:noescape
func packConvAVX512(dst *float32, stride, panels, groups int, src *float32, cols, rows *int32, kc, h, w int)

// hasConvGather says whether packConvGather runs in assembly.
var hasConvGather = hasAVX512

// packConvGather packs as packConv does (as packConvT does, with trans), with packConvAVX512 if
// the CPU has it, nr is a multiple of sixteen and the image's values can be indexed in int32; it
// reports whether it did.
func packConvGather(trans bool, dst []float32, tab []int32, nr int, cv *Conv, src []float32, p0, kc, j0, nc int) bool {
	size := cv.C * cv.H * cv.W
	if !hasConvGather || nr%16 != 0 || size == 0 || size >= 1<<31 {
		return false
	}
	rows, cols := convTables(trans, tab, cv, p0, kc, j0, nc, nr)
	panels := (nc + nr - 1) / nr
	_ = dst[panels*nr*kc-1]
	_ = src[size-1]
	packConvAVX512(&dst[0], nr*kc, panels, nr/16, &src[0], &cols[0], &rows[0], kc, cv.H, cv.W)
	return true
}

// convTables writes into tab the tables packConvAVX512 reads for rows p0…p0+kc−1 and columns
// j0…j0+nc−1 of the im2col matrix, the columns padded with ones that read nothing (a first
// entry far below the image) to a whole number of micro-panels of nr, and returns them: per row
// p (four values) ky, kx and off = (c·H + ky)·W + kx; per group of sixteen columns, the sixteen
// iy0 = oy·SH − PH, the sixteen ix0 = ox·SW − PW, and the sixteen iy0·W + ix0, so that the row's
// value in column j is src[off + iy0·W + ix0] when iy = iy0 + ky and ix = ix0 + kx lie inside
// the image. With trans the matrix is the transpose, and the two kinds of entries swap places:
// its rows are output pixels (iy0, ix0, iy0·W + ix0), its columns (ky, kx, off).
func convTables(trans bool, tab []int32, cv *Conv, p0, kc, j0, nc, nr int) (rows, cols []int32) {
	rows, cols = tab[:4*kc], tab[4*kc:][:3*((nc+nr-1)/nr*nr)]
	putRow := func(p int, a, b, c int32) {
		r := rows[4*p:][:4]
		r[0], r[1], r[2], r[3] = a, b, c, 0
	}
	putCol := func(j int, a, b, c int32) {
		t := cols[j/16*48+j%16:]
		t[0], t[16], t[32] = a, b, c
	}
	convEntries(cv, !trans, p0, kc, putRow)
	convEntries(cv, trans, j0, nc, putCol)
	for j := nc; j < len(cols)/3; j++ {
		putCol(j, -1<<30, 0, 0)
	}
	return rows, cols
}

// convEntries calls put(i, …) for i < n with the entries of row from+i of the im2col matrix of cv
// when kernel is set, (ky, kx, (c·H + ky)·W + kx), and otherwise with those of its column from+i,
// (iy0, ix0, iy0·W + ix0).
func convEntries(cv *Conv, kernel bool, from, n int, put func(i int, a, b, c int32)) {
	if kernel {
		kx, ky, ch := from%cv.KW, from/cv.KW%cv.KH, from/(cv.KW*cv.KH)
		for i := range n {
			put(i, int32(ky), int32(kx), int32((ch*cv.H+ky)*cv.W+kx))
			if kx++; kx == cv.KW {
				if kx, ky = 0, ky+1; ky == cv.KH {
					ky, ch = 0, ch+1
				}
			}
		}
		return
	}
	oy, ox := from/cv.OutW, from%cv.OutW
	for i := range n {
		iy0, ix0 := oy*cv.SH-cv.PH, ox*cv.SW-cv.PW
		put(i, int32(iy0), int32(ix0), int32(iy0*cv.W+ix0))
		if ox++; ox == cv.OutW {
			ox, oy = 0, oy+1
		}
	}
}
