package runtime

import (
	"fmt"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// pageEnd returns n float32s that end where a page that cannot be read or written begins, so
// that a kernel that reads or writes past them faults; free unmaps them.
func pageEnd(t *testing.T, n int) (s []float32, free func()) {
	t.Helper()
	page := syscall.Getpagesize()
	size := (4*n+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	require.NoError(t, err)
	require.NoError(t, syscall.Mprotect(mem[size-page:], syscall.PROT_NONE))
	all := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), (size-page)/4)
	return all[len(all)-n:], func() { require.NoError(t, syscall.Munmap(mem)) }
}

// TestBlocksPageEnd runs ToBlocks and FromBlocks in each instruction set the CPU has with the
// planes and the blocks each ending at an unreadable page, at pixel counts that leave every
// tail of the 8- and 16-pixel chunks: the masked loads and stores of the last chunk must not
// touch it (which TestBlocks, comparing values, cannot see).
func TestBlocksPageEnd(t *testing.T) {
	forEachISA(t, &blocksISA, func(t *testing.T, isa ISA) {
		for _, n := range []int{1, 5, 8, 9, 16} {
			for count := 1; count <= 33; count++ {
				what := fmt.Sprintf("n=%d count=%d", n, count)
				planes, freePlanes := pageEnd(t, n*count)
				blocked, freeBlocked := pageEnd(t, 16*count)
				for i := range planes {
					planes[i] = float32(i)
				}
				ToBlocks(blocked, planes, count, n, count)
				for p := range count {
					for l := range 16 {
						want := float32(0)
						if l < n {
							want = float32(l*count + p)
						}
						require.Equal(t, want, blocked[p*16+l], "%s: ToBlocks [%d]", what, p*16+l)
					}
				}
				clear(planes)
				FromBlocks(planes, count, blocked, n, count)
				for i, v := range planes {
					require.Equal(t, float32(i), v, "%s: FromBlocks [%d]", what, i)
				}
				freePlanes()
				freeBlocked()
			}
		}
	})
}
