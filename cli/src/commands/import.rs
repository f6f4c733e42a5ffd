//! `nanots import`: a CSV file into a table, all of it or nothing.
//!
//! Two steps. *Stage*: every line is read, checked and converted into a
//! temporary file of binary rows beside the database, so a bad line stops
//! the import before the database is touched. *Commit*: the staged rows go
//! to the engine in batches of `append_rows`, then the database is closed
//! (flushed, WAL removed). Memory stays at one batch whatever the CSV's
//! size; the temporary file holds 8 bytes per value.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};

use crate::db;
use crate::progress;
use crate::time::{TsUnit, parse_csv_timestamp};

#[derive(clap::Args)]
#[command(after_help = "\
The first row names the columns. The timestamp column is --ts-column, else the one named ts_ms, \
timestamp or time, else the first; every other column is a value column (a number, NaN or inf; \
an empty field is an error, there is no NULL). Timestamps are milliseconds or seconds since the \
Unix epoch (see --ts-unit), or ISO-8601 (2024-01-01T00:00:00Z, 2024-01-01 00:00:00, UTC unless \
an offset is given).

The table is created from the header when it does not exist; when it does, the CSV must have \
exactly its columns (in any order). The whole file is read and checked before anything is \
written: a bad line is reported with its line number and nothing is imported. The database file \
is created if it does not exist.

Examples:
  nanots import plant.ntt boiler boiler-2024-06.csv
  nanots import plant.ntt boiler readings.csv --ts-column sampled_at --ts-unit s
  some-exporter | nanots import plant.ntt boiler -")]
pub struct Args {
    /// The database file (.ntt); created if missing.
    pub file: PathBuf,
    /// The table to import into; created from the CSV header if missing.
    pub table: String,
    /// The CSV file, or - for standard input.
    pub csv: PathBuf,
    /// The timestamp column's name.
    #[arg(long, value_name = "NAME")]
    pub ts_column: Option<String>,
    /// What numeric timestamps count.
    #[arg(long, value_enum, default_value_t = TsUnit::Auto)]
    pub ts_unit: TsUnit,
    /// The field delimiter (one ASCII character).
    #[arg(long, default_value_t = ',')]
    pub delimiter: char,
}

/// Rows per `append_rows` call while committing.
const BATCH_ROWS: usize = 65_536;

/// The CSV's layout, from its header.
struct Layout {
    /// Index of the timestamp field.
    ts_field: usize,
    ts_name: String,
    /// For each table column (in the table's order), its field index.
    value_fields: Vec<usize>,
    /// The table's value columns, in its order.
    columns: Vec<String>,
    fields: usize,
}

pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    if !args.delimiter.is_ascii() {
        bail!("--delimiter must be one ASCII character, got {:?}", args.delimiter);
    }
    let source = csv_name(&args.csv);
    let input: Box<dyn Read> = if args.csv.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(File::open(&args.csv).with_context(|| format!("cannot open CSV file {source}"))?)
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(args.delimiter as u8)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = read_header(&mut reader, &source)?;

    // An existing database is opened (and locked) before staging, so a
    // schema mismatch shows at once and no other writer changes the table
    // meanwhile; a new one is created only once the CSV proved sound.
    let existed = args.file.exists();
    let mut db =
        if existed { Some(db::open_write(&args.file, false, NanoTsOptions::default())?) } else { None };
    let existing_columns = match &db {
        Some(db) => match db.table_columns(&args.table) {
            Ok(c) => Some(c),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let layout = layout(&header, &args, existing_columns.as_deref(), &source)?;

    let dir = match args.file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut staged = tempfile::Builder::new()
        .prefix(".nanots-import-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a staging file in {}", dir.display()))?;
    let rows = stage(&mut reader, &layout, args.ts_unit, &source, staged.as_file_mut())?;

    let db = match db.take() {
        Some(db) => db,
        None => db::open_write(&args.file, true, NanoTsOptions::default())?,
    };
    let created_table = existing_columns.is_none();
    let written = (|| {
        if created_table {
            let cols: Vec<&str> = layout.columns.iter().map(String::as_str).collect();
            db.create_table(&args.table, &cols).with_context(|| {
                format!("cannot create table {:?} from the header of {source}", args.table)
            })?;
        }
        commit(&db, &args.table, &layout, rows, staged.as_file_mut())
    })();
    if let Err(e) = written {
        return Err(undo(db, &args, existed, created_table, e));
    }
    db::close(db)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {rows} rows into {}table {:?} of {} from {source} in {secs:.2} s ({:.0} rows/s)",
        if created_table { "new " } else { "" },
        args.table,
        args.file.display(),
        rows as f64 / secs.max(1e-9)
    );
    Ok(())
}

fn csv_name(path: &Path) -> String {
    if path.as_os_str() == "-" { "standard input".to_owned() } else { path.display().to_string() }
}

/// The header's names, trimmed; each must be non-empty, valid UTF-8 and
/// unique.
fn read_header<R: Read>(reader: &mut csv::Reader<R>, source: &str) -> Result<Vec<String>> {
    let rec = reader.byte_headers().map_err(|e| csv_error(e, source))?.clone();
    if rec.is_empty() || (rec.len() == 1 && rec[0].is_empty()) {
        bail!("{source} is empty: its first line must name the columns");
    }
    let mut names = Vec::with_capacity(rec.len());
    for (i, f) in rec.iter().enumerate() {
        let name = std::str::from_utf8(f)
            .map_err(|_| anyhow!("{source}: line 1 (header), field {}: not UTF-8", i + 1))?
            .trim_start_matches('\u{feff}')
            .to_owned();
        if name.is_empty() {
            bail!("{source}: line 1 (header), field {}: empty column name", i + 1);
        }
        if names.contains(&name) {
            bail!("{source}: line 1 (header): column {name:?} appears twice");
        }
        names.push(name);
    }
    Ok(names)
}

fn layout(header: &[String], args: &Args, existing: Option<&[String]>, source: &str) -> Result<Layout> {
    let ts_field = match &args.ts_column {
        Some(name) => header.iter().position(|h| h == name).ok_or_else(|| {
            anyhow!("{source} has no column {name:?} (--ts-column); its columns: {}", header.join(", "))
        })?,
        None => ["ts_ms", "timestamp", "time"]
            .iter()
            .find_map(|want| header.iter().position(|h| h == want))
            .or_else(|| {
                ["ts_ms", "timestamp", "time"]
                    .iter()
                    .find_map(|want| header.iter().position(|h| h.eq_ignore_ascii_case(want)))
            })
            .unwrap_or(0),
    };
    let csv_values: Vec<(usize, &String)> =
        header.iter().enumerate().filter(|(i, _)| *i != ts_field).collect();
    if csv_values.is_empty() {
        bail!(
            "{source} has only the timestamp column {:?}: a table needs at least one value column",
            header[ts_field]
        );
    }
    let (columns, value_fields) = match existing {
        None => (
            csv_values.iter().map(|(_, n)| (*n).clone()).collect(),
            csv_values.iter().map(|(i, _)| *i).collect(),
        ),
        Some(table_cols) => {
            let missing: Vec<&String> =
                table_cols.iter().filter(|c| !csv_values.iter().any(|(_, n)| *n == *c)).collect();
            let extra: Vec<&String> =
                csv_values.iter().map(|(_, n)| *n).filter(|n| !table_cols.contains(n)).collect();
            if !missing.is_empty() || !extra.is_empty() {
                let mut why = Vec::new();
                if !missing.is_empty() {
                    why.push(format!("missing {}", quoted(&missing)));
                }
                if !extra.is_empty() {
                    why.push(format!("not in the table {}", quoted(&extra)));
                }
                bail!(
                    "table {:?} has the value columns {}; {source} (timestamp column {:?}) does not match: {}",
                    args.table,
                    quoted(&table_cols.iter().collect::<Vec<_>>()),
                    header[ts_field],
                    why.join("; ")
                );
            }
            let fields = table_cols
                .iter()
                .map(|c| csv_values.iter().find(|(_, n)| *n == c).expect("checked above").0)
                .collect();
            (table_cols.to_vec(), fields)
        }
    };
    Ok(Layout { ts_field, ts_name: header[ts_field].clone(), value_fields, columns, fields: header.len() })
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn quoted(names: &[&String]) -> String {
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

fn csv_error(e: csv::Error, source: &str) -> anyhow::Error {
    match e.position() {
        Some(p) => anyhow!("{source}: line {}: {e}", p.line()),
        None => anyhow!("{source}: {e}"),
    }
}

/// Reads every record, checks and converts it, and writes it to `out` as
/// little-endian `i64` ms then the `f64` values in table order. Returns the
/// row count.
fn stage<R: Read>(
    reader: &mut csv::Reader<R>,
    layout: &Layout,
    unit: TsUnit,
    source: &str,
    out: &mut File,
) -> Result<u64> {
    let pb = progress::rows_spinner("reading");
    let mut w = BufWriter::with_capacity(1 << 20, &mut *out);
    let mut rec = csv::ByteRecord::new();
    let mut unit = unit;
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, source)),
        }
        let line = rec.position().map_or(0, |p| p.line());
        // A blank line reads as one empty field: skip it, as most CSV readers do.
        if rec.len() == 1 && rec[0].is_empty() {
            continue;
        }
        if rec.len() != layout.fields {
            bail!(
                "{source}: line {line}: {} where the header has {}",
                plural(rec.len(), "field"),
                layout.fields
            );
        }
        let ts_text = field_str(&rec, layout.ts_field, line, &layout.ts_name, source)?;
        if unit == TsUnit::Auto {
            unit = unit.resolve(&layout.ts_name, ts_text);
        }
        let ts = parse_csv_timestamp(ts_text, unit)
            .map_err(|why| anyhow!("{source}: line {line}, column {:?}: {why}", layout.ts_name))?;
        w.write_all(&ts.to_le_bytes())?;
        for (c, &f) in layout.value_fields.iter().enumerate() {
            let name = &layout.columns[c];
            let text = field_str(&rec, f, line, name, source)?;
            let v =
                parse_value(text).map_err(|why| anyhow!("{source}: line {line}, column {name:?}: {why}"))?;
            w.write_all(&v.to_le_bytes())?;
        }
        rows += 1;
        if rows.is_multiple_of(4096) {
            pb.set_position(rows);
        }
    }
    w.flush().context("cannot write the staging file")?;
    pb.finish_and_clear();
    Ok(rows)
}

fn field_str<'a>(rec: &'a csv::ByteRecord, i: usize, line: u64, name: &str, source: &str) -> Result<&'a str> {
    std::str::from_utf8(&rec[i]).map_err(|_| anyhow!("{source}: line {line}, column {name:?}: not UTF-8"))
}

fn parse_value(text: &str) -> Result<f64, String> {
    if text.is_empty() {
        return Err("empty value (a value is a number, NaN or inf: there is no NULL)".into());
    }
    text.parse::<f64>().map_err(|_| format!("{text:?} is not a number"))
}

/// Appends the `rows` staged rows of `staged`, `BATCH_ROWS` at a time.
fn commit(db: &NanoTsDb, table: &str, layout: &Layout, rows: u64, staged: &mut File) -> Result<()> {
    let ncols = layout.columns.len();
    let row_bytes = 8 * (ncols + 1);
    staged.seek(SeekFrom::Start(0))?;
    let mut r = BufReader::with_capacity(1 << 20, &mut *staged);
    let pb = progress::rows_bar("writing", rows);
    let mut buf = vec![0u8; BATCH_ROWS * row_bytes];
    let mut ts = Vec::with_capacity(BATCH_ROWS);
    let mut cols: Vec<Vec<f64>> = (0..ncols).map(|_| Vec::with_capacity(BATCH_ROWS)).collect();
    let mut done = 0u64;
    while done < rows {
        let n = (rows - done).min(BATCH_ROWS as u64) as usize;
        r.read_exact(&mut buf[..n * row_bytes]).context("cannot read back the staging file")?;
        ts.clear();
        cols.iter_mut().for_each(Vec::clear);
        for row in buf[..n * row_bytes].chunks_exact(row_bytes) {
            let (t, values) = row.split_at(8);
            ts.push(i64::from_le_bytes(t.try_into().expect("8 bytes")));
            for (col, v) in cols.iter_mut().zip(values.chunks_exact(8)) {
                col.push(f64::from_le_bytes(v.try_into().expect("8 bytes")));
            }
        }
        let slices: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        db.append_rows(table, &ts, &slices)
            .with_context(|| format!("after {done} of {rows} rows were written"))?;
        done += n as u64;
        pb.set_position(done);
    }
    pb.finish_and_clear();
    Ok(())
}

/// After a failed commit, takes back what can be taken back: a database
/// file this import created is removed, a table it created is dropped. Rows
/// already appended to a table that existed before stay, and the error
/// says how many.
fn undo(db: NanoTsDb, args: &Args, existed: bool, created_table: bool, err: anyhow::Error) -> anyhow::Error {
    if !existed {
        drop(db);
        let _ = std::fs::remove_file(&args.file);
        let _ = std::fs::remove_file(db::wal_path(&args.file));
        return err.context(format!("import failed; {} (created by it) was removed", args.file.display()));
    }
    if created_table {
        let outcome = match db.drop_table(&args.table) {
            Ok(()) => format!("import failed; table {:?}, which it had created, was dropped", args.table),
            // The failure was the creation itself.
            Err(e) if e.kind() == ErrorKind::NotFound => "import failed; nothing was imported".to_owned(),
            Err(e) => format!(
                "import failed, and dropping table {:?}, which it had created, failed too: {e}",
                args.table
            ),
        };
        return match db.close() {
            Ok(()) => err.context(outcome),
            Err(e) => err.context(format!("{outcome}; closing the database failed: {e}")),
        };
    }
    err.context(format!("import failed; rows appended to table {:?} before the error stay in it", args.table))
}
