//! Parquet through the `parquet` crate's Arrow writer and reader, set up
//! like `nanots export --parquet`: ZSTD level 3, statistics per page,
//! delta-encoded timestamps, row groups of as many rows as a NanoTS segment
//! holds at most (131,072 by default). The file is fsynced at close, as
//! NanoTS's is. A query keeps the row groups whose timestamp statistics
//! overlap the range, filters their rows, and sorts them by timestamp if
//! they were written out of order (NanoTS and SQLite return sorted rows).

use std::fs::File;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::builder::{ArrayBuilder, Float64Builder, Int64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{ArrayRef, RecordBatch};
use nanots::{Columns, NanoTsOptions};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::statistics::Statistics;
use parquet::schema::types::ColumnPath;

use crate::compare::data::{Arrival, Batch, COLUMNS, arrow_schema};
use crate::compare::{BATCH_ROWS, BenchResult, Ctx, Engine, Ingest, RangeRead};

/// Parquet files.
pub struct Parquet;

/// Rows per row group: the most a NanoTS segment holds.
pub fn row_group_rows() -> usize {
    NanoTsOptions::default().segment_max_rows
}

fn writer(ctx: &Ctx<'_>) -> BenchResult<ArrowWriter<File>> {
    let ts = ColumnPath::from("ts");
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(row_group_rows()))
        .set_column_dictionary_enabled(ts.clone(), false)
        .set_column_encoding(ts, Encoding::DELTA_BINARY_PACKED);
    if ctx.arrival == Arrival::InOrder {
        props = props.set_sorting_columns(Some(vec![SortingColumn {
            column_idx: 0,
            descending: false,
            nulls_first: false,
        }]));
    }
    Ok(ArrowWriter::try_new(File::create(ctx.path)?, arrow_schema(), Some(props.build()))?)
}

/// Writes the footer and fsyncs; `t` started at file creation.
fn close(w: ArrowWriter<File>, t: Instant) -> BenchResult<Ingest> {
    let append_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    w.into_inner()?.sync_all()?;
    Ok(Ingest { append_secs, close_secs: t.elapsed().as_secs_f64() })
}

impl Engine for Parquet {
    fn name(&self) -> &'static str {
        "parquet"
    }

    /// One row per call into Arrow builders, a record batch handed to the
    /// writer every row group: how a logger would feed Parquet row by row.
    fn ingest_rows(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let t = Instant::now();
        let mut w = writer(ctx)?;
        let schema = arrow_schema();
        let rg = row_group_rows();
        let mut ts = Int64Builder::with_capacity(rg);
        let mut cols: Vec<Float64Builder> = (0..4).map(|_| Float64Builder::with_capacity(rg)).collect();
        let mut flush = |ts: &mut Int64Builder, cols: &mut [Float64Builder]| -> BenchResult<()> {
            let mut arrays: Vec<ArrayRef> = vec![Arc::new(ts.finish())];
            arrays.extend(cols.iter_mut().map(|c| Arc::new(c.finish()) as ArrayRef));
            Ok(w.write(&RecordBatch::try_new(schema.clone(), arrays)?)?)
        };
        for (t, v) in ctx.rows() {
            ts.append_value(t);
            for (c, x) in cols.iter_mut().zip(v) {
                c.append_value(x);
            }
            if ts.len() == rg {
                flush(&mut ts, &mut cols)?;
            }
        }
        if !ts.is_empty() {
            flush(&mut ts, &mut cols)?;
        }
        close(w, t)
    }

    fn ingest_batches(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let t = Instant::now();
        let mut w = writer(ctx)?;
        let schema = arrow_schema();
        let mut rows = ctx.rows();
        let mut batch = Batch::default();
        while batch.fill(&mut rows, BATCH_ROWS) > 0 {
            w.write(&batch.take_record_batch(&schema)?)?;
        }
        close(w, t)
    }

    fn open(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        let file = File::open(ctx.path)?;
        let meta = ArrowReaderMetadata::load(&file, Default::default())?;
        Ok(Box::new(Reader { file, meta }))
    }
}

struct Reader {
    file: File,
    meta: ArrowReaderMetadata,
}

impl Reader {
    /// Row groups whose timestamp statistics overlap `[lo, hi]`.
    fn row_groups(&self, lo: i64, hi: i64) -> Vec<usize> {
        let md = self.meta.metadata();
        (0..md.num_row_groups())
            .filter(|&g| match md.row_group(g).column(0).statistics() {
                Some(Statistics::Int64(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(&min), Some(&max)) => max >= lo && min <= hi,
                    _ => true,
                },
                _ => true,
            })
            .collect()
    }
}

impl RangeRead for Reader {
    fn query(&mut self, lo: i64, hi: i64) -> BenchResult<Columns> {
        let groups = self.row_groups(lo, hi);
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(self.file.try_clone()?, self.meta.clone())
                .with_row_groups(groups)
                .with_batch_size(BATCH_ROWS)
                .build()?;
        let mut out = Columns::with_columns(4, 0);
        for b in reader {
            let b = b?;
            let ts = b.column(0).as_primitive::<Int64Type>().values();
            let vals: Vec<&[f64]> =
                (1..5).map(|c| &b.column(c).as_primitive::<Float64Type>().values()[..]).collect();
            if ts.iter().all(|t| (lo..=hi).contains(t)) {
                out.ts.extend_from_slice(ts);
                for (o, v) in out.columns.iter_mut().zip(&vals) {
                    o.extend_from_slice(v);
                }
            } else {
                for (i, t) in ts.iter().enumerate() {
                    if (lo..=hi).contains(t) {
                        out.ts.push(*t);
                        for (o, v) in out.columns.iter_mut().zip(&vals) {
                            o.push(v[i]);
                        }
                    }
                }
            }
        }
        if !out.ts.is_sorted() {
            let mut order: Vec<u32> = (0..out.ts.len() as u32).collect();
            order.sort_by_key(|&i| out.ts[i as usize]);
            out.ts = order.iter().map(|&i| out.ts[i as usize]).collect();
            for c in &mut out.columns {
                *c = order.iter().map(|&i| c[i as usize]).collect();
            }
        }
        Ok(out)
    }

    fn facts(&self) -> Vec<(String, f64)> {
        let md = self.meta.metadata();
        let rows = md.file_metadata().num_rows().max(1) as f64;
        let mut facts = vec![("row_groups".to_owned(), md.num_row_groups() as f64)];
        for (c, name) in std::iter::once("ts").chain(COLUMNS).enumerate() {
            let bytes: i64 = md.row_groups().iter().map(|g| g.column(c).compressed_size()).sum();
            facts.push((format!("bytes_per_row.{name}"), bytes as f64 / rows));
        }
        facts
    }
}
