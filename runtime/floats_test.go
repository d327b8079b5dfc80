package runtime

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFloats checks that Floats gives zeroed slices of the length asked, small and large (the
// large ones advised to use huge pages), that it can write them whole.
func TestFloats(t *testing.T) {
	for _, n := range []int{0, 1, 1000, hugeMin/4 - 1, hugeMin / 4, 3*hugeMin/4 + 17} {
		s := Floats(n)
		require.Len(t, s, n)
		for i, v := range s {
			require.Zero(t, v, "n %d: s[%d]", n, i)
			s[i] = 1
		}
	}
}
