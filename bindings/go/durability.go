package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Records  uint64   // records walked in the file
	Segments uint64   // live segments decoded in full
	Rows     uint64   // rows in those segments
	Problems []string // each naming its file offset; empty: the file is sound
}

// Verify checks the whole database (like SQLite's integrity_check): every
// record and checksum, every column of every live segment, the index and
// the statistics. Finding problems is not an error: check
// len(report.Problems).
func (db *DB) Verify() (VerifyReport, error) {
	h, err := db.handle("Verify")
	if err != nil {
		return VerifyReport{}, err
	}
	var r C.nts_verify_report
	r.struct_size = C.uint32_t(C.sizeof_nts_verify_report)
	var problems *C.nts_strings
	err = errorOf(C.gonts_verify(h, &r, &problems))
	runtime.KeepAlive(db)
	if err != nil {
		return VerifyReport{}, err
	}
	return VerifyReport{
		Records:  uint64(r.records),
		Segments: uint64(r.segments),
		Rows:     uint64(r.rows),
		Problems: takeStrings(problems),
	}, nil
}

// RecoveryReport is what opening the database recovered; all zero after a
// clean close.
type RecoveryReport struct {
	FileBytesCut      uint64   // bytes of an uncommitted (torn) tail cut off the file
	WALFramesReplayed uint64   // WAL frames whose rows were replayed
	WALRowsReplayed   uint64   // rows those frames held
	WALFramesDropped  uint64   // valid WAL frames not replayed because they follow a damaged one
	Problems          []string // problems worked around, each naming its offset
}

// RecoveryReport returns what Open recovered for this handle.
func (db *DB) RecoveryReport() (RecoveryReport, error) {
	h, err := db.handle("RecoveryReport")
	if err != nil {
		return RecoveryReport{}, err
	}
	var r C.nts_recovery_info
	r.struct_size = C.uint32_t(C.sizeof_nts_recovery_info)
	var problems *C.nts_strings
	err = errorOf(C.gonts_recovery_report(h, &r, &problems))
	runtime.KeepAlive(db)
	if err != nil {
		return RecoveryReport{}, err
	}
	return RecoveryReport{
		FileBytesCut:      uint64(r.file_bytes_cut),
		WALFramesReplayed: uint64(r.wal_frames_replayed),
		WALRowsReplayed:   uint64(r.wal_rows_replayed),
		WALFramesDropped:  uint64(r.wal_frames_dropped),
		Problems:          takeStrings(problems),
	}, nil
}

// BackupMode selects how Backup writes the copy.
type BackupMode uint32

const (
	// BackupCopy copies the segments as they are (the cheaper mode).
	BackupCopy BackupMode = C.NTS_BACKUP_COPY
	// BackupPack merges every table into sorted segments re-encoded with
	// the strongest codecs, as Pack does: slower, a smaller copy.
	BackupPack BackupMode = C.NTS_BACKUP_PACK
)

// Backup writes a consistent copy of the database to dest, a new file
// (like SQLite's VACUUM INTO): from a writer, buffered rows are flushed
// first. dest is either absent or complete, never half written; an
// existing dest fails with ErrAlreadyExists. dest must be valid UTF-8.
func (db *DB) Backup(dest string, mode BackupMode) error {
	const method = "Backup"
	if err := checkName(method, "destination path", dest); err != nil {
		return err
	}
	h, err := db.handle(method)
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_backup(h, dest, C.uint32_t(mode)))
	runtime.KeepAlive(db)
	return err
}
