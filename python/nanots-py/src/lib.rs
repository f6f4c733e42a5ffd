//! The `nanots` Python module: NanoTS, an embedded append-only time-series
//! store, with numpy in and out and Arrow PyCapsule exports.
//!
//! Layout: `db` (the `Db` handle) takes arguments apart with `timestamps`
//! and `values`, calls the engine through `errors::engine` (GIL released,
//! errors and panics turned into exceptions) and returns `results`
//! (Arrow-exportable query results, built by `arrow_export`) or `stats`.

mod arrow_export;
mod bench;
mod db;
mod errors;
mod handle;
mod pymods;
mod results;
mod stats;
mod testing;
mod timestamps;
mod values;

use pyo3::prelude::*;

/// NanoTS: an embedded, append-only time-series store in one file.
///
/// A table is an implicit ``ts_ms`` timestamp (int64 milliseconds since the
/// Unix epoch) plus float64 value columns. Open a database with
/// ``nanots.Db(path)``; write with ``append_row`` / ``append_rows`` (numpy);
/// read with ``query`` (an Arrow stream for pyarrow, polars, DuckDB and
/// pandas), ``query_table_range_columns`` (numpy), ``aggregate`` and
/// ``latest``. Errors are ``nanots.Error`` subclasses, one per kind.
#[pymodule(name = "nanots")]
fn nanots_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<db::Db>()?;
    m.add_class::<results::Query>()?;
    m.add_class::<results::Aggregate>()?;
    m.add_class::<results::Rows>()?;
    m.add_class::<stats::TableStats>()?;
    m.add_class::<stats::ColumnStats>()?;
    m.add_class::<stats::SqlOutcome>()?;
    errors::register(m)?;
    // Benchmark helpers: attributes of the extension module
    // (`nanots.nanots._bench_*`), kept out of `__all__` and the package.
    m.setattr("_bench_append_rows", wrap_pyfunction!(bench::_bench_append_rows, m)?)?;
    m.setattr("_bench_append_row", wrap_pyfunction!(bench::_bench_append_row, m)?)?;
    m.setattr("_bench_query", wrap_pyfunction!(bench::_bench_query, m)?)?;
    m.setattr("_panic_for_tests", wrap_pyfunction!(testing::_panic_for_tests, m)?)?;
    Ok(())
}
