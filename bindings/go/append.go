package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// Append appends value at ts (ms) to the one-column series (a table with
// the single column "value"), creating the series on first use.
func (db *DB) Append(series string, ts int64, value float64) error {
	const method = "Append"
	if err := checkName(method, "series name", series); err != nil {
		return err
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_append(h, series, C.int64_t(ts), C.double(value)))
	runtime.KeepAlive(db)
	return err
}

// AppendRow appends one row: values at ts (ms). len(values) must equal the
// table's column count (else ErrSchemaMismatch). Timestamps may come in any
// order. The values are read in place, not copied.
func (db *DB) AppendRow(table string, ts int64, values ...float64) error {
	const method = "AppendRow"
	if err := checkName(method, "table name", table); err != nil {
		return err
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	var p *C.double
	if len(values) > 0 {
		p = (*C.double)(unsafe.Pointer(&values[0]))
	}
	err = errorOf(C.gonts_append_row(h, table, C.int64_t(ts), p, C.size_t(len(values))))
	runtime.KeepAlive(db)
	return err
}

// AppendRows appends len(ts) rows column by column: row i is ts[i] with
// value cols[c][i] in column c. len(cols) must equal the table's column
// count (else ErrSchemaMismatch) and every column must have len(ts) values
// (else ErrInvalidArgument). All or nothing with respect to validation.
//
// The library reads the slices in place: no row is copied on the Go side.
func (db *DB) AppendRows(table string, ts []int64, cols ...[]float64) error {
	const method = "AppendRows"
	if err := checkName(method, "table name", table); err != nil {
		return err
	}
	for i, c := range cols {
		if len(c) != len(ts) {
			return errorf(CodeInvalidArgument, "%s: column %d has %d values for %d timestamps", method, i, len(c), len(ts))
		}
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	var tsp *C.int64_t
	if len(ts) > 0 {
		tsp = (*C.int64_t)(unsafe.Pointer(&ts[0]))
	}
	err = errorOf(appendColumns(h, table, tsp, len(ts), cols))
	runtime.KeepAlive(db)
	runtime.KeepAlive(ts)
	return err
}
