package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
)

// Pack merges all segments of table into sorted, non-overlapping segments
// of about targetSegmentRows rows (1..4194304), re-encoded with the
// strongest codecs, and applies pending deletes. The file is rewritten and
// atomically replaced; queries on other goroutines keep running.
func (db *DB) Pack(table string, targetSegmentRows int) error {
	const method = "Pack"
	if err := checkName(method, "table name", table); err != nil {
		return err
	}
	if targetSegmentRows < 0 {
		return errorf(CodeInvalidArgument, "%s: targetSegmentRows is negative (%d)", method, targetSegmentRows)
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_pack_table(h, table, C.uint64_t(targetSegmentRows)))
	runtime.KeepAlive(db)
	return err
}

// MergeSmallSegments merges each table's trailing run of small segments
// (each under targetRows/2 rows, at least minSegments of them) into
// segments of up to targetRows rows: the step background maintenance runs,
// for programs that schedule maintenance themselves. It returns how many
// tables were merged.
func (db *DB) MergeSmallSegments(targetRows, minSegments int) (merged int, err error) {
	const method = "MergeSmallSegments"
	if targetRows < 0 || minSegments < 0 {
		return 0, errorf(CodeInvalidArgument, "%s: negative argument (%d, %d)", method, targetRows, minSegments)
	}
	h, err := db.handle(method)
	if err != nil {
		return 0, err
	}
	var n C.uint64_t
	err = errorOf(C.gonts_merge_small_segments(h, C.uint64_t(targetRows), C.uint64_t(minSegments), &n))
	runtime.KeepAlive(db)
	return int(n), err
}

// CompactRetention removes rows older than Options.Retention (relative to
// the earlier of each table's newest timestamp and the wall clock), applies
// deletes and drops, and gives the space back: the file is rewritten and
// shrinks. It does nothing if nothing expired.
func (db *DB) CompactRetention() error {
	h, err := db.handle("CompactRetention")
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_compact_retention_now(h))
	runtime.KeepAlive(db)
	return err
}

// DeleteRange deletes the rows of table with from <= ts <= to (ms,
// inclusive) that exist now; rows appended later are not affected. Queries
// stop seeing them at once; the space comes back at the next Pack or
// CompactRetention.
func (db *DB) DeleteRange(table string, from, to int64) error {
	const method = "DeleteRange"
	if err := checkName(method, "table name", table); err != nil {
		return err
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_delete_range(h, table, C.int64_t(from), C.int64_t(to)))
	runtime.KeepAlive(db)
	return err
}

// MaintenanceStatus is what background maintenance (Options.AutoMaintenance)
// has done; all zero without it.
type MaintenanceStatus struct {
	Running       bool   // the maintenance thread runs
	Runs          uint64 // wake-ups so far
	Flushes       uint64 // flushes it made
	RetentionRuns uint64 // retention compactions it ran
	Merges        uint64 // tables whose small trailing segments it merged
	Errors        uint64 // steps that failed
	// LastError is the last failure (nil if none), never swallowed.
	LastError error
}

// MaintenanceStatus returns the state of this handle's background
// maintenance.
func (db *DB) MaintenanceStatus() (MaintenanceStatus, error) {
	h, err := db.handle("MaintenanceStatus")
	if err != nil {
		return MaintenanceStatus{}, err
	}
	var m C.nts_maintenance_info
	m.struct_size = C.uint32_t(C.sizeof_nts_maintenance_info)
	err = errorOf(C.gonts_maintenance_status(h, &m))
	runtime.KeepAlive(db)
	if err != nil {
		return MaintenanceStatus{}, err
	}
	st := MaintenanceStatus{
		Running:       m.running != 0,
		Runs:          uint64(m.runs),
		Flushes:       uint64(m.flushes),
		RetentionRuns: uint64(m.retention_runs),
		Merges:        uint64(m.merges),
		Errors:        uint64(m.errors),
	}
	if m.last_error_status != C.NTS_OK {
		st.LastError = &Error{Code: Code(m.last_error_status), Msg: C.GoString(&m.last_error_message[0])}
	}
	return st, nil
}
