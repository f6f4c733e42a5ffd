package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// CreateTable creates table with the given value columns (plus the
// implicit ts_ms timestamp column). It is idempotent: creating an existing
// table with the same columns does nothing; with other columns it fails
// with ErrAlreadyExists.
func (db *DB) CreateTable(table string, columns ...string) error {
	const method = "CreateTable"
	if err := checkName(method, "table name", table); err != nil {
		return err
	}
	// The names go to C back to back, each NUL-terminated, in one Go
	// buffer the helper points into during the call.
	size := 0
	for _, c := range columns {
		if err := checkName(method, "column name", c); err != nil {
			return err
		}
		size += len(c) + 1
	}
	joined := make([]byte, 0, size+1)
	for _, c := range columns {
		joined = append(joined, c...)
		joined = append(joined, 0)
	}
	joined = append(joined, 0) // so &joined[0] exists with no columns
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_create_table(h, table, (*C.char)(unsafe.Pointer(&joined[0])), C.size_t(len(columns))))
	runtime.KeepAlive(db)
	return err
}

// ListTables returns the names of all tables, sorted.
func (db *DB) ListTables() ([]string, error) {
	h, err := db.handle("ListTables")
	if err != nil {
		return nil, err
	}
	var list *C.nts_strings
	err = errorOf(C.gonts_list_tables(h, &list))
	runtime.KeepAlive(db)
	if err != nil {
		return nil, err
	}
	return takeStrings(list), nil
}

// TableColumns returns the value column names of table, in order (without
// ts_ms).
func (db *DB) TableColumns(table string) ([]string, error) {
	const method = "TableColumns"
	if err := checkName(method, "table name", table); err != nil {
		return nil, err
	}
	h, err := db.handle(method)
	if err != nil {
		return nil, err
	}
	var list *C.nts_strings
	err = errorOf(C.gonts_table_columns(h, table, &list))
	runtime.KeepAlive(db)
	if err != nil {
		return nil, err
	}
	return takeStrings(list), nil
}

// DropTable drops table and its rows; the name can be used again at once.
// The space comes back at the next Pack or CompactRetention.
func (db *DB) DropTable(table string) error {
	const method = "DropTable"
	if err := checkName(method, "table name", table); err != nil {
		return err
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_drop_table(h, table))
	runtime.KeepAlive(db)
	return err
}

// takeStrings copies an nts_strings list into Go strings and frees it.
func takeStrings(list *C.nts_strings) []string {
	defer C.nts_strings_free(list)
	n := int(C.nts_strings_len(list))
	out := make([]string, n)
	for i := range out {
		out[i] = C.GoString(C.nts_strings_get(list, C.size_t(i)))
	}
	return out
}
