//! `nanots pack`, `retention`, `delete` and `drop`: the commands that
//! change what is stored. Each opens the file as its writer (it must exist)
//! and closes it before reporting, on standard error, what it did.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use nanots::{Agg, NanoTsDb, NanoTsOptions};

use crate::db;
use crate::time::{format_ms, parse_duration_ms, parse_timestamp};

fn file_bytes(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len())
}

#[derive(clap::Args)]
#[command(after_help = "Merges a table's segments into sorted, non-overlapping segments re-encoded \
with the strongest codecs, and applies pending deletes and dropped tables, so the file shrinks. \
Without TABLE, packs every table. The file is rewritten beside itself and renamed into place: a \
crash leaves the old or the new file, both whole.\n\nExamples:\n  nanots pack plant.ntt\n  \
nanots pack plant.ntt boiler --target-rows 1048576")]
pub struct PackArgs {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// The table to pack; all tables when absent.
    pub table: Option<String>,
    /// Rows per packed segment (1 to 4194304).
    #[arg(long, default_value_t = 131_072, value_name = "N")]
    pub target_rows: usize,
}

pub fn pack(args: PackArgs) -> Result<()> {
    let db = db::open_write(&args.file, false, NanoTsOptions::default())?;
    let tables = match &args.table {
        Some(t) => {
            db::table_columns(&db, t)?;
            vec![t.clone()]
        }
        None => db.list_tables()?,
    };
    let before = file_bytes(&args.file)?;
    for t in &tables {
        let segments = db.stats(t)?.segments;
        db.pack_table(t, args.target_rows).with_context(|| format!("cannot pack table {t:?}"))?;
        let after = db.stats(t)?;
        eprintln!("packed {t}: {segments} -> {} segments, {} rows", after.segments, after.rows);
    }
    db::close(db)?;
    eprintln!("{}: {before} -> {} bytes", args.file.display(), file_bytes(&args.file)?);
    Ok(())
}

#[derive(clap::Args)]
#[command(after_help = "Removes the rows older than --keep before each table's newest row (or before \
now, if that is earlier: one row stamped in the future cannot empty a table) and rewrites the file \
without them, along with pending deletes and dropped tables.\n\nExamples:\n  \
nanots retention plant.ntt --keep 30d\n  nanots retention plant.ntt --keep 12h")]
pub struct RetentionArgs {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// How much history to keep: 30d, 12h, 2w, ... or ms.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ms)]
    pub keep: i64,
}

pub fn retention(args: RetentionArgs) -> Result<()> {
    let opts =
        NanoTsOptions { retention: Some(Duration::from_millis(args.keep as u64)), ..Default::default() };
    let db = db::open_write(&args.file, false, opts)?;
    let before_bytes = file_bytes(&args.file)?;
    let tables = db.list_tables()?;
    let before: Vec<u64> = tables.iter().map(|t| db.stats(t).map(|s| s.rows)).collect::<Result<_, _>>()?;
    db.compact_retention_now().context("retention compaction failed")?;
    for (t, rows) in tables.iter().zip(before) {
        eprintln!("{t}: {rows} -> {} rows stored", db.stats(t)?.rows);
    }
    db::close(db)?;
    eprintln!("{}: {before_bytes} -> {} bytes", args.file.display(), file_bytes(&args.file)?);
    Ok(())
}

#[derive(clap::Args)]
#[command(after_help = "Deletes the rows with --from <= ts <= --to (both required, both inclusive). \
Queries stop seeing them at once; their space comes back at the next pack or retention.\n\n\
Examples:\n  nanots delete plant.ntt boiler --from 2024-06-01T10:00:00Z --to 2024-06-01T10:59:59.999Z\n  \
nanots delete plant.ntt boiler --from 0 --to 1717236000000")]
pub struct DeleteArgs {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// The table.
    pub table: String,
    /// First timestamp deleted: ms, or ISO-8601.
    #[arg(long, value_name = "T", value_parser = parse_timestamp, allow_hyphen_values = true)]
    pub from: i64,
    /// Last timestamp deleted: ms, or ISO-8601.
    #[arg(long, value_name = "T", value_parser = parse_timestamp, allow_hyphen_values = true)]
    pub to: i64,
}

/// Rows of `table` in `[from, to]`, counted mostly from segment headers.
fn count_rows(db: &NanoTsDb, table: &str, from: i64, to: i64) -> Result<u64> {
    let agg = db.aggregate(table, from, to, i64::MAX, &[Agg::Count])?;
    Ok(agg
        .columns
        .first()
        .map(|c| match &c.values {
            nanots::AggValues::U64(v) => v.iter().sum(),
            nanots::AggValues::F64(v) => v.iter().sum::<f64>() as u64,
        })
        .unwrap_or(0))
}

pub fn delete(args: DeleteArgs) -> Result<()> {
    if args.from > args.to {
        bail!("--from ({}) is after --to ({})", args.from, args.to);
    }
    let db = db::open_write(&args.file, false, NanoTsOptions::default())?;
    db::table_columns(&db, &args.table)?;
    let rows = count_rows(&db, &args.table, args.from, args.to)?;
    db.delete_range(&args.table, args.from, args.to)?;
    db::close(db)?;
    eprintln!(
        "deleted {rows} rows of {} from {} to {} (their space comes back at the next pack)",
        args.table,
        format_ms(args.from),
        format_ms(args.to)
    );
    Ok(())
}

#[derive(clap::Args)]
#[command(after_help = "Drops the table and all its rows; its space comes back at the next pack or \
retention.\n\nExample:\n  nanots drop plant.ntt boiler_test")]
pub struct DropArgs {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// The table.
    pub table: String,
}

pub fn drop_table(args: DropArgs) -> Result<()> {
    let db = db::open_write(&args.file, false, NanoTsOptions::default())?;
    db::table_columns(&db, &args.table)?;
    let rows = count_rows(&db, &args.table, i64::MIN, i64::MAX)?;
    db.drop_table(&args.table)?;
    db::close(db)?;
    eprintln!("dropped {} ({rows} rows)", args.table);
    Ok(())
}
