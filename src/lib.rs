//! NanoTS: an embeddable, append-only, single-file time-series store.
//!
//! A table is an implicit `ts_ms: i64` (milliseconds) plus N `f64` value
//! columns. Rows are appended in any timestamp order, logged to a WAL,
//! flushed into compressed columnar segments in one `.ntt` file and read
//! back with `pread` into reused buffers. See `SPEC.md` for the file format.
//!
//! ```
//! use nanots::{NanoTsDb, NanoTsOptions};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("nanots.ntt");
//! let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
//! db.create_table("sensor", &["temp", "humidity"])?;
//! db.append_row("sensor", 1704067200000, &[25.5, 60.0])?;
//! db.flush()?;
//! let (ts, cols) = db.query_table_range_columns("sensor", 0, i64::MAX)?;
//! assert_eq!((ts.len(), cols.len()), (1, 2));
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Cargo features
//!
//! All on by default; firmware turns off what it does not use
//! (`docs/size.md` has what each one costs in the shared library):
//! `capi` (the C ABI), `arrow` (`nanots::arrow`), `pco` (the cold-tier
//! codec), `sql` (`nanots::sql`, `NanoTsDb::exec_sql`), `aggregate`
//! (`NanoTsDb::aggregate`) and `maintenance` (the background thread of
//! [`NanoTsDbShared`]). Pack, retention, merges and deletes are always
//! there.

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod codec;
mod db;
mod error;
#[cfg(feature = "capi")]
mod ffi;
mod format;
mod io;
mod maintenance;
mod options;
mod query;
mod segment;
#[cfg(feature = "sql")]
pub mod sql;
mod table;
mod wal;

#[cfg(feature = "maintenance")]
pub use db::background::{MaintenanceHook, MaintenanceStatus};
pub use db::{
    BackupMode, CommitStats, NanoTsDb, NanoTsDbShared, Problem, RecoveryReport, SERIES_COLUMN, VerifyReport,
    WeakNanoTsDbShared,
};
pub use error::{Error, ErrorKind, Result};
/// Test support: injected I/O faults and the I/O log (see the crash,
/// fault-injection and power-loss suites in `tests/`). Not a stable API.
#[doc(hidden)]
pub use io::fault as testing;
#[cfg(feature = "maintenance")]
pub use options::AutoMaintenanceOptions;
pub use options::{NanoTsOptions, RecoveryMode, SyncMode};
#[cfg(feature = "aggregate")]
pub use query::aggregate::{Agg, AggColumn, AggValues, AggregateReader, Aggregation};
pub use query::stats::{CodecUse, ColumnStorage, TableStats};
pub use query::{Columns, RangeReader};
pub use table::TS_COLUMN;
