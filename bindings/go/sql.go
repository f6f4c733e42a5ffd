package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
)

// ExecSQL runs SQL statements separated by ';': CREATE TABLE [IF NOT
// EXISTS] name (col DOUBLE, ...) and INSERT INTO name [(ts_ms, col, ...)]
// VALUES (ts, v, ...), .... Each statement is atomic; those before a
// failing one stay executed. Syntax errors match ErrInvalidArgument, with
// line and column in the message. SELECT is refused: use the query API.
func (db *DB) ExecSQL(sql string) error {
	const method = "ExecSQL"
	if err := checkName(method, "SQL text", sql); err != nil {
		return err
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_exec_sql(h, sql))
	runtime.KeepAlive(db)
	return err
}
