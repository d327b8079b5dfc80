//go:build !linux

package runtime

// adviseHuge does nothing where netc knows no way to ask for huge pages.
func adviseHuge(s []float32) {}
