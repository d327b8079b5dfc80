package runtime

// hugeMin is the size from which Floats asks for huge pages: 4 MiB, two of them at least.
const hugeMin = 4 << 20

// Floats returns make([]float32, n), asking the operating system to back it with transparent
// huge pages (2 MiB) when it is at least hugeMin bytes, where the system offers them (Linux with
// transparent_hugepage enabled as "madvise" or "always"). Generated models allocate their
// parameters, gradients, momentum and buffers with it: the fully connected layers' weights and
// the optimiser's arrays are streamed from memory, and with 4 KiB pages the hardware prefetchers
// stop at every page (fc6's 151 MB read by dot products on both cores of a Zen 5: 49.8–52.9 GB/s
// with 4 KiB pages, 56.8–57.2 with huge pages, medians of 21 passes).
func Floats(n int) []float32 {
	s := make([]float32, n)
	if n >= hugeMin/4 {
		adviseHuge(s)
	}
	return s
}
