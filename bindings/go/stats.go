package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
)

// Stats are a table's storage statistics.
type Stats struct {
	Rows             uint64  // all rows: flushed + buffered
	FlushedRows      uint64  // rows in segments in the file
	BufferedRows     uint64  // rows buffered in memory (and in the WAL)
	Segments         uint64  // segments in the file
	BytesOnDisk      uint64  // bytes of the table's segments, headers included
	RawBytes         uint64  // uncompressed size of the flushed rows (8 bytes per timestamp and value)
	CompressionRatio float64 // RawBytes / BytesOnDisk (0 when nothing is flushed)
	Columns          uint64  // value columns (without ts_ms)
	TsBytesOnDisk    uint64  // encoded bytes of the timestamp column
	TsRawBytes       uint64  // raw bytes of the timestamp column
}

// Stats returns the storage statistics of table.
func (db *DB) Stats(table string) (Stats, error) {
	const method = "Stats"
	if err := checkName(method, "table name", table); err != nil {
		return Stats{}, err
	}
	h, err := db.handle(method)
	if err != nil {
		return Stats{}, err
	}
	var s C.nts_stats
	s.struct_size = C.uint32_t(C.sizeof_nts_stats)
	err = errorOf(C.gonts_table_stats(h, table, &s))
	runtime.KeepAlive(db)
	if err != nil {
		return Stats{}, err
	}
	return Stats{
		Rows:             uint64(s.rows),
		FlushedRows:      uint64(s.flushed_rows),
		BufferedRows:     uint64(s.buffered_rows),
		Segments:         uint64(s.segments),
		BytesOnDisk:      uint64(s.bytes_on_disk),
		RawBytes:         uint64(s.raw_bytes),
		CompressionRatio: float64(s.compression_ratio),
		Columns:          uint64(s.ncols),
		TsBytesOnDisk:    uint64(s.ts_bytes_on_disk),
		TsRawBytes:       uint64(s.ts_raw_bytes),
	}, nil
}

// CodecUse is one codec used by a column's segments.
type CodecUse struct {
	ID       uint8  // the codec's id
	Name     string // its name, e.g. "plain"
	Segments uint64 // segments encoded with it
}

// ColumnStats are one column's storage statistics.
type ColumnStats struct {
	BytesOnDisk uint64     // encoded bytes over all segments
	RawBytes    uint64     // 8 per flushed row
	Codecs      []CodecUse // most used first (at most 8 listed)
}

// ColumnStats returns the storage statistics of column of table; column
// may be "ts_ms" for the timestamps.
func (db *DB) ColumnStats(table, column string) (ColumnStats, error) {
	const method = "ColumnStats"
	if err := checkName(method, "table name", table); err != nil {
		return ColumnStats{}, err
	}
	if err := checkName(method, "column name", column); err != nil {
		return ColumnStats{}, err
	}
	h, err := db.handle(method)
	if err != nil {
		return ColumnStats{}, err
	}
	var s C.nts_column_stats
	s.struct_size = C.uint32_t(C.sizeof_nts_column_stats)
	err = errorOf(C.gonts_table_column_stats(h, table, column, &s))
	runtime.KeepAlive(db)
	if err != nil {
		return ColumnStats{}, err
	}
	cs := ColumnStats{BytesOnDisk: uint64(s.bytes_on_disk), RawBytes: uint64(s.raw_bytes)}
	for i := 0; i < int(s.ncodecs) && i < C.NTS_STATS_MAX_CODECS; i++ {
		id := s.codec_ids[i]
		cs.Codecs = append(cs.Codecs, CodecUse{
			ID:       uint8(id),
			Name:     C.GoString(C.nts_codec_name(id)),
			Segments: uint64(s.codec_segments[i]),
		})
	}
	return cs, nil
}

// CommitStats is what a handle has made durable since it was opened.
type CommitStats struct {
	Commits     uint64 // transactions committed (creations, flushes, deletes, merges, ...)
	Checkpoints uint64 // of those, the ones ended by a checkpoint record
	Syncs       uint64 // fdatasync calls on the database file
}

// CommitStats returns the transactions, checkpoints and fdatasync calls
// this handle has made since Open (the recovery done by Open included).
func (db *DB) CommitStats() (CommitStats, error) {
	h, err := db.handle("CommitStats")
	if err != nil {
		return CommitStats{}, err
	}
	var c C.nts_commit_info
	c.struct_size = C.uint32_t(C.sizeof_nts_commit_info)
	err = errorOf(C.gonts_commit_stats(h, &c))
	runtime.KeepAlive(db)
	if err != nil {
		return CommitStats{}, err
	}
	return CommitStats{Commits: uint64(c.commits), Checkpoints: uint64(c.checkpoints), Syncs: uint64(c.syncs)}, nil
}
