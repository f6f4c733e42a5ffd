//! `nanots query`, `nanots aggregate` and `nanots latest`: rows to standard
//! output, streamed group of segments by group of segments.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use nanots::{Agg, Columns};

use crate::batch::{aggregate_batch, aggregate_schema, table_batch, table_schema};
use crate::db::{self, reading};
use crate::output::{Format, stdout_sink};
use crate::time::{parse_duration_ms, parse_timestamp};

/// The time range and output options shared by the reading commands.
#[derive(clap::Args)]
pub struct Range {
    /// First timestamp (inclusive): ms, or ISO-8601 such as 2024-01-01T00:00:00Z. Default: the beginning.
    #[arg(long, value_name = "T", value_parser = parse_timestamp, allow_hyphen_values = true)]
    pub from: Option<i64>,
    /// Last timestamp (inclusive): ms, or ISO-8601. Default: the end.
    #[arg(long, value_name = "T", value_parser = parse_timestamp, allow_hyphen_values = true)]
    pub to: Option<i64>,
}

impl Range {
    pub fn bounds(&self) -> Result<(i64, i64)> {
        let (from, to) = (self.from.unwrap_or(i64::MIN), self.to.unwrap_or(i64::MAX));
        if from > to {
            bail!("--from ({from} ms) is after --to ({to} ms)");
        }
        Ok((from, to))
    }
}

#[derive(clap::Args)]
pub struct Output {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Rows the table format shows (its first and last halves); 0 shows all.
    #[arg(long, default_value_t = 40, value_name = "N")]
    pub max_rows: usize,
}

#[derive(clap::Args)]
#[command(after_help = "Rows are in time order; the range is inclusive at both ends.\n\nExamples:\n  \
nanots query plant.ntt boiler --from 2024-06-01 --to 2024-06-01T12:00:00Z\n  \
nanots query plant.ntt boiler --format csv > boiler.csv\n  \
nanots query plant.ntt boiler --format arrow | python3 -c 'import pyarrow as pa, sys; \
print(pa.ipc.open_stream(sys.stdin.buffer).read_all())'")]
pub struct QueryArgs {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// The table.
    pub table: String,
    #[command(flatten)]
    pub range: Range,
    #[command(flatten)]
    pub output: Output,
}

pub fn query(args: QueryArgs) -> Result<()> {
    let (from, to) = args.range.bounds()?;
    let db = db::open_read(&args.file)?;
    let columns = db::table_columns(&db, &args.table)?;
    let schema = table_schema(&columns);
    let mut reader = db.range_reader(&args.table, from, to)?;
    let mut sink = stdout_sink(args.output.format, schema.clone(), args.output.max_rows)?;
    loop {
        let mut cols = Columns::with_columns(columns.len(), 0);
        if !reader.read_group_into(&mut cols).with_context(|| reading(&args.file, &args.table))? {
            break;
        }
        if !cols.is_empty() {
            sink.write(&table_batch(&schema, cols)?)?;
        }
    }
    sink.finish()
}

#[derive(clap::Args)]
#[command(after_help = "Buckets are aligned to multiples of --bucket from the Unix epoch (UTC); one \
row per bucket that holds rows, with a column <column>_<agg> per value column and function. \
NaN values are skipped by sum, min, max and mean, and counted by count.\n\nExamples:\n  \
nanots aggregate plant.ntt boiler --bucket 1h --agg min,max,mean\n  \
nanots aggregate plant.ntt boiler --bucket 1d --agg count,last --from 2024-06-01 --format csv")]
pub struct AggregateArgs {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// The table.
    pub table: String,
    /// Bucket width: 1h, 15m, 1d, ... or ms.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ms)]
    pub bucket: i64,
    /// Functions, comma-separated: count, sum, min, max, mean, first, last.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true, value_parser = parse_agg)]
    pub agg: Vec<Agg>,
    #[command(flatten)]
    pub range: Range,
    #[command(flatten)]
    pub output: Output,
}

fn parse_agg(s: &str) -> Result<Agg, String> {
    Ok(match s.trim() {
        "count" => Agg::Count,
        "sum" => Agg::Sum,
        "min" => Agg::Min,
        "max" => Agg::Max,
        "mean" | "avg" => Agg::Mean,
        "first" => Agg::First,
        "last" => Agg::Last,
        other => {
            return Err(format!("unknown function {other:?}: use count, sum, min, max, mean, first or last"));
        }
    })
}

pub fn aggregate(args: AggregateArgs) -> Result<()> {
    let (from, to) = args.range.bounds()?;
    let db = db::open_read(&args.file)?;
    db::table_columns(&db, &args.table)?;
    let mut reader = db.aggregate_reader(&args.table, from, to, args.bucket, &args.agg)?;
    let names: Vec<(String, bool)> =
        reader.column_names().into_iter().map(|(name, _, agg)| (name, agg == Agg::Count)).collect();
    let schema = aggregate_schema(&names);
    let mut sink = stdout_sink(args.output.format, schema.clone(), args.output.max_rows)?;
    while let Some(batch) = reader.next_batch().with_context(|| reading(&args.file, &args.table))? {
        sink.write(&aggregate_batch(&schema, batch)?)?;
    }
    sink.finish()
}

#[derive(clap::Args)]
#[command(after_help = "The newest rows by timestamp, oldest first; read from the newest segments \
only.\n\nExamples:\n  nanots latest plant.ntt boiler\n  nanots latest plant.ntt boiler -n 10 --format json")]
pub struct LatestArgs {
    /// The database file (.ntt).
    pub file: PathBuf,
    /// The table.
    pub table: String,
    /// How many rows.
    #[arg(short = 'n', long = "rows", default_value_t = 1, value_name = "N")]
    pub n: usize,
    #[command(flatten)]
    pub output: Output,
}

pub fn latest(args: LatestArgs) -> Result<()> {
    let db = db::open_read(&args.file)?;
    let columns = db::table_columns(&db, &args.table)?;
    let schema = table_schema(&columns);
    let rows = db.latest_n(&args.table, args.n)?;
    let mut sink = stdout_sink(args.output.format, schema.clone(), args.output.max_rows.max(args.n))?;
    if !rows.is_empty() {
        sink.write(&table_batch(&schema, rows)?)?;
    }
    sink.finish()
}
