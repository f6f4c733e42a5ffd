//go:build !go1.21

package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// Before Go 1.21 there is no runtime.Pinner, and C may not be handed Go
// memory that holds Go pointers. The column addresses therefore go to C as
// integers (uintptr). That is sound on these toolchains because:
//   - their garbage collector never moves heap objects;
//   - the columns are on the heap: columnsSink makes the escape analysis
//     see every column escape (the store itself never runs), so no caller
//     keeps a column on its stack, which could move as the stack grows;
//   - runtime.KeepAlive keeps them reachable until C has returned.
//
// These toolchains are frozen, so none of this can change under the code.
var (
	columnsSink      [][]float64
	columnsNeverTrue bool
)

// appendColumns calls nts_append_rows with an array of the columns'
// addresses.
func appendColumns(h C.uintptr_t, table string, ts *C.int64_t, nrows int, cols [][]float64) C.gonts_ret {
	if columnsNeverTrue {
		columnsSink = cols
	}
	addrs := make([]uintptr, len(cols)+1) // +1: &addrs[0] exists with no columns
	for i, c := range cols {
		if len(c) > 0 {
			addrs[i] = uintptr(unsafe.Pointer(&c[0]))
		}
	}
	r := C.gonts_append_rows(h, table, ts, C.size_t(nrows), (**C.double)(unsafe.Pointer(&addrs[0])), C.size_t(len(cols)))
	runtime.KeepAlive(cols)
	return r
}
