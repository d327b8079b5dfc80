package runtime

// The dot-product path: when A is Dense (rows along k) and B is Dense(…).T() (the stored
// matrix's rows along k too), every element of C is the dot product of a row of A's matrix with
// a row of B's, and neither needs packing.
// For a product with few rows or few columns (a fully connected layer at small batch) this reads
// the large operand once, straight from memory, and wastes no work on tile padding.

// dotMaxSmall is the largest min(m, n) that takes the dot-product path.
const dotMaxSmall = 32

// useDot reports whether sgemmOp should take the dot-product path in gemmISA: AVX-512's 4×4
// dot products up to dotMaxSmall rows or columns, and with AVX2 a product of one row or column
// (a fully connected layer at batch 1, which the packed GEMM reads at a fraction of the memory's
// speed).
func useDot(transA, transB bool, m, n int) bool {
	small := gemmISA == ISAAVX512 && min(m, n) <= dotMaxSmall || gemmISA == ISAAVX2 && min(m, n) == 1
	return small && !transA && transB
}

// sgemmDot is sgemmOp by dot products, in groups of four rows of A by four rows of B; the larger
// operand is the outer loop, so it is read once and the smaller stays in cache. k > 0.
func sgemmDot(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool, ep Epilogue) {
	var ra, rb [4][]float32
	var out [16]float32
	flags := epilogueFlags(acc, ep.ReLU)
	if m == 1 || n == 1 {
		sgemmDotVector(m, n, k, a, lda, b, ldb, c, ldc, flags, ep)
		return
	}
	tile := func(i, j int) {
		mr, nr := rows4(&ra, a, lda, i, m, k), rows4(&rb, b, ldb, j, n, k)
		dot4x4(k, &ra, &rb, &out)
		storeTile(out[:], 4, mr, nr, c[i*ldc+j:], ldc, biasAt(ep.ColBias, j), flags)
	}
	if m >= n {
		for i := 0; i < m; i += 4 {
			for j := 0; j < n; j += 4 {
				tile(i, j)
			}
		}
		return
	}
	for j := 0; j < n; j += 4 {
		for i := 0; i < m; i += 4 {
			tile(i, j)
		}
	}
}

// sgemmDotVector is sgemmDot for a product of one row or one column (a fully connected layer
// at batch 1): each element of C is one dot product, its two rows read front to back as one
// stream each. The 4×4 kernel would read four rows of the large operand side by side (and repeat
// the single row of the small one): measured with the rows of half-width AlexNet's fc6
// (2048×4608, 38 MB, one core, best of 5), 20–29 GB/s against 44–48 GB/s one stream at a time.
func sgemmDotVector(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, flags int, ep Epilogue) {
	var out [16]float32
	if m == 1 {
		for j := 0; j < n; j += 4 {
			nr := min(4, n-j)
			for s := range nr {
				out[s] = dot(k, a, b[(j+s)*ldb:])
			}
			storeTile(out[:], 4, 1, nr, c[j:], ldc, biasAt(ep.ColBias, j), flags)
		}
		return
	}
	for i := 0; i < m; i += 4 {
		mr := min(4, m-i)
		for r := range mr {
			out[r*4] = dot(k, a[(i+r)*lda:], b)
		}
		storeTile(out[:], 4, mr, 1, c[i*ldc:], ldc, biasAt(ep.ColBias, 0), flags)
	}
}

// dotGo is the pure-Go twin of dotAVX512: the dot product of a[:k] and b[:k].
func dotGo(k int, a, b []float32) float32 {
	var sum float32
	for p, v := range a[:k] {
		sum += v * b[p]
	}
	return sum
}

// rows4 sets r to rows i … i+3 of x (row stride ld, rows n, k long), repeating the last row
// when fewer than four are left, and returns how many are real.
func rows4(r *[4][]float32, x []float32, ld, i, n, k int) int {
	real := min(4, n-i)
	for q := range r {
		r[q] = x[(i+min(q, real-1))*ld:][:k]
	}
	return real
}

// sgemmDotGo is the pure-Go twin of sgemmDot4x4AVX512:
//
//	for r := 0; r < 4; r++ {
//		for s := 0; s < 4; s++ {
//			var sum float32
//			for p := 0; p < k; p++ {
//				sum += a[r][p] * b[s][p]
//			}
//			out[r*4+s] = sum
//		}
//	}
func sgemmDotGo(k int, a, b *[4][]float32, out *[16]float32) {
	for r := range a {
		ar := a[r][:k]
		for s := range b {
			br := b[s][:k]
			var sum float32
			for p, v := range ar {
				sum += v * br[p]
			}
			out[r*4+s] = sum
		}
	}
}
