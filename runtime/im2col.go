package runtime

// Im2col writes the implicit matrix of cv explicitly: dst (cv.Depth()×cv.Cols(), row stride
// cv.Cols()) gets src's patches, row (c·KH + ky)·KW + kx, column oy·OutW + ox, 0 in the padding.
// The backward pass uses it as the B operand of the weight gradient's GEMM.
func Im2col(dst, src []float32, cv *Conv) {
	cols := cv.Cols()
	for c := 0; c < cv.C; c++ {
		plane := src[c*cv.H*cv.W : (c+1)*cv.H*cv.W]
		for ky := 0; ky < cv.KH; ky++ {
			for kx := 0; kx < cv.KW; kx++ {
				rows := dst[((c*cv.KH+ky)*cv.KW+kx)*cols:][:cols]
				x0, x1 := cv.inside(kx)
				for oy := 0; oy < cv.OutH; oy++ {
					row := rows[oy*cv.OutW : (oy+1)*cv.OutW]
					iy := oy*cv.SH - cv.PH + ky
					if iy < 0 || iy >= cv.H {
						clear(row)
						continue
					}
					in := plane[iy*cv.W : (iy+1)*cv.W]
					clear(row[:x0])
					if cv.SW == 1 && x0 < x1 {
						copy(row[x0:x1], in[x0-cv.PW+kx:])
					} else {
						for ox := x0; ox < x1; ox++ {
							row[ox] = in[ox*cv.SW-cv.PW+kx]
						}
					}
					clear(row[x1:])
				}
			}
		}
	}
}

// Col2im is Im2col's adjoint: it adds each value of the matrix cols (cv.Depth()×cv.Cols()) into
// dst (C×H×W) at the input position it was read from; padding positions are dropped. The backward
// pass uses it to turn the gradient of the patches into the gradient of the input.
func Col2im(dst, cols []float32, cv *Conv) {
	n := cv.Cols()
	for c := 0; c < cv.C; c++ {
		plane := dst[c*cv.H*cv.W : (c+1)*cv.H*cv.W]
		for ky := 0; ky < cv.KH; ky++ {
			for kx := 0; kx < cv.KW; kx++ {
				rows := cols[((c*cv.KH+ky)*cv.KW+kx)*n:][:n]
				x0, x1 := cv.inside(kx)
				for oy := 0; oy < cv.OutH; oy++ {
					iy := oy*cv.SH - cv.PH + ky
					if iy < 0 || iy >= cv.H {
						continue
					}
					row := rows[oy*cv.OutW : (oy+1)*cv.OutW]
					out := plane[iy*cv.W : (iy+1)*cv.W]
					if cv.SW == 1 && x0 < x1 {
						out = out[x0-cv.PW+kx:][:x1-x0]
						for j, v := range row[x0:x1] {
							out[j] += v
						}
						continue
					}
					for ox := x0; ox < x1; ox++ {
						out[ox*cv.SW-cv.PW+kx] += row[ox]
					}
				}
			}
		}
	}
}

// inside returns the output columns x0…x1−1 whose input column, for kernel column kx, lies
// inside the image.
func (cv *Conv) inside(kx int) (x0, x1 int) {
	x0 = min(cv.OutW, (max(0, cv.PW-kx)+cv.SW-1)/cv.SW)
	x1 = max(x0, min(cv.OutW, (cv.W+cv.PW-kx+cv.SW-1)/cv.SW))
	return x0, x1
}
