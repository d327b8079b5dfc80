package runtime

// Conv is the geometry of a convolution over one group of one image, and so of the image's
// im2col matrix (see Col2im): the matrix P is C·KH·KW × OutH·OutW, row (c·KH + ky)·KW + kx for each
// input channel and kernel position, column oy·OutW + ox for each output pixel, and
//
//	P[(c·KH + ky)·KW + kx][oy·OutW + ox] = image[(c·H + iy)·W + ix], iy = oy·SH − PH + ky, ix = ox·SW − PW + kx
//
// or 0 where (iy, ix) is outside the image.
type Conv struct {
	C, H, W                int // the group's input channels and the image's size
	KH, KW, SH, SW, PH, PW int // kernel, stride and padding, each as height, width
	OutH, OutW             int // the output's size
}

// cols is the number of columns of the im2col matrix, OutH·OutW: the N of a convolution's product.
func (cv *Conv) cols() int { return cv.OutH * cv.OutW }
