package runtime

import "fmt"

// Epilogue is applied to each tile of C as it is stored, fused into the micro-kernel's store step
// (not a second pass over C).
type Epilogue struct {
	RowBias []float32 // nil, or len m: RowBias[i] added to every element of row i (a conv's bias per output channel)
	ColBias []float32 // nil, or len n: ColBias[j] added to every element of column j (a fully connected layer's bias when C is batch×features)
	ReLU    bool      // max(0, ·) after the bias
}

// Workspace holds one goroutine's packing buffers. NewWorkspace allocates it once; its size does
// not depend on m, n, k (blocking with fixed KC, MC, NC).
type Workspace struct {
	a    []float32 // the packed block of op(A): up to mc×kc, in micro-panels of mr rows
	b    []float32 // the packed block of op(B): up to kc×nc, in micro-panels of nr columns
	tile []float32 // one mr×nr tile, where the kernel writes the tiles that overhang C
	conv []int32   // where packConv indexes the rows and columns of a block of an im2col matrix
}

// NewWorkspace allocates the packing buffers for every kernel's blocking (about 3 MB).
func NewWorkspace() *Workspace {
	var na, nb, nconv int
	for _, k := range kernels {
		na, nb, nconv = max(na, k.mc*k.kc), max(nb, k.kc*k.nc), max(nconv, convTableSize(k.kc, k.nc))
	}
	return &Workspace{a: make([]float32, na), b: make([]float32, nb), tile: make([]float32, maxTile), conv: make([]int32, nconv)}
}

// Sgemm computes C = op(A)·op(B) (acc=false) or C += op(A)·op(B) (acc=true), then applies ep.
// op(A) is m×k: A is m×k with row stride lda (transA=false) or k×m with row stride lda (transA=true).
// op(B) is k×n: B is k×n with row stride ldb (transB=false) or n×k with row stride ldb (transB=true).
// C is m×n with row stride ldc. It runs on the calling goroutine only, using ws for packing; it allocates nothing.
// With acc=true the epilogue is applied to the accumulated result.
//
// It panics if a dimension is negative, a stride is shorter than its row, a slice is too short
// for its matrix, or a bias has the wrong length.
func Sgemm(ws *Workspace, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool, ep Epilogue) {
	checkSgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
	sgemm(active, ws, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, acc, ep)
}

// sgemm is Sgemm with kernel id, on checked arguments: sgemmOp on a stored op(B).
func sgemm(id int, ws *Workspace, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool, ep Epilogue) {
	sgemmOp(id, ws, transA, m, n, k, a, lda, &operandB{b: b, ld: ldb, trans: transB}, c, ldc, acc, ep)
}

// sgemmOp computes C = op(A)·op(B) (or C += …, then ep) with kernel id, op(B) being whatever ob
// describes (see operandB), on checked arguments. It loops as Goto and BLIS do: over
// column blocks of nc (jc), depth blocks of kc (pc; op(B) packed once per block), row blocks of
// mc (ic; op(A) packed once per block), then micro-panels of B (jr, which stay in L1) and of A
// (ir, streamed from L2), one micro-kernel call per mr×nr tile. Block sizes are balanced so that
// no block is much smaller than the others, and depend on k alone along k, so that every element
// of C is summed in the same order whatever n and however op(B) is stored. Products with at most
// dotMaxSmall rows or columns whose operands both run along k take the unpacked dot-product path
// instead (see dot.go).
func sgemmOp(id int, ws *Workspace, transA bool, m, n, k int, a []float32, lda int, ob *operandB, c []float32, ldc int, acc bool, ep Epilogue) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// No products: C is 0 (or itself, with acc) with the epilogue applied.
		flags := epilogueFlags(acc, ep.ReLU)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j += len(zeros) {
				w := min(len(zeros), n-j)
				storeTile(zeros[:], 0, 1, w, c[i*ldc+j:], ldc, biasAt(ep.RowBias, i), biasAt(ep.ColBias, j), flags)
			}
		}
		return
	}
	if ob.conv == nil && useDot(id, transA, ob.trans, m, n) {
		sgemmDot(m, n, k, a, lda, ob.b, ob.ld, c, ldc, acc, ep)
		return
	}
	kern := &kernels[id]
	mr, nr := kern.mr, kern.nr
	kcb, mcb, ncb := blockSize(k, kern.kc, 1), blockSize(m, kern.mc, mr), blockSize(n, kern.nc, nr)
	for jc := 0; jc < n; jc += ncb {
		nc := min(ncb, n-jc)
		for pc := 0; pc < k; pc += kcb {
			kc := min(kcb, k-pc)
			last := pc+kc == k
			flags := epilogueFlags(acc || pc > 0, last && ep.ReLU)
			ob.pack(ws, nr, pc, kc, jc, nc)
			for ic := 0; ic < m; ic += mcb {
				mc := min(mcb, m-ic)
				packA(ws.a, mr, transA, a, lda, ic, mc, pc, kc)
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					bp := ws.b[jr*kc : (jr+nr)*kc]
					var colBias []float32
					if last && ep.ColBias != nil {
						colBias = ep.ColBias[jc+jr:]
					}
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						ap := ws.a[ir*kc : (ir+mr)*kc]
						var rowBias []float32
						if last {
							rowBias = biasAt(ep.RowBias, ic+ir)
						}
						ct := c[(ic+ir)*ldc+jc+jr:]
						if rows == mr && cols == nr {
							runKernel(id, kc, ap, bp, ct, ldc, rowBias, colBias, flags)
							continue
						}
						// An edge tile: compute it whole into the scratch tile, store the part inside C.
						runKernel(id, kc, ap, bp, ws.tile, nr, nil, nil, 0)
						storeTile(ws.tile, nr, rows, cols, ct, ldc, rowBias, colBias, flags)
					}
				}
			}
		}
	}
}

// zeros is a row of the product when k = 0, stored in pieces of its length.
var zeros [256]float32

// epilogueFlags returns the kernel flags for accumulating into C and applying ReLU.
func epilogueFlags(acc, relu bool) int {
	f := 0
	if acc {
		f |= kernelAcc
	}
	if relu {
		f |= kernelReLU
	}
	return f
}

// biasAt returns bias[i:], or nil if bias is nil.
func biasAt(bias []float32, i int) []float32 {
	if bias == nil {
		return nil
	}
	return bias[i:]
}

// blockSize returns the size of the blocks that cover n in as few blocks of at most limit as
// possible, balanced and rounded up to a multiple of unit (limit is a multiple of unit).
func blockSize(n, limit, unit int) int {
	nb := (n + limit - 1) / limit
	bs := (n + nb - 1) / nb
	return (bs + unit - 1) / unit * unit
}

// checkSgemm panics with a message naming the argument if Sgemm's arguments are inconsistent:
// the assembly kernels write C without bounds checks, so this is what keeps them inside it.
func checkSgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("runtime: Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("Sgemm", "A", ar, ac, a, lda)
	checkMatrix("Sgemm", "B", br, bc, b, ldb)
	checkMatrix("Sgemm", "C", m, n, c, ldc)
	checkEpilogue("Sgemm", m, n, ep)
}

// checkMatrix panics unless x holds a rows×cols matrix with row stride ld; fn names the caller.
func checkMatrix(fn, name string, rows, cols int, x []float32, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("runtime: %s: ld%s = %d, shorter than a row of %d", fn, name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("runtime: %s: len(%s) = %d, want at least %d for %d×%d with stride %d",
			fn, name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}

// checkEpilogue panics unless ep's biases fit an m×n product; fn names the caller.
func checkEpilogue(fn string, m, n int, ep Epilogue) {
	if ep.RowBias != nil && len(ep.RowBias) != m {
		panic(fmt.Sprintf("runtime: %s: len(RowBias) = %d, want m = %d", fn, len(ep.RowBias), m))
	}
	if ep.ColBias != nil && len(ep.ColBias) != n {
		panic(fmt.Sprintf("runtime: %s: len(ColBias) = %d, want n = %d", fn, len(ep.ColBias), n))
	}
}
