package runtime

// Col2im is the adjoint of the im2col matrix of cv (see Conv): it adds each value of the matrix
// cols (C·KH·KW × OutH·OutW) into dst (C×H×W) at the input position the im2col matrix reads it
// from; padding positions are dropped. The backward pass uses it to turn the gradient of the
// patches into the gradient of the input.
func Col2im(dst, cols []float32, cv *Conv) {
	n := cv.cols()
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
