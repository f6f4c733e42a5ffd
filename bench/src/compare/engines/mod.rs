//! The engines under test, one file each, and the lookup by name.

pub mod floor;
pub mod nanots_db;
pub mod parquet_file;
pub mod sqlite;

use super::Engine;

/// Every engine that ingests and answers queries, in the report's order.
pub const ALL: [&str; 4] = ["nanots", "sqlite", "parquet", "memcpy"];

/// The engine called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Engine>> {
    Some(match name {
        "nanots" => Box::new(nanots_db::NanoTs),
        "sqlite" => Box::new(sqlite::Sqlite),
        "parquet" => Box::new(parquet_file::Parquet),
        "memcpy" => Box::new(floor::Memcpy),
        _ => return None,
    })
}
