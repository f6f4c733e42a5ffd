package nanots

import (
	"os"
	"strings"
	"testing"
)

// libnanotsMapped reports whether the shared library is mapped into this
// process.
func libnanotsMapped(t *testing.T) bool {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatalf("reading /proc/self/maps: %v", err)
	}
	return strings.Contains(string(maps), "/libnanots.so")
}
