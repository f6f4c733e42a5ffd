//! `nanots info`: what a database file holds, as `stats` knows it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use nanots::{ColumnStorage, Columns, NanoTsDb};

use crate::db;
use crate::time::format_ms;

#[derive(clap::Args)]
#[command(after_help = "Example:\n  nanots info device-042.ntt")]
pub struct Args {
    /// The database file (.ntt).
    pub file: PathBuf,
}

/// The static part of the file header, as SPEC.md section 2 lays it out.
/// The library has no public call for these fields, so they are read here
/// after the library opened (and so checked) the file.
struct Header {
    version: u32,
    db_id: u64,
    created_ms: i64,
}

const MAGIC: [u8; 8] = *b"\x89NTT\r\n\x1a\n";

fn read_header(path: &Path) -> Result<Header> {
    let mut b = [0u8; 32];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut b))
        .with_context(|| format!("cannot read the header of {}", path.display()))?;
    if b[..8] != MAGIC {
        bail!("{} is not a NanoTS file (bad magic at offset 0)", path.display());
    }
    let le8 = |at: usize| <[u8; 8]>::try_from(&b[at..at + 8]).expect("8 bytes");
    Ok(Header {
        version: u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
        db_id: u64::from_le_bytes(le8(16)),
        created_ms: i64::from_le_bytes(le8(24)),
    })
}

pub fn run(args: Args) -> Result<()> {
    let db = db::open_read(&args.file)?;
    let header = read_header(&args.file)?;
    let file_bytes = std::fs::metadata(&args.file)?.len();
    let tables = db.list_tables()?;
    println!("file:            {}", args.file.display());
    println!("format version:  {}", header.version);
    println!("database id:     {:016x}", header.db_id);
    println!("created:         {} ({} ms)", format_ms(header.created_ms), header.created_ms);
    println!("bytes on disk:   {file_bytes}");
    let wal = db::wal_path(&args.file);
    if let Ok(m) = std::fs::metadata(&wal) {
        println!(
            "WAL:             {} ({} bytes): rows a writer has not flushed yet (it is running, or did not close); \
             they are not shown here, and the next command that writes replays them",
            wal.display(),
            m.len()
        );
    }
    println!("tables:          {}", tables.len());
    for t in &tables {
        println!();
        table_info(&db, t)?;
    }
    Ok(())
}

fn table_info(db: &NanoTsDb, table: &str) -> Result<()> {
    let st = db.stats(table)?;
    let columns = db.table_columns(table)?;
    println!("table {table}");
    println!("  columns:       ts_ms, {}", columns.join(", "));
    println!("  rows:          {}", st.rows);
    match time_range(db, table)? {
        Some((lo, hi)) => {
            println!("  time range:    {} .. {}", format_ms(lo), format_ms(hi));
            println!("                 {lo} .. {hi} ms");
        }
        None => println!("  time range:    (no rows)"),
    }
    println!("  segments:      {}", st.segments);
    println!("  bytes on disk: {}", st.bytes_on_disk);
    println!("  raw bytes:     {}", st.raw_bytes);
    println!("  ratio:         {:.2}", st.compression_ratio());
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(["column", "bytes on disk", "raw bytes", "ratio", "codecs (segments)"]);
    for c in std::iter::once(&st.timestamps).chain(&st.columns) {
        t.add_row(column_row(c));
    }
    for i in 1..4 {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    for line in t.to_string().lines() {
        println!("  {line}");
    }
    Ok(())
}

fn column_row(c: &ColumnStorage) -> Vec<String> {
    let ratio = if c.bytes_on_disk == 0 { 0.0 } else { c.raw_bytes as f64 / c.bytes_on_disk as f64 };
    let codecs: Vec<String> = c.codecs.iter().map(|u| format!("{} ({})", u.name, u.segments)).collect();
    vec![
        c.name.clone(),
        c.bytes_on_disk.to_string(),
        c.raw_bytes.to_string(),
        format!("{ratio:.2}"),
        codecs.join(", "),
    ]
}

/// The first and last timestamps of `table`'s live rows: the newest from
/// `latest` (a header read), the oldest from the first group of segments
/// that still holds a row after deletes.
fn time_range(db: &NanoTsDb, table: &str) -> Result<Option<(i64, i64)>> {
    let newest = db.latest(table)?;
    let Some(&hi) = newest.ts.last() else {
        return Ok(None);
    };
    let mut reader = db.range_reader(table, i64::MIN, i64::MAX)?;
    let mut cols = Columns::with_columns(reader.column_names().len(), 0);
    while reader.read_group_into(&mut cols).with_context(|| crate::db::reading(db.path(), table))? {
        if let Some(&lo) = cols.ts.first() {
            return Ok(Some((lo, hi)));
        }
    }
    Ok(Some((hi, hi)))
}
