//go:build go1.21

package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// appendColumns calls nts_append_rows with an array of pointers to the Go
// columns. The cgo rules let C read Go memory holding Go pointers only if
// those are pinned: runtime.Pinner (Go 1.21+) pins each column's first
// element (and so its backing array) for the duration of the call.
func appendColumns(h C.uintptr_t, table string, ts *C.int64_t, nrows int, cols [][]float64) C.gonts_ret {
	var pinner runtime.Pinner
	defer pinner.Unpin()
	var small [8]*C.double
	ptrs := small[:0]
	if len(cols) > len(small) {
		ptrs = make([]*C.double, 0, len(cols))
	}
	for _, c := range cols {
		var p *C.double
		if len(c) > 0 {
			pinner.Pin(&c[0])
			p = (*C.double)(unsafe.Pointer(&c[0]))
		}
		ptrs = append(ptrs, p)
	}
	var pp **C.double
	if len(ptrs) > 0 {
		pp = &ptrs[0]
	}
	return C.gonts_append_rows(h, table, ts, C.size_t(nrows), pp, C.size_t(len(cols)))
}
