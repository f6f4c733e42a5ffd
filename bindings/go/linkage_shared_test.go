//go:build !nanots_static

package nanots

import "testing"

// The default build uses the shared library.
func TestLinkedShared(t *testing.T) {
	if !libnanotsMapped(t) {
		t.Fatal("libnanots.so is not mapped into a default (shared) build")
	}
}
