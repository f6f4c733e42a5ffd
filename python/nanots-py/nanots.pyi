"""Type stubs of the `nanots` module (NanoTS: an embedded, append-only
time-series store in one file, with numpy in and out and Arrow PyCapsules).

Timestamps (`Timestamp`) are `int` milliseconds since the Unix epoch,
`datetime.datetime` (timezone-aware, or naive read as UTC) or
`numpy.datetime64` (any unit). Written timestamps must be whole
milliseconds; range bounds are inclusive at both ends (a finer start rounds
up, a finer end down) and `None` leaves a bound open.
"""

import datetime
import os
import pathlib
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

Timestamp = Union[int, datetime.datetime, np.datetime64, np.integer[Any]]
"""One timestamp: int ms since the epoch, a datetime (naive = UTC) or a numpy datetime64."""

Timestamps = Union[npt.ArrayLike, Sequence[Timestamp]]
"""Many timestamps: a 1-D int64 (ms) or datetime64 array, anything numpy.asarray takes, or a list."""

Values = Union[npt.ArrayLike, Sequence[float]]
"""One column of values: a 1-D numeric array (float64 is read in place) or a list of numbers."""

Duration = Union[int, datetime.timedelta]
"""A duration: int ms or a datetime.timedelta of whole milliseconds."""

AggName = Literal["count", "sum", "min", "max", "mean", "first", "last"]

class Error(Exception):
    """Base class of every error the NanoTS engine reports."""

class InvalidArgumentError(Error):
    """An argument the engine refuses (empty name, start > end, bad option, ...)."""

class NotFoundError(Error):
    """The table (or column) does not exist."""

class AlreadyExistsError(Error):
    """A table exists with other columns, or a backup's destination exists."""

class SchemaMismatchError(Error):
    """The values do not fit the table's schema (number or names of columns)."""

class IoError(Error, OSError):
    """The operating system reported an I/O error (`errno` set when known)."""

class CorruptError(Error):
    """The file or its WAL holds damaged data; the message names the offset."""

class LockedError(Error):
    """Another handle has the database open for writing."""

class TooLargeError(Error):
    """A record would exceed the record size cap, or a count exceeds a limit."""

class UnsupportedVersionError(Error):
    """The file was written by a newer NanoTS format version."""

class ClosedError(Error):
    """The database handle was closed."""

class ReadOnlyError(Error):
    """A write call on a handle opened with read_only=True."""

class ColumnStats:
    """Storage of one column (or of the timestamps) of a table."""

    @property
    def name(self) -> str:
        """Column name (`ts_ms` for the timestamps)."""
    @property
    def bytes(self) -> int:
        """Encoded bytes of this column's chunks in flushed segments."""
    @property
    def raw_bytes(self) -> int:
        """8 bytes per flushed value."""
    @property
    def ratio(self) -> float:
        """raw_bytes / bytes (0.0 when nothing is flushed)."""
    @property
    def codecs(self) -> Dict[str, int]:
        """Segments per codec name, most used first."""
    def to_dict(self) -> Dict[str, Any]:
        """The fields as a dict."""

class TableStats:
    """Storage statistics of a table (from `Db.stats`)."""

    @property
    def table(self) -> str:
        """Table name."""
    @property
    def rows(self) -> int:
        """Rows: flushed plus buffered."""
    @property
    def flushed_rows(self) -> int:
        """Rows in segments of the file."""
    @property
    def buffered_rows(self) -> int:
        """Rows appended but not flushed yet."""
    @property
    def segments(self) -> int:
        """Segments of the table in the file."""
    @property
    def bytes(self) -> int:
        """Bytes of the table's segment records in the file."""
    @property
    def raw_bytes(self) -> int:
        """8 bytes per flushed timestamp and value."""
    @property
    def ratio(self) -> float:
        """Compression ratio raw_bytes / bytes (0.0 when nothing is flushed)."""
    @property
    def codecs(self) -> Dict[str, Dict[str, int]]:
        """Codecs in use per column (ts_ms first): codec name to segments."""
    @property
    def timestamps(self) -> ColumnStats:
        """Storage of the timestamps."""
    @property
    def columns(self) -> List[ColumnStats]:
        """Storage of each value column, in table order."""
    def to_dict(self) -> Dict[str, Any]:
        """The fields as a dict (nested column stats as dicts too)."""

class SqlOutcome:
    """What `Db.exec_sql` did."""

    @property
    def statements(self) -> int:
        """Statements executed."""
    @property
    def tables_created(self) -> int:
        """Tables created."""
    @property
    def rows_inserted(self) -> int:
        """Rows inserted."""

class Query:
    """Rows of a table in a time range, streamed as Arrow when exported (from `Db.query`).

    Schema: `ts_ms: timestamp[ms]`, then one float64 column per value column.
    The first export reads the snapshot taken by `Db.query`; later ones take a new one.
    """

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """Exports the rows as an `arrow_array_stream` PyCapsule, read batch by batch."""
    @property
    def table(self) -> str:
        """The table queried."""
    @property
    def start_ms(self) -> Optional[int]:
        """Start of the range in ms (inclusive), or None if open."""
    @property
    def end_ms(self) -> Optional[int]:
        """End of the range in ms (inclusive), or None if open."""
    @property
    def column_names(self) -> List[str]:
        """`ts_ms`, then the value columns."""
    def to_numpy(self) -> Dict[str, npt.NDArray[Any]]:
        """The whole range as numpy arrays: `ts_ms` (int64 ms), then float64 columns."""
    def to_arrow(self) -> Any:
        """The rows as a pyarrow.Table (needs pyarrow)."""
    def to_pandas(self) -> Any:
        """The rows as a pandas.DataFrame through pyarrow."""
    def to_polars(self) -> Any:
        """The rows as a polars.DataFrame."""

class Aggregate:
    """Time-bucket aggregates, computed when exported (from `Db.aggregate`).

    Schema: `bucket_start: timestamp[ms]`, then `<column>_<agg>` columns
    (uint64 for count, float64 otherwise).
    """

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """Exports the buckets as an `arrow_array_stream` PyCapsule."""
    @property
    def column_names(self) -> List[str]:
        """`bucket_start`, then `<column>_<agg>`."""
    @property
    def bucket_ms(self) -> int:
        """Bucket width in ms."""
    def to_numpy(self) -> Dict[str, npt.NDArray[Any]]:
        """Every bucket as numpy arrays: `bucket_start` (int64 ms), then the aggregates."""
    def to_arrow(self) -> Any:
        """The buckets as a pyarrow.Table (needs pyarrow)."""
    def to_pandas(self) -> Any:
        """The buckets as a pandas.DataFrame through pyarrow."""
    def to_polars(self) -> Any:
        """The buckets as a polars.DataFrame."""

class Rows:
    """Rows held in memory (from `Db.latest`), oldest first."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """Exports the rows as an `arrow_array_stream` PyCapsule of one batch."""
    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Tuple[object, object]:
        """Exports the rows as `(arrow_schema, arrow_array)` PyCapsules."""
    @property
    def column_names(self) -> List[str]:
        """`ts_ms`, then the value columns."""
    def __len__(self) -> int: ...
    def to_numpy(self) -> Dict[str, npt.NDArray[Any]]:
        """The rows as numpy arrays (copies): `ts_ms` (int64 ms), then float64 columns."""
    def to_arrow(self) -> Any:
        """The rows as a pyarrow.Table (needs pyarrow)."""
    def to_pandas(self) -> Any:
        """The rows as a pandas.DataFrame through pyarrow."""
    def to_polars(self) -> Any:
        """The rows as a polars.DataFrame."""

class Db:
    """An open NanoTS database: one `.ntt` file, locked for writing by this handle.

    Every call releases the GIL while the engine works; one Db may be shared
    by threads. `with nanots.Db(path) as db:` closes (and flushes) on exit.
    """

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        retention_ms: Optional[Duration] = None,
        *,
        sync: Literal["on_flush", "every_append", "never"] = "on_flush",
        auto_flush_bytes: Optional[int] = None,
        segment_max_rows: Optional[int] = None,
        segment_partition_ms: Optional[int] = None,
        max_record_size: Optional[int] = None,
        recovery: Literal["strict", "salvage"] = "strict",
        read_only: bool = False,
        auto_maintenance: bool = False,
    ) -> None:
        """Opens (creating if needed) and recovers the database at `path`."""
    @property
    def path(self) -> pathlib.Path:
        """The database file's path (a pathlib.Path)."""
    @property
    def read_only(self) -> bool:
        """Whether the handle was opened with read_only=True."""
    @property
    def closed(self) -> bool:
        """Whether close() was called."""
    def create_table(self, name: str, columns: Sequence[str]) -> None:
        """Creates table `name` with value columns `columns` (idempotent for the same columns)."""
    def append(self, series: str, ts_ms: Timestamp, value: float) -> None:
        """Appends one value to the one-column series `series`, creating it on first use."""
    def append_row(self, table: str, ts_ms: Timestamp, values: Values) -> None:
        """Appends one row (one value per column, in table order)."""
    def append_rows(
        self,
        table: str,
        ts: Timestamps,
        cols: Union[Sequence[Values], Mapping[str, Values]],
    ) -> None:
        """Appends many rows column by column, read from numpy arrays in place; all or nothing."""
    def flush(self) -> None:
        """Writes buffered rows into compressed segments and empties the WAL."""
    def query_table_range_columns(
        self,
        table: str,
        start_ms: Optional[Timestamp] = None,
        end_ms: Optional[Timestamp] = None,
    ) -> Tuple[npt.NDArray[np.int64], List[npt.NDArray[np.float64]]]:
        """Rows of `[start_ms, end_ms]` as (int64 ms array, [float64 array per column])."""
    def query_table_range_arrow_capsules(
        self,
        table: str,
        start_ms: Optional[Timestamp] = None,
        end_ms: Optional[Timestamp] = None,
    ) -> Tuple[object, object]:
        """Rows of `[start_ms, end_ms]` as (schema capsule, array capsule) of one record batch."""
    def query(self, table: str, start: Optional[Timestamp] = None, end: Optional[Timestamp] = None) -> Query:
        """Rows of `[start, end]` as a Query, streamed as Arrow (pyarrow, polars, DuckDB, pandas)."""
    def aggregate(
        self,
        table: str,
        start: Optional[Timestamp],
        end: Optional[Timestamp],
        bucket_ms: Duration,
        aggs: Union[AggName, Sequence[AggName]] = ("min", "max", "mean"),
    ) -> Aggregate:
        """Aggregates in buckets of `bucket_ms` (default aggs: min, max, mean)."""
    def latest(self, table: str, n: int = 1) -> Rows:
        """The last `n` rows by timestamp, oldest first."""
    def stats(self, table: str) -> TableStats:
        """Storage statistics of `table`."""
    def pack_table(self, table: str, target_rows: int = 131072) -> None:
        """Merges the table's segments into sorted segments of about `target_rows` rows."""
    def compact_retention_now(self) -> None:
        """Rewrites the file without expired, deleted and dropped rows."""
    def delete_range(self, table: str, start: Optional[Timestamp] = None, end: Optional[Timestamp] = None) -> None:
        """Deletes the rows of `[start, end]` that exist now."""
    def drop_table(self, table: str) -> None:
        """Drops `table` and all its rows."""
    def list_tables(self) -> List[str]:
        """Names of all tables, sorted."""
    def table_columns(self, table: str) -> List[str]:
        """Value column names of `table`, in order (without ts_ms)."""
    def exec_sql(self, sql: str) -> SqlOutcome:
        """Runs CREATE TABLE / INSERT statements separated by `;`."""
    def backup(self, dest: Union[str, "os.PathLike[str]"], *, pack: bool = False) -> None:
        """Writes a consistent copy of the database to the new file `dest`."""
    def refresh(self) -> bool:
        """On a read-only handle, catches up with the writer; returns whether the view changed."""
    def close(self) -> None:
        """Flushes, removes the WAL and releases the lock; later calls raise ClosedError."""
    def __enter__(self) -> "Db": ...
    def __exit__(self, _exc_type: Optional[object] = None, _exc: Optional[object] = None, _tb: Optional[object] = None) -> bool:
        """Closes the database, also when the block raised."""
