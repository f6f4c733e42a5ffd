//! Writing record batches to standard output in the format asked for:
//! a table for people, CSV, JSON lines, or an Arrow IPC stream for programs.
//! Batches go out as they come, so output memory stays bounded (the table
//! format keeps only the rows it will show).

use std::collections::VecDeque;
use std::io::{BufWriter, IsTerminal, Stdout, Write};

use anyhow::{Result, bail};
use arrow_array::RecordBatch;
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::SchemaRef;
use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use crate::batch::{TS_TEXT_FORMAT, for_text};

/// An output format of `query`, `aggregate` and `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for reading; long results show their first and last rows.
    Table,
    /// CSV with a header row; timestamps in RFC 3339, floats in their
    /// shortest round-trip form.
    Csv,
    /// One JSON object per line; NaN and infinities become null, as JSON
    /// has no such numbers.
    Json,
    /// An Arrow IPC stream (binary: redirect it to a file or a program).
    Arrow,
}

/// Receives the batches of one result.
pub trait Sink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()>;
    /// Writes what is still held and flushes standard output.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// A sink writing `format` to standard output. `max_rows` applies to the
/// table format (0: all rows).
pub fn stdout_sink(format: Format, schema: SchemaRef, max_rows: usize) -> Result<Box<dyn Sink>> {
    let out = BufWriter::new(std::io::stdout());
    Ok(match format {
        Format::Table => Box::new(TableSink::new(schema, max_rows, out)),
        Format::Csv => Box::new(CsvSink(CsvOut::new(out, &schema)?)),
        Format::Json => Box::new(JsonSink(
            arrow_json::WriterBuilder::new().with_timestamp_tz_format(TS_TEXT_FORMAT.to_owned()).build(out),
        )),
        Format::Arrow => {
            if std::io::stdout().is_terminal() {
                bail!(
                    "--format arrow writes binary Arrow IPC: redirect it to a file or pipe it to a program"
                );
            }
            Box::new(ArrowSink(arrow_ipc::writer::StreamWriter::try_new(out, &schema)?))
        }
    })
}

/// CSV with a header (written even when no row follows) and timestamps
/// as [`TS_TEXT_FORMAT`].
pub struct CsvOut<W: Write>(arrow_csv::Writer<W>);

impl<W: Write> CsvOut<W> {
    pub fn new(w: W, schema: &SchemaRef) -> Result<CsvOut<W>> {
        let mut w = arrow_csv::WriterBuilder::new()
            .with_header(true)
            .with_timestamp_tz_format(TS_TEXT_FORMAT.to_owned())
            .build(w);
        // The header goes out with the first batch: an empty one gives an
        // empty result its header too.
        w.write(&for_text(&RecordBatch::new_empty(schema.clone()))?)?;
        Ok(CsvOut(w))
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.0.write(&for_text(batch)?)?)
    }

    pub fn into_inner(self) -> W {
        self.0.into_inner()
    }
}

struct CsvSink(CsvOut<BufWriter<Stdout>>);

impl Sink for CsvSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.0.write(batch)
    }
    fn finish(self: Box<Self>) -> Result<()> {
        Ok(self.0.into_inner().flush()?)
    }
}

struct JsonSink(arrow_json::LineDelimitedWriter<BufWriter<Stdout>>);

impl Sink for JsonSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.0.write(&for_text(batch)?)?)
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.0.finish()?;
        Ok(self.0.into_inner().flush()?)
    }
}

struct ArrowSink(arrow_ipc::writer::StreamWriter<BufWriter<Stdout>>);

impl Sink for ArrowSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.0.write(batch)?)
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.0.finish()?;
        Ok(self.0.into_inner()?.flush()?)
    }
}

/// The table format: keeps the first `max_rows / 2` rows and a window of
/// the last ones, so a long result prints its two ends, like DuckDB's.
struct TableSink {
    schema: SchemaRef,
    max_rows: usize,
    head: Vec<RecordBatch>,
    head_rows: usize,
    tail: VecDeque<RecordBatch>,
    tail_rows: usize,
    total: usize,
    out: BufWriter<Stdout>,
}

impl TableSink {
    fn new(schema: SchemaRef, max_rows: usize, out: BufWriter<Stdout>) -> TableSink {
        TableSink {
            schema,
            max_rows,
            head: Vec::new(),
            head_rows: 0,
            tail: VecDeque::new(),
            tail_rows: 0,
            total: 0,
            out,
        }
    }

    fn head_cap(&self) -> usize {
        if self.max_rows == 0 { usize::MAX } else { self.max_rows.div_ceil(2) }
    }

    fn tail_cap(&self) -> usize {
        if self.max_rows == 0 { 0 } else { self.max_rows / 2 }
    }
}

impl Sink for TableSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let batch = &for_text(batch)?;
        self.total += batch.num_rows();
        let take = (self.head_cap() - self.head_rows).min(batch.num_rows());
        if take > 0 {
            self.head.push(batch.slice(0, take));
            self.head_rows += take;
        }
        let rest = batch.slice(take, batch.num_rows() - take);
        if rest.num_rows() == 0 || self.tail_cap() == 0 {
            return Ok(());
        }
        let keep = rest.num_rows().min(self.tail_cap());
        self.tail.push_back(rest.slice(rest.num_rows() - keep, keep));
        self.tail_rows += keep;
        // Drop whole batches, then trim the oldest, down to the cap.
        while self.tail_rows > self.tail_cap() {
            let excess = self.tail_rows - self.tail_cap();
            let front = self.tail.front().expect("rows are held");
            if front.num_rows() <= excess {
                self.tail_rows -= front.num_rows();
                self.tail.pop_front();
            } else {
                let trimmed = front.slice(excess, front.num_rows() - excess);
                self.tail_rows -= excess;
                self.tail[0] = trimmed;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        table.set_header(self.schema.fields().iter().map(|f| f.name().as_str()));
        let opts =
            FormatOptions::default().with_display_error(true).with_timestamp_tz_format(Some(TS_TEXT_FORMAT));
        let add = |table: &mut Table, batches: &[RecordBatch]| -> Result<()> {
            for b in batches {
                let fmts: Vec<ArrayFormatter> = b
                    .columns()
                    .iter()
                    .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
                    .collect::<Result<_, _>>()?;
                for row in 0..b.num_rows() {
                    table.add_row(fmts.iter().map(|f| f.value(row).to_string()));
                }
            }
            Ok(())
        };
        add(&mut table, &self.head)?;
        let shown = self.head_rows + self.tail_rows;
        if self.total > shown {
            table.add_row(self.schema.fields().iter().map(|_| "…"));
        }
        let tail: Vec<RecordBatch> = self.tail.drain(..).collect();
        add(&mut table, &tail)?;
        for (i, f) in self.schema.fields().iter().enumerate() {
            if f.data_type().is_numeric()
                && let Some(col) = table.column_mut(i)
            {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(self.out, "{table}")?;
        let rows = if self.total == 1 { "1 row".to_owned() } else { format!("{} rows", self.total) };
        if self.total > shown {
            writeln!(self.out, "{rows} ({shown} shown; --max-rows 0 shows all, --format csv for data)")?;
        } else {
            writeln!(self.out, "{rows}")?;
        }
        Ok(self.out.flush()?)
    }
}
