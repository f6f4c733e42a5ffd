package nanots

// #include "gonts.h"
import "C"

import (
	"time"
)

// SyncMode says when appended rows are forced to disk.
type SyncMode int

const (
	// SyncOnFlush fdatasyncs the file at every flush (the default).
	SyncOnFlush SyncMode = iota
	// SyncEveryAppend msyncs the WAL before every append returns.
	SyncEveryAppend
	// SyncNever leaves writing back to the operating system.
	SyncNever
)

// Options configure Open. The zero value (and a nil *Options) means the
// library's defaults; every field left zero keeps its default.
type Options struct {
	// Sync is the durability mode (default SyncOnFlush).
	Sync SyncMode
	// AutoFlushBytes: buffered row bytes that trigger a flush. 0 = the
	// default (4 MiB); negative = never flush automatically.
	AutoFlushBytes int64
	// SegmentMaxRows: most rows per segment written by a flush,
	// 1..4194304; 0 = the default (131072).
	SegmentMaxRows int
	// MaxRecordSize caps any record's payload in bytes; 0 = the
	// NANOTS_MAX_RECORD_SIZE environment variable, else 64 MiB.
	MaxRecordSize uint32
	// Retention: rows older than this may be dropped by retention
	// (CompactRetention, or the maintenance thread); 0 keeps everything.
	// Durations here must be whole milliseconds.
	Retention time.Duration
	// SegmentPartition cuts segments at multiples of this duration from
	// the Unix epoch (e.g. time.Hour: hourly aggregates come from segment
	// statistics); 0 = off.
	SegmentPartition time.Duration

	// AutoMaintenance runs background maintenance on a thread of its own
	// (flush, retention, merging small segments); see MaintenanceStatus.
	AutoMaintenance bool
	// MaintenanceInterval: how often that thread wakes; 0 = 1s.
	MaintenanceInterval time.Duration
	// FlushAfter: the thread flushes rows buffered longer than this;
	// 0 = 5s.
	FlushAfter time.Duration
	// RetentionEvery: how often the thread runs retention compaction when
	// Retention is set; 0 = 1 minute.
	RetentionEvery time.Duration

	// Salvage opens a damaged file as far as it can be read instead of
	// refusing it with ErrCorrupt; RecoveryReport says what was dropped.
	Salvage bool
	// ReadOnly opens a reader beside the writer (no lock, no writes: write
	// calls return ErrReadOnly); queries see what the writer has flushed.
	ReadOnly bool
}

// millis converts a duration option to whole milliseconds.
func millis(field string, d time.Duration) (int64, error) {
	if d < 0 {
		return 0, errorf(CodeInvalidArgument, "Open: Options.%s is negative (%v)", field, d)
	}
	if d%time.Millisecond != 0 {
		return 0, errorf(CodeInvalidArgument, "Open: Options.%s (%v) is not a whole number of milliseconds", field, d)
	}
	return int64(d / time.Millisecond), nil
}

// toC fills a C nts_options: the library's defaults (nts_options_init),
// then every field set in o.
func (o *Options) toC(c *C.nts_options) error {
	C.nts_options_init(c)
	if o == nil {
		return nil
	}
	switch o.Sync {
	case SyncOnFlush:
		c.sync = C.NTS_SYNC_ON_FLUSH
	case SyncEveryAppend:
		c.sync = C.NTS_SYNC_EVERY_APPEND
	case SyncNever:
		c.sync = C.NTS_SYNC_NEVER
	default:
		return errorf(CodeInvalidArgument, "Open: Options.Sync has no mode %d", int(o.Sync))
	}
	if o.AutoFlushBytes < 0 {
		c.auto_flush_bytes = 0
	} else if o.AutoFlushBytes > 0 {
		c.auto_flush_bytes = C.uint64_t(o.AutoFlushBytes)
	}
	if o.SegmentMaxRows < 0 {
		return errorf(CodeInvalidArgument, "Open: Options.SegmentMaxRows is negative (%d)", o.SegmentMaxRows)
	}
	if o.SegmentMaxRows > 0 {
		c.segment_max_rows = C.uint64_t(o.SegmentMaxRows)
	}
	c.max_record_size = C.uint32_t(o.MaxRecordSize)
	durations := []struct {
		name string
		d    time.Duration
		set  func(ms int64)
	}{
		{"Retention", o.Retention, func(ms int64) { c.retention_ms = C.int64_t(ms) }},
		{"SegmentPartition", o.SegmentPartition, func(ms int64) { c.segment_partition_ms = C.int64_t(ms) }},
		{"MaintenanceInterval", o.MaintenanceInterval, func(ms int64) { c.maintenance_interval_ms = C.uint64_t(ms) }},
		{"FlushAfter", o.FlushAfter, func(ms int64) { c.flush_after_ms = C.uint64_t(ms) }},
		{"RetentionEvery", o.RetentionEvery, func(ms int64) { c.retention_every_ms = C.uint64_t(ms) }},
	}
	for _, f := range durations {
		ms, err := millis(f.name, f.d)
		if err != nil {
			return err
		}
		if ms != 0 {
			f.set(ms)
		}
	}
	if o.AutoMaintenance {
		c.auto_maintenance = 1
	}
	if o.Salvage {
		c.recovery = C.NTS_RECOVERY_SALVAGE
	}
	if o.ReadOnly {
		c.read_only = 1
	}
	return nil
}
