//! The engines under test, one file each, and the lookup by name.

#[cfg(feature = "duckdb")]
pub mod duckdb_db;
pub mod floor;
pub mod nanots_db;
pub mod parquet_file;
pub mod sqlite;

use super::Engine;

/// Every engine that ingests and answers queries, in the report's order.
#[cfg(not(feature = "duckdb"))]
pub const ALL: &[&str] = &["nanots", "sqlite", "parquet", "memcpy"];
/// Every engine that ingests and answers queries, in the report's order
/// (DuckDB with the cargo feature `duckdb`).
#[cfg(feature = "duckdb")]
pub const ALL: &[&str] = &["nanots", "sqlite", "parquet", "duckdb", "memcpy"];

/// The engine called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Engine>> {
    Some(match name {
        "nanots" => Box::new(nanots_db::NanoTs),
        "sqlite" => Box::new(sqlite::Sqlite),
        "parquet" => Box::new(parquet_file::Parquet),
        #[cfg(feature = "duckdb")]
        "duckdb" => Box::new(duckdb_db::DuckDb),
        "memcpy" => Box::new(floor::Memcpy),
        _ => return None,
    })
}
