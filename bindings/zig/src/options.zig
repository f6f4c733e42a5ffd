//! Options for `Db.open`: a Zig struct whose `null` fields keep the
//! library's defaults (from `nts_options_init`), so a default here can never
//! drift from the library's.
const c = @import("nanots_c");

/// When data is forced to disk (`nts_options.sync`).
pub const SyncMode = enum(u32) {
    /// `msync` the WAL before every append returns.
    every_append = c.NTS_SYNC_EVERY_APPEND,
    /// `fdatasync` the file at every flush (the library's default).
    on_flush = c.NTS_SYNC_ON_FLUSH,
    /// Never force data to disk; leave it to the OS.
    never = c.NTS_SYNC_NEVER,
};

/// What opening does with a damaged file (`nts_options.recovery`).
pub const Recovery = enum(u32) {
    /// Refuse it with `error.Corrupt`, leaving it untouched (the default).
    strict = c.NTS_RECOVERY_STRICT,
    /// Open what can be opened; `Db.recoveryReport` tells what was dropped.
    salvage = c.NTS_RECOVERY_SALVAGE,
};

/// Options for `Db.open`. Every field left `null` keeps the library default.
pub const Options = struct {
    /// Default: `.on_flush`.
    sync: ?SyncMode = null,
    /// Buffered row bytes that trigger an automatic flush; 0 disables
    /// auto-flush. Default 4 MiB.
    auto_flush_bytes: ?u64 = null,
    /// Most rows per segment written by a flush: 1..=4194304. Default 131072.
    segment_max_rows: ?u64 = null,
    /// Cap on a record's payload in bytes; 0 = `NANOTS_MAX_RECORD_SIZE` from
    /// the environment, else 64 MiB.
    max_record_size: ?u32 = null,
    /// Rows older than this many ms may be dropped by retention; 0 keeps
    /// everything.
    retention_ms: ?i64 = null,
    /// Run background maintenance on a thread of its own (flush, retention,
    /// merging small segments). Default false.
    auto_maintenance: ?bool = null,
    /// How often the maintenance thread wakes, in ms; 0 = 1000.
    maintenance_interval_ms: ?u64 = null,
    /// The maintenance thread flushes buffered rows older than this, in ms;
    /// 0 = 5000.
    flush_after_ms: ?u64 = null,
    /// The maintenance thread runs retention this often, in ms; 0 = 60000.
    retention_every_ms: ?u64 = null,
    /// Cut segments at multiples of this many ms (e.g. 3600000 for hourly
    /// partitions); 0 = off.
    segment_partition_ms: ?i64 = null,
    /// Default `.strict`.
    recovery: ?Recovery = null,
    /// Open read-only next to a writer: no lock, no writes. Default false.
    read_only: ?bool = null,

    /// The C struct: the library's defaults, then every non-null field.
    pub fn toC(options: Options) c.nts_options {
        var o: c.nts_options = undefined;
        c.nts_options_init(&o);
        if (options.sync) |v| o.sync = @backingInt(v);
        if (options.auto_flush_bytes) |v| o.auto_flush_bytes = v;
        if (options.segment_max_rows) |v| o.segment_max_rows = v;
        if (options.max_record_size) |v| o.max_record_size = v;
        if (options.retention_ms) |v| o.retention_ms = v;
        if (options.auto_maintenance) |v| o.auto_maintenance = @intFromBool(v);
        if (options.maintenance_interval_ms) |v| o.maintenance_interval_ms = v;
        if (options.flush_after_ms) |v| o.flush_after_ms = v;
        if (options.retention_every_ms) |v| o.retention_every_ms = v;
        if (options.segment_partition_ms) |v| o.segment_partition_ms = v;
        if (options.recovery) |v| o.recovery = @backingInt(v);
        if (options.read_only) |v| o.read_only = @intFromBool(v);
        return o;
    }
};
