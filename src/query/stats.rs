//! Storage statistics: how a table's rows are stored and how well they
//! compress. Read from segment headers only; nothing is decoded.

use super::{Snapshot, open_segment};
use crate::codec;
use crate::error::Result;
use crate::format::record::RECORD_HEADER_LEN;
use crate::table::TS_COLUMN;

/// How often one codec was chosen for a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecUse {
    /// The codec's stable on-disk id (see SPEC.md).
    pub codec_id: u8,
    /// Its name, e.g. `"gorilla"`.
    pub name: &'static str,
    /// Segments whose chunk of this column uses it.
    pub segments: u64,
}

/// Storage of one column (or of the timestamps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnStorage {
    /// The column's name ([`crate::TS_COLUMN`] for the timestamps).
    pub name: String,
    /// Encoded bytes of this column's chunks in flushed segments.
    pub bytes_on_disk: u64,
    /// 8 bytes per flushed value.
    pub raw_bytes: u64,
    /// Codecs in use, most used first (ties: lower codec id first).
    pub codecs: Vec<CodecUse>,
}

/// Storage statistics of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableStats {
    /// The table's name.
    pub table: String,
    /// Flushed rows plus buffered rows.
    pub rows: u64,
    /// Rows in segments.
    pub flushed_rows: u64,
    /// Rows appended but not yet flushed (in the WAL and memory).
    pub buffered_rows: u64,
    /// Segments holding its flushed rows.
    pub segments: u64,
    /// Bytes of this table's segment records in the file, framing and
    /// headers included.
    pub bytes_on_disk: u64,
    /// 8 bytes per flushed timestamp and per flushed value.
    pub raw_bytes: u64,
    /// How the timestamps are stored.
    pub timestamps: ColumnStorage,
    /// How each value column is stored, in the table's column order.
    pub columns: Vec<ColumnStorage>,
}

impl TableStats {
    /// `raw_bytes / bytes_on_disk` (0 when nothing is flushed).
    pub fn compression_ratio(&self) -> f64 {
        if self.bytes_on_disk == 0 { 0.0 } else { self.raw_bytes as f64 / self.bytes_on_disk as f64 }
    }

    /// The storage of the column named `name`: [`crate::TS_COLUMN`] gives
    /// the timestamps, any other name a value column. `None` if the table
    /// has no such column.
    pub fn column(&self, name: &str) -> Option<&ColumnStorage> {
        if name == TS_COLUMN { Some(&self.timestamps) } else { self.columns.iter().find(|c| c.name == name) }
    }
}

fn count(codecs: &mut Vec<CodecUse>, id: u8) {
    match codecs.iter_mut().find(|c| c.codec_id == id) {
        Some(c) => c.segments += 1,
        None => codecs.push(CodecUse { codec_id: id, name: codec::codec_name(id), segments: 1 }),
    }
}

/// Computes the statistics of the table in `snap` (whose `mem` holds all
/// of its buffered rows).
pub fn table_stats(snap: &Snapshot) -> Result<TableStats> {
    let storage = |name: &str| ColumnStorage {
        name: name.to_owned(),
        bytes_on_disk: 0,
        raw_bytes: 0,
        codecs: Vec::new(),
    };
    let mut st = TableStats {
        table: snap.table.clone(),
        rows: 0,
        flushed_rows: 0,
        buffered_rows: snap.mem.len() as u64,
        segments: snap.segments.len() as u64,
        bytes_on_disk: 0,
        raw_bytes: 0,
        timestamps: storage(TS_COLUMN),
        columns: snap.columns.iter().map(|c| storage(c)).collect(),
    };
    for meta in snap.segments.iter() {
        let view = open_segment(&snap.map, meta, false)?;
        let rows = view.rows as u64;
        st.flushed_rows += rows;
        st.bytes_on_disk += RECORD_HEADER_LEN as u64 + meta.payload_len as u64;
        st.timestamps.bytes_on_disk += view.ts_bytes() as u64;
        st.timestamps.raw_bytes += 8 * rows;
        count(&mut st.timestamps.codecs, view.ts_codec());
        for (c, col) in st.columns.iter_mut().enumerate() {
            let s = view.column_stats(c);
            col.bytes_on_disk += s.byte_len as u64;
            col.raw_bytes += 8 * rows;
            count(&mut col.codecs, s.codec);
        }
    }
    st.rows = st.flushed_rows + st.buffered_rows;
    st.raw_bytes = st.timestamps.raw_bytes + st.columns.iter().map(|c| c.raw_bytes).sum::<u64>();
    for c in std::iter::once(&mut st.timestamps).chain(st.columns.iter_mut()) {
        c.codecs.sort_by(|a, b| b.segments.cmp(&a.segments).then(a.codec_id.cmp(&b.codec_id)));
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(name: &str, bytes_on_disk: u64) -> ColumnStorage {
        ColumnStorage { name: name.to_owned(), bytes_on_disk, raw_bytes: 0, codecs: Vec::new() }
    }

    #[test]
    fn column_finds_the_timestamps_by_their_name_and_value_columns_by_theirs() {
        let st = TableStats {
            table: "t".to_owned(),
            rows: 0,
            flushed_rows: 0,
            buffered_rows: 0,
            segments: 0,
            bytes_on_disk: 0,
            raw_bytes: 0,
            timestamps: storage(TS_COLUMN, 1),
            columns: vec![storage("a", 2), storage("b", 3)],
        };
        assert_eq!(st.column("ts_ms").map(|c| c.bytes_on_disk), Some(1));
        assert_eq!(st.column("a").map(|c| c.bytes_on_disk), Some(2));
        assert_eq!(st.column("b").map(|c| c.bytes_on_disk), Some(3));
        assert_eq!(st.column("c"), None);
        assert_eq!(st.column(""), None);
    }
}
