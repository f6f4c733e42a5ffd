package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Result holds the rows of a range query, sorted by timestamp, column by
// column. Ts and Column return Go slices the caller owns: each is copied
// out of the library's result on first use (once; later calls return the
// same slice), so they stay valid after Close and may be modified. Close
// frees the library's result; columns not read before Close are gone.
// A Result may be used from several goroutines.
type Result struct {
	mu    sync.Mutex
	state *resultState // nil for results built in Go (Latest)
	net   safetyNet
	rows  int
	names []string
	ts    []int64
	cols  [][]float64 // cols[i] == nil: not copied yet
}

// resultState owns the C nts_result (see dbState for why it is apart).
type resultState struct {
	mu sync.Mutex
	p  *C.nts_result
}

func (s *resultState) free() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil {
		C.nts_result_free(s.p)
		s.p = nil
		liveResources.Add(-1)
	}
}

// QueryRange returns the rows of table with from <= ts <= to (ms, both
// ends inclusive), unflushed rows included, sorted by timestamp (equal
// timestamps in append order).
func (db *DB) QueryRange(table string, from, to int64) (*Result, error) {
	const method = "QueryRange"
	if err := checkName(method, "table name", table); err != nil {
		return nil, err
	}
	h, err := db.handle(method)
	if err != nil {
		return nil, err
	}
	var p *C.nts_result
	err = errorOf(C.gonts_query_range(h, table, C.int64_t(from), C.int64_t(to), &p))
	runtime.KeepAlive(db)
	if err != nil {
		return nil, err
	}
	liveResources.Add(1)
	ncols := int(C.nts_result_ncols(p))
	r := &Result{
		state: &resultState{p: p},
		rows:  int(C.nts_result_rows(p)),
		names: make([]string, ncols),
		cols:  make([][]float64, ncols),
	}
	for i := range r.names {
		r.names[i] = C.GoString(C.nts_result_column_name(p, C.size_t(i)))
	}
	r.net = armSafetyNet(r, (*resultState).free, r.state)
	return r, nil
}

// Len is the number of rows.
func (r *Result) Len() int { return r.rows }

// NumColumns is the number of value columns (without ts_ms).
func (r *Result) NumColumns() int { return len(r.names) }

// ColumnNames returns the value columns' names, in table order.
func (r *Result) ColumnNames() []string { return append([]string(nil), r.names...) }

// Ts returns the Len() timestamps (ms), ascending. It returns nil if the
// Result was closed before they were first read.
func (r *Result) Ts() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ts == nil && r.rows > 0 {
		r.ts = r.copyOut(-1)
	}
	if r.ts == nil && r.rows == 0 {
		return []int64{}
	}
	return r.ts
}

// Column returns the Len() values of value column i (0-based, table
// order). It panics if i is out of range, like a slice index, and returns
// nil if the Result was closed before the column was first read.
func (r *Result) Column(i int) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cols[i] == nil {
		if r.rows == 0 {
			return []float64{}
		}
		if raw := r.copyOut(i); raw != nil {
			r.cols[i] = *(*[]float64)(unsafe.Pointer(&raw))
		}
	}
	return r.cols[i]
}

// copyOut copies column col (-1: the timestamps) out of the C result as
// 8-byte words (int64 and float64 have the same size; the bits are kept
// exactly). Returns nil once the C result is freed. r.mu is held.
func (r *Result) copyOut(col int) []int64 {
	if r.state == nil {
		return nil
	}
	s := r.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return nil
	}
	var src unsafe.Pointer
	if col < 0 {
		src = unsafe.Pointer(C.nts_result_ts(s.p))
	} else {
		src = unsafe.Pointer(C.nts_result_column(s.p, C.size_t(col)))
	}
	out := make([]int64, r.rows)
	copy(out, unsafe.Slice((*int64)(src), r.rows))
	return out
}

// Close frees the library's copy of the rows. Slices already returned by
// Ts and Column stay valid. Closing twice does nothing.
func (r *Result) Close() {
	if r == nil || r.state == nil {
		return
	}
	r.state.free()
	r.net.disarm(r)
}
