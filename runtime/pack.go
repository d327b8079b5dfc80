package runtime

// Packing copies a block of a product's A or B into the workspace in the order the micro-kernel
// reads it, padding the last micro-panel with zeros. A stored A and a transposed stored B are
// transposed while packed (in assembly where available); the other two are copied run by run,
// reading the source row by row.

// packA packs op(A)[i0:i0+mc, p0:p0+kc] into dst as micro-panels of mr rows: micro-panel r
// starts at r*mr*kc and holds op(A)[i0+r*mr+i][p0+p] at p*mr+i.
func packA(dst []float32, mr int, transA bool, a []float32, lda, i0, mc, p0, kc int) {
	if transA {
		// A is k×m: row p0+p of A holds column p of every micro-panel.
		packRows(dst, mr, a[p0*lda+i0:], lda, kc, mc)
		return
	}
	// A is m×k: each micro-panel is mr rows of A, transposed.
	for ir := 0; ir < mc; ir += mr {
		packStrided(dst[ir*kc:(ir+mr)*kc], mr, a[(i0+ir)*lda+p0:], lda, min(mr, mc-ir), kc)
	}
}

// packB packs op(B)[p0:p0+kc, j0:j0+nc] into dst as micro-panels of nr columns: micro-panel s
// starts at s*nr*kc and holds op(B)[p0+p][j0+s*nr+j] at p*nr+j.
func packB(dst []float32, nr int, transB bool, b []float32, ldb, p0, kc, j0, nc int) {
	if !transB {
		// B is k×n: row p0+p of B holds row p of every micro-panel.
		packRows(dst, nr, b[p0*ldb+j0:], ldb, kc, nc)
		return
	}
	// B is n×k: each micro-panel is nr rows of B, transposed.
	for jr := 0; jr < nc; jr += nr {
		packStrided(dst[jr*kc:(jr+nr)*kc], nr, b[(j0+jr)*ldb+p0:], ldb, min(nr, nc-jr), kc)
	}
}

// packRows deals out rows rows of src (row stride ld), each w values long, to micro-panels of
// width values: value j of row q goes to dst[(j/width)*width*rows + q*width + j%width]. The last
// micro-panel is padded with zeros.
func packRows(dst []float32, width int, src []float32, ld, rows, w int) {
	for q := 0; q < rows; q++ {
		row := src[q*ld:][:w]
		for j := 0; j < w; j += width {
			d := dst[j*rows+q*width:][:width]
			clear(d[copy(d, row[j:]):])
		}
	}
}

// packStrided packs one micro-panel of width values per step from n ≤ width rows of src (row
// stride ld), each w values long, transposed: dst[p*width+q] = src[q*ld+p]. Columns q in
// [n, width) are zeros.
func packStrided(dst []float32, width int, src []float32, ld, n, w int) {
	dst = dst[:w*width]
	r, c := transpose4(dst, width, src, ld, n, w)
	if r > 0 && c < w {
		transposeGo(dst[c*width:], width, src[c:], ld, r, w-c)
	}
	if r < n {
		transposeGo(dst[r:], width, src[r*ld:], ld, n-r, w)
	}
	for p := 0; p < w; p++ {
		clear(dst[p*width+n : (p+1)*width])
	}
}

// transposeGo is the pure-Go twin of transpose4x16AVX512 and transpose4x8AVX2, for any rows
// and cols:
//
//	for q := 0; q < rows; q++ {
//		for p := 0; p < cols; p++ {
//			dst[p*width+q] = src[q*ld+p]
//		}
//	}
//
// It reads four rows at a time, so that each step writes four adjacent values.
func transposeGo(dst []float32, width int, src []float32, ld, rows, cols int) {
	q := 0
	for ; q+4 <= rows; q += 4 {
		r0 := src[q*ld:][:cols]
		r1 := src[(q+1)*ld:][:cols]
		r2 := src[(q+2)*ld:][:cols]
		r3 := src[(q+3)*ld:][:cols]
		for p := range r0 {
			d := dst[p*width+q:][:4]
			d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; q < rows; q++ {
		for p, v := range src[q*ld:][:cols] {
			dst[p*width+q] = v
		}
	}
}
