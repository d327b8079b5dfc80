package runtime

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHuge asks Linux to back s with transparent huge pages; a kernel without them refuses,
// which changes nothing.
func adviseHuge(s []float32) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*4)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
}
