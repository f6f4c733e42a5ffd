//! `nanots`: look inside a NanoTS database file, check it, import CSV,
//! query it, maintain it, and export it to Parquet, Arrow IPC or CSV.
//!
//! Conventions of sqlite3, duckdb and promtool: data to standard output,
//! diagnostics to standard error, exit status 0 on success, 1 on any error
//! (and from `verify`, on any damage), 2 for a bad command line.

mod batch;
mod commands;
mod db;
mod output;
mod progress;
mod time;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{export, import, info, maintenance, query, sql, verify};

#[derive(Parser)]
#[command(
    name = "nanots",
    version,
    about = "Look inside, check, query, maintain and export NanoTS (.ntt) databases"
)]
#[command(after_help = "Timestamps: ms since the Unix epoch, or ISO-8601 (2024-01-01T00:00:00Z; \
2024-01-01 00:00:00 is UTC). Durations: 30d, 12h, 15m, 10s, 500ms, or ms.\n\nExample:\n  \
nanots import plant.ntt boiler boiler.csv && nanots info plant.ntt && \
nanots export plant.ntt boiler --parquet boiler.parquet")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Format version, tables, columns, rows, time range, sizes and codecs.
    Info(info::Args),
    /// Check every record, checksum and segment; exit 1 on any damage.
    Verify(verify::Args),
    /// Import a CSV file into a table (all of it, or nothing).
    Import(import::Args),
    /// Print a table's rows in a time range.
    Query(query::QueryArgs),
    /// Time-bucket aggregates (min, max, mean, ...) of a table.
    Aggregate(query::AggregateArgs),
    /// Print a table's newest rows.
    Latest(query::LatestArgs),
    /// Run CREATE TABLE and INSERT statements.
    Sql(sql::Args),
    /// Rewrite tables into sorted, strongly compressed segments.
    Pack(maintenance::PackArgs),
    /// Remove rows older than a duration and shrink the file.
    Retention(maintenance::RetentionArgs),
    /// Delete a table's rows in a time range.
    Delete(maintenance::DeleteArgs),
    /// Drop a table.
    Drop(maintenance::DropArgs),
    /// Export a table to Parquet, Arrow IPC or CSV.
    Export(export::Args),
}

/// How a command that ran to its end went.
pub enum Exit {
    Ok,
    /// `verify` found damage.
    Damaged,
}

fn main() -> ExitCode {
    // SAFETY: called first, before any other thread exists; restoring the
    // default disposition makes `nanots query ... | head` end quietly on
    // a closed pipe, as other Unix tools do, instead of failing on EPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Info(a) => info::run(a).map(|()| Exit::Ok),
        Command::Verify(a) => verify::run(a),
        Command::Import(a) => import::run(a).map(|()| Exit::Ok),
        Command::Query(a) => query::query(a).map(|()| Exit::Ok),
        Command::Aggregate(a) => query::aggregate(a).map(|()| Exit::Ok),
        Command::Latest(a) => query::latest(a).map(|()| Exit::Ok),
        Command::Sql(a) => sql::run(a).map(|()| Exit::Ok),
        Command::Pack(a) => maintenance::pack(a).map(|()| Exit::Ok),
        Command::Retention(a) => maintenance::retention(a).map(|()| Exit::Ok),
        Command::Delete(a) => maintenance::delete(a).map(|()| Exit::Ok),
        Command::Drop(a) => maintenance::drop_table(a).map(|()| Exit::Ok),
        Command::Export(a) => export::run(a).map(|()| Exit::Ok),
    };
    match res {
        Ok(Exit::Ok) => ExitCode::SUCCESS,
        Ok(Exit::Damaged) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes, `: `-separated, leaving out a cause whose text
/// the message before it already ends with (the engine's I/O errors carry
/// their source in their message).
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if out.ends_with(&s) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s);
    }
    out
}
