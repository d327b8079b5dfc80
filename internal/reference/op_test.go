package reference

import (
	"testing"

	"github.com/netc-project/netc/compiler"
	"github.com/stretchr/testify/assert"
)

// TestEveryOpHasARow checks that the reference has a row for every op of the compiler's table but
// the loss, which ends every network and which the loops handle themselves, so that a new op
// kind cannot go untested by accident.
func TestEveryOpHasARow(t *testing.T) {
	for _, o := range compiler.Ops() {
		row, ok := ops[o]
		if o.IsLoss() {
			assert.False(t, ok, "%s is the loss and has no row", o)
			continue
		}
		if assert.True(t, ok, "the reference has no row for op %s", o) {
			assert.NotNil(t, row.forward, "%s: forward", o)
			assert.NotNil(t, row.backward, "%s: backward", o)
			assert.Equal(t, row.near == nil, row.flip == nil, "%s: an op that makes decisions needs near and flip", o)
		}
	}
	_, err := opOf(&compiler.Layer{Name: "x"})
	assert.EqualError(t, err, "x: the reference has no op ")
}
