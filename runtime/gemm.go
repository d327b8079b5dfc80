package runtime

import "fmt"

// Epilogue is applied to each tile of C as it is stored, fused into the micro-kernel's store step
// (not a second pass over C).
type Epilogue struct {
	ColBias []float32 // nil, or len N: ColBias[j] added to every element of column j (a fully connected layer's bias when C is batch×features)
	ReLU    bool      // max(0, ·) after the bias
}

// Workspace holds one goroutine's packing buffers. NewWorkspace allocates it once; its size does
// not depend on the product (blocking with fixed KC, MC, NC).
type Workspace struct {
	a    []float32 // the packed block of A: up to mc×kc, in micro-panels of mr rows
	b    []float32 // the packed block of B: up to kc×nc, in micro-panels of nr columns
	tile []float32 // one mr×nr tile, where the kernel writes the tiles that overhang C
}

// NewWorkspace allocates the packing buffers for every kernel's blocking (about 3 MB).
func NewWorkspace() *Workspace {
	var na, nb int
	for _, k := range kernels {
		na, nb = max(na, k.mc*k.kc), max(nb, k.kc*k.nc)
	}
	return &Workspace{a: make([]float32, na), b: make([]float32, nb), tile: make([]float32, maxTile)}
}

// Product is C = A·B (or C += A·B when Acc), then Epilogue, with A M×K, B K×N and C M×N (row
// stride LDC). A and B are Dense or Dense(…).T().
type Product struct {
	M, N, K  int
	A, B     Operand
	C        []float32
	LDC      int
	Acc      bool     // add A·B to C instead of overwriting it; the epilogue applies to the sum
	Epilogue Epilogue // applied to each tile of C as it is stored
}

// Multiply computes p on the calling goroutine, packing with ws; it allocates nothing. Each
// element of C is summed in the same order whatever N and however B is stored, except that a
// product with at most 32 rows or columns whose operands both run along K (A Dense, B
// Dense(…).T()) may be summed by dot products instead, in another order (see dot.go).
//
// It panics, naming the field, if a dimension is negative, an operand does not hold its matrix
// (a stride shorter than its row or a slice too short), C does not hold M×N with stride LDC, or
// the column bias has the wrong length.
func Multiply(ws *Workspace, p Product) {
	p.check("Multiply")
	sgemmOp(ws, &p)
}

// sgemmOp computes p with the micro-kernel of gemmISA, on a checked p. It loops as Goto and
// BLIS do: over column blocks of nc (jc), depth blocks of kc (pc; B packed once per block), row
// blocks of mc (ic; A packed once per block), then micro-panels of B (jr, which stay in L1) and
// of A (ir, streamed from L2), one micro-kernel call per mr×nr tile. Block sizes are balanced so that
// no block is much smaller than the others, and depend on k alone along k, so that every element
// of C is summed in the same order whatever n and however B is stored. Products with at most
// dotMaxSmall rows or columns whose operands both run along k take the unpacked dot-product path
// instead (see dot.go).
func sgemmOp(ws *Workspace, p *Product) {
	m, n, k, c, ldc, acc, ep := p.M, p.N, p.K, p.C, p.LDC, p.Acc, p.Epilogue
	a, b := &p.A, &p.B
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// No products: C is 0 (or itself, with acc) with the epilogue applied.
		flags := epilogueFlags(acc, ep.ReLU)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j += len(zeros) {
				w := min(len(zeros), n-j)
				storeTile(zeros[:], 0, 1, w, c[i*ldc+j:], ldc, biasAt(ep.ColBias, j), flags)
			}
		}
		return
	}
	if useDot(a.trans, b.trans, m, n) {
		sgemmDot(m, n, k, a.data, a.ld, b.data, b.ld, c, ldc, acc, ep)
		return
	}
	kern := &kernels[gemmISA]
	mr, nr := kern.mr, kern.nr
	kcb, mcb, ncb := blockSize(k, kern.kc, 1), blockSize(m, kern.mc, mr), blockSize(n, kern.nc, nr)
	for jc := 0; jc < n; jc += ncb {
		nc := min(ncb, n-jc)
		for pc := 0; pc < k; pc += kcb {
			kc := min(kcb, k-pc)
			last := pc+kc == k
			flags := epilogueFlags(acc || pc > 0, last && ep.ReLU)
			packB(ws.b, nr, b.trans, b.data, b.ld, pc, kc, jc, nc)
			for ic := 0; ic < m; ic += mcb {
				mc := min(mcb, m-ic)
				packA(ws.a, mr, a.trans, a.data, a.ld, ic, mc, pc, kc)
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
						ct := c[(ic+ir)*ldc+jc+jr:]
						if rows == mr && cols == nr {
							runKernel(kc, ap, bp, ct, ldc, colBias, flags)
							continue
						}
						// An edge tile: compute it whole into the scratch tile, store the part inside C.
						runKernel(kc, ap, bp, ws.tile, nr, nil, 0)
						storeTile(ws.tile, nr, rows, cols, ct, ldc, colBias, flags)
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

// check panics with a message naming the field if p is inconsistent (see Multiply): the
// assembly kernels write C without bounds checks, so this is what keeps them inside it. fn
// names the caller.
func (p *Product) check(fn string) {
	if p.M < 0 || p.N < 0 || p.K < 0 {
		panic(fmt.Sprintf("runtime: %s: negative dimension M=%d N=%d K=%d", fn, p.M, p.N, p.K))
	}
	p.A.check(fn, "A", p.M, p.K)
	p.B.check(fn, "B", p.K, p.N)
	checkMatrix(fn, "C", p.M, p.N, p.C, p.LDC)
	if cb := p.Epilogue.ColBias; cb != nil && len(cb) != p.N {
		panic(fmt.Sprintf("runtime: %s: len(ColBias) = %d, want N = %d", fn, len(cb), p.N))
	}
}

// checkMatrix panics unless x, the product's name, holds a rows×cols matrix with row stride ld;
// fn names the caller.
func checkMatrix(fn, name string, rows, cols int, x []float32, ld int) {
	if ld < max(cols, 1) {
		ldName := "ld" + name // Dense's ld
		if name == "C" {
			ldName = "LDC"
		}
		panic(fmt.Sprintf("runtime: %s: %s = %d, shorter than a row of %d", fn, ldName, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("runtime: %s: len(%s) = %d, want at least %d for %d×%d with stride %d",
			fn, name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}
