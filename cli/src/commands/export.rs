//! `nanots export`: a table to Parquet (for the engines that span
//! machines), Arrow IPC or CSV files, streamed group of segments by group
//! of segments so memory stays bounded whatever the table's size.
//!
//! Every output is written under a temporary name beside its destination,
//! fsynced, and renamed into place only when complete: an error or a crash
//! leaves no half-written file where a reader would take it for data.

use std::fs::File;
use std::io::{BufWriter, Stdout, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use arrow_array::{Array, RecordBatch, TimestampMillisecondArray};
use arrow_schema::SchemaRef;
use clap::ArgGroup;
use nanots::Columns;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::{KeyValue, SortingColumn};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::batch::{TS_FIELD, table_batch, table_schema};
use crate::commands::query::Range;
use crate::db::{self, reading};
use crate::output::CsvOut;
use crate::progress;
use crate::time::{DAY_MS, format_day};

#[derive(clap::Args)]
#[command(group(ArgGroup::new("output").required(true).args(["parquet", "arrow_ipc", "csv"])))]
#[command(after_help = "\
Parquet: ts_ms is INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true), delta-encoded; value columns are \
DOUBLE; ZSTD; statistics per page and row group; rows sorted by time, declared as each row group's \
sorting column; row groups of --row-group-rows rows. --partition day writes Hive-style \
OUT/table=NAME/date=YYYY-MM-DD/part-0.parquet (UTC days), which Spark, Trino, ClickHouse and \
DuckDB prune by directory.

An existing output is an error unless --force. The output appears only once complete.

Examples:
  nanots export plant.ntt boiler --parquet boiler.parquet
  nanots export plant.ntt boiler --from 2024-06-01 --to 2024-06-30T23:59:59.999Z --parquet june.parquet
  nanots export plant.ntt boiler --parquet lake/ --partition day
  nanots export plant.ntt boiler --arrow-ipc boiler.arrow
  nanots export plant.ntt boiler --csv - | gzip > boiler.csv.gz")]
pub struct Args {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// The table.
    pub table: String,
    #[command(flatten)]
    pub range: Range,
    /// Write Parquet to OUT (a directory with --partition).
    #[arg(long, value_name = "OUT")]
    pub parquet: Option<PathBuf>,
    /// Write an Arrow IPC file to OUT (a directory with --partition).
    #[arg(long, value_name = "OUT")]
    pub arrow_ipc: Option<PathBuf>,
    /// Write CSV to OUT (- for standard output; a directory with --partition).
    #[arg(long, value_name = "OUT")]
    pub csv: Option<PathBuf>,
    /// Split the output into one file per UTC day, Hive-style.
    #[arg(long, value_enum, value_name = "BY")]
    pub partition: Option<Partition>,
    /// Replace an existing output.
    #[arg(long)]
    pub force: bool,
    /// Parquet: rows per row group.
    #[arg(long, default_value_t = 1 << 20, value_name = "N")]
    pub row_group_rows: usize,
    /// Parquet: ZSTD level (1 to 22).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub zstd_level: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Partition {
    /// One directory per UTC day: date=YYYY-MM-DD.
    Day,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Parquet,
    ArrowIpc,
    Csv,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Parquet => "parquet",
            Kind::ArrowIpc => "arrow",
            Kind::Csv => "csv",
        }
    }
}

/// One output file being written.
enum Writer {
    Parquet(ArrowWriter<File>),
    ArrowIpc(arrow_ipc::writer::FileWriter<BufWriter<File>>),
    Csv(CsvOut<BufWriter<File>>),
    CsvStdout(CsvOut<BufWriter<Stdout>>),
}

impl Writer {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            Writer::Parquet(w) => w.write(batch)?,
            Writer::ArrowIpc(w) => w.write(batch)?,
            Writer::Csv(w) => w.write(batch)?,
            Writer::CsvStdout(w) => w.write(batch)?,
        }
        Ok(())
    }

    /// Finishes the file and forces it to disk.
    fn finish(self) -> Result<()> {
        let file = match self {
            Writer::Parquet(w) => w.into_inner()?,
            Writer::ArrowIpc(mut w) => {
                w.finish()?;
                w.into_inner()?.into_inner().map_err(|e| e.into_error())?
            }
            Writer::Csv(w) => w.into_inner().into_inner().map_err(|e| e.into_error())?,
            Writer::CsvStdout(w) => {
                w.into_inner().flush()?;
                return Ok(());
            }
        };
        file.sync_all()?;
        Ok(())
    }
}

/// What every output file of one export is written with.
struct Spec {
    kind: Kind,
    schema: SchemaRef,
    props: WriterProperties,
}

impl Spec {
    fn open(&self, file: File) -> Result<Writer> {
        Ok(match self.kind {
            Kind::Parquet => {
                Writer::Parquet(ArrowWriter::try_new(file, self.schema.clone(), Some(self.props.clone()))?)
            }
            Kind::ArrowIpc => {
                Writer::ArrowIpc(arrow_ipc::writer::FileWriter::try_new(BufWriter::new(file), &self.schema)?)
            }
            Kind::Csv => Writer::Csv(CsvOut::new(BufWriter::new(file), &self.schema)?),
        })
    }
}

fn parquet_properties(table: &str, row_group_rows: usize, zstd_level: i32) -> Result<WriterProperties> {
    if row_group_rows == 0 {
        bail!("--row-group-rows must be at least 1");
    }
    let level = ZstdLevel::try_new(zstd_level).with_context(|| format!("--zstd-level {zstd_level}"))?;
    let ts = ColumnPath::from(TS_FIELD);
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_sorting_columns(Some(vec![SortingColumn {
            column_idx: 0,
            descending: false,
            nulls_first: false,
        }]))
        // Sorted timestamps: deltas are small and regular.
        .set_column_dictionary_enabled(ts.clone(), false)
        .set_column_encoding(ts, Encoding::DELTA_BINARY_PACKED)
        .set_key_value_metadata(Some(vec![KeyValue::new("nanots.table".to_owned(), table.to_owned())]))
        .build())
}

pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let (kind, out) = match (&args.parquet, &args.arrow_ipc, &args.csv) {
        (Some(p), _, _) => (Kind::Parquet, p.clone()),
        (_, Some(p), _) => (Kind::ArrowIpc, p.clone()),
        (_, _, Some(p)) => (Kind::Csv, p.clone()),
        _ => unreachable!("clap requires one output"),
    };
    let to_stdout = out.as_os_str() == "-";
    if to_stdout && kind != Kind::Csv {
        bail!("only --csv can write to standard output (-)");
    }
    if to_stdout && args.partition.is_some() {
        bail!("--partition writes files into a directory: it cannot go to standard output");
    }
    let (from, to) = args.range.bounds()?;
    let db = db::open_read(&args.file)?;
    let columns = db::table_columns(&db, &args.table)?;
    let schema = table_schema(&columns);
    let spec = Spec {
        kind,
        schema: schema.clone(),
        props: parquet_properties(&args.table, args.row_group_rows, args.zstd_level)?,
    };
    let mut target = if to_stdout {
        Target::Stdout
    } else if args.partition.is_some() {
        Target::partitioned(&out, &args.table, kind, args.force)?
    } else {
        Target::single(&out, args.force)?
    };

    let mut reader = db.range_reader(&args.table, from, to)?;
    let pb = progress::rows_bar("exporting", reader.max_rows as u64);
    let mut current: Option<(i64, Writer)> = None;
    let mut rows = 0u64;
    let mut files = 0usize;
    loop {
        let mut cols = Columns::with_columns(columns.len(), 0);
        if !reader.read_group_into(&mut cols).with_context(|| reading(&args.file, &args.table))? {
            break;
        }
        if cols.is_empty() {
            continue;
        }
        let batch = table_batch(&schema, cols)?;
        rows += batch.num_rows() as u64;
        for (day, slice) in split(&batch, args.partition.is_some()) {
            if current.as_ref().is_none_or(|(d, _)| *d != day) {
                if let Some((_, w)) = current.take() {
                    w.finish()?;
                }
                current = Some((day, target.open(&spec, day)?));
                files += 1;
            }
            current.as_mut().expect("opened above").1.write(&slice)?;
        }
        pb.set_position(rows);
    }
    // A single file is written even for an empty range, so the reader gets
    // the schema; partitions are written only for days that have rows.
    if current.is_none() && args.partition.is_none() {
        current = Some((0, target.open(&spec, 0)?));
        files += 1;
    }
    if let Some((_, w)) = current.take() {
        w.finish()?;
    }
    pb.finish_and_clear();
    let bytes = target.commit()?;
    let secs = started.elapsed().as_secs_f64();
    let what = match (&target, args.partition) {
        (Target::Stdout, _) => "standard output".to_owned(),
        (_, Some(_)) => format!("{} ({files} files, {bytes} bytes)", target.final_path().display()),
        _ => format!("{} ({bytes} bytes)", out.display()),
    };
    eprintln!(
        "exported {rows} rows of {} to {what} in {secs:.2} s ({:.0} rows/s)",
        args.table,
        rows as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// The batch cut at UTC day boundaries (rows are sorted by time), each
/// piece with its day number; the whole batch as day 0 when not
/// partitioning.
fn split(batch: &RecordBatch, by_day: bool) -> Vec<(i64, RecordBatch)> {
    if !by_day {
        return vec![(0, batch.clone())];
    }
    let ts = batch.column(0).as_any().downcast_ref::<TimestampMillisecondArray>().expect("ts_ms column");
    let ts = ts.values();
    let mut out = Vec::new();
    let mut start = 0;
    while start < ts.len() {
        let day = ts[start].div_euclid(DAY_MS);
        let end = match (day + 1).checked_mul(DAY_MS) {
            Some(next) => start + ts[start..].partition_point(|&t| t < next),
            None => ts.len(),
        };
        out.push((day, batch.slice(start, end - start)));
        start = end;
    }
    out
}

/// Where the files of one export go until they are complete.
enum Target {
    /// One file: written as a temporary file beside `dest`, renamed over it.
    Single {
        dest: PathBuf,
        tmp: Option<tempfile::NamedTempFile>,
        force: bool,
    },
    /// `root/table=NAME/date=.../part-0.EXT`: built in a temporary
    /// directory in `root`, renamed to `table=NAME` when complete.
    Partitioned {
        root: PathBuf,
        final_dir: PathBuf,
        staging: PathBuf,
        ext: &'static str,
        force: bool,
    },
    Stdout,
}

impl Target {
    fn single(dest: &Path, force: bool) -> Result<Target> {
        if dest.exists() && !force {
            bail!("{} exists: remove it, or pass --force to replace it", dest.display());
        }
        if dest.is_dir() {
            bail!(
                "{} is a directory: --partition writes into a directory, a plain export writes one file",
                dest.display()
            );
        }
        let dir = parent_dir(dest);
        if !dir.is_dir() {
            bail!("cannot write {}: no directory {}", dest.display(), dir.display());
        }
        Ok(Target::Single { dest: dest.to_path_buf(), tmp: None, force })
    }

    fn partitioned(root: &Path, table: &str, kind: Kind, force: bool) -> Result<Target> {
        if root.exists() && !root.is_dir() {
            bail!("{} is a file: --partition needs a directory to write table={table}/ into", root.display());
        }
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create directory {}", root.display()))?;
        let final_dir = root.join(format!("table={table}"));
        if final_dir.exists() && !force {
            bail!("{} exists: remove it, or pass --force to replace it", final_dir.display());
        }
        let staging = tempfile::Builder::new()
            .prefix(&format!(".table={table}."))
            .suffix(".partial")
            .permissions(std::fs::Permissions::from_mode(0o777))
            .tempdir_in(root)
            .with_context(|| format!("cannot create a staging directory in {}", root.display()))?
            .keep();
        Ok(Target::Partitioned { root: root.to_path_buf(), final_dir, staging, ext: kind.extension(), force })
    }

    fn final_path(&self) -> &Path {
        match self {
            Target::Single { dest, .. } => dest,
            Target::Partitioned { final_dir, .. } => final_dir,
            Target::Stdout => Path::new("-"),
        }
    }

    /// Opens the file for `day` (ignored unless partitioned).
    fn open(&mut self, spec: &Spec, day: i64) -> Result<Writer> {
        match self {
            Target::Stdout => {
                Ok(Writer::CsvStdout(CsvOut::new(BufWriter::new(std::io::stdout()), &spec.schema)?))
            }
            Target::Single { dest, tmp, .. } => {
                let dir = parent_dir(dest);
                let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let t = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".partial")
                    // The export is for others to read: the umask decides,
                    // as for any new file (a temporary file is 0600).
                    .permissions(std::fs::Permissions::from_mode(0o666))
                    .tempfile_in(&dir)
                    .with_context(|| format!("cannot create a file in {}", dir.display()))?;
                let f = t.as_file().try_clone()?;
                *tmp = Some(t);
                spec.open(f)
            }
            Target::Partitioned { staging, ext, .. } => {
                let dir = staging.join(format!("date={}", format_day(day * DAY_MS)));
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                let path = dir.join(format!("part-0.{ext}"));
                let f = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
                spec.open(f)
            }
        }
    }

    /// Moves the complete output into place; returns its size in bytes.
    fn commit(&mut self) -> Result<u64> {
        match self {
            Target::Stdout => Ok(0),
            Target::Single { dest, tmp, force } => {
                let t = tmp.take().expect("the file was opened");
                let bytes = t.as_file().metadata()?.len();
                let res =
                    if *force { t.persist(&*dest).map(drop) } else { t.persist_noclobber(&*dest).map(drop) };
                res.map_err(|e| e.error)
                    .with_context(|| format!("cannot move the export into {}", dest.display()))?;
                sync_dir(&parent_dir(dest))?;
                Ok(bytes)
            }
            Target::Partitioned { root, final_dir, staging, force, .. } => {
                let bytes = dir_bytes(staging)?;
                // The files were fsynced when finished; their directory
                // entries too, before the rename publishes them.
                for e in std::fs::read_dir(&*staging)? {
                    sync_dir(&e?.path())?;
                }
                sync_dir(staging)?;
                let mut old = None;
                if final_dir.exists() {
                    if !*force {
                        bail!(
                            "{} appeared during the export: pass --force to replace it",
                            final_dir.display()
                        );
                    }
                    let aside = tempfile::Builder::new().prefix(".replaced.").tempdir_in(&*root)?.keep();
                    std::fs::rename(&*final_dir, aside.join("old"))?;
                    old = Some(aside);
                }
                std::fs::rename(&*staging, &*final_dir)
                    .with_context(|| format!("cannot move the export into {}", final_dir.display()))?;
                sync_dir(root)?;
                if let Some(old) = old {
                    std::fs::remove_dir_all(&old)
                        .with_context(|| format!("cannot remove {}", old.display()))?;
                }
                Ok(bytes)
            }
        }
    }
}

impl Drop for Target {
    /// An export that did not commit leaves nothing behind (the single
    /// file's temporary removes itself).
    fn drop(&mut self) {
        if let Target::Partitioned { staging, .. } = self
            && staging.exists()
        {
            let _ = std::fs::remove_dir_all(staging);
        }
    }
}

fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync directory {}", dir.display()))
}

fn dir_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let m = e.metadata()?;
        total += if m.is_dir() { dir_bytes(&e.path())? } else { m.len() };
    }
    Ok(total)
}
