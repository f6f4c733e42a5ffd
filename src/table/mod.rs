//! Tables: their schema (as stored in `Table` records) and the buffer of
//! rows appended since the last flush.

mod memtable;
pub mod records;

pub use memtable::{MemTable, stable_order};

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::format::bytes::{ByteReader, ByteWriter};
use crate::format::{MAX_COLUMNS, MAX_NAME_BYTES};
use crate::segment::SegmentMeta;

/// The implicit timestamp column's name; no value column may use it.
pub const TS_COLUMN: &str = "ts_ms";

/// A table's schema: the payload of a `Table` record, whose bytes are in
/// SPEC.md, section 3.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    pub id: u32,
    pub name: String,
    pub columns: Vec<String>,
}

impl TableDef {
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = ByteWriter::new(out);
        w.u32(self.id);
        w.str16(&self.name);
        w.u16(self.columns.len() as u16);
        for c in &self.columns {
            w.str16(c);
        }
    }

    pub fn decode(r: &mut ByteReader<'_>) -> Result<TableDef> {
        let at = r.offset();
        let id = r.u32()?;
        let name = r.str16()?.to_owned();
        let ncols = r.u16()? as usize;
        let mut columns = Vec::with_capacity(ncols);
        for _ in 0..ncols {
            columns.push(r.str16()?.to_owned());
        }
        let col_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
        validate_schema(&name, &col_refs)
            .map_err(|e| Error::corrupt(format!("table record at file offset {at}: {}", e.message())))?;
        Ok(TableDef { id, name, columns })
    }
}

/// Checks a table or column name: 1 to 255 UTF-8 bytes, no control
/// characters (NUL would truncate it on the C side).
pub fn validate_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid(format!("{what} name is empty")));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::invalid(format!(
            "{what} name {:?}... is {} bytes long; the limit is {MAX_NAME_BYTES}",
            name.chars().take(32).collect::<String>(),
            name.len()
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(format!("{what} name {name:?} contains a control character")));
    }
    Ok(())
}

/// Checks a whole schema: valid names, 1..=4096 distinct columns, none
/// named `ts_ms`.
pub fn validate_schema(table: &str, columns: &[&str]) -> Result<()> {
    validate_name("table", table)?;
    if columns.is_empty() {
        return Err(Error::invalid(format!("table {table:?} needs at least one value column")));
    }
    if columns.len() > MAX_COLUMNS {
        return Err(Error::invalid(format!(
            "table {table:?} has {} columns; the limit is {MAX_COLUMNS}",
            columns.len()
        )));
    }
    for (i, c) in columns.iter().enumerate() {
        validate_name("column", c)?;
        if *c == TS_COLUMN {
            return Err(Error::invalid(format!(
                "table {table:?}: column name {TS_COLUMN:?} is reserved for the implicit timestamp"
            )));
        }
        if columns[..i].contains(c) {
            return Err(Error::invalid(format!("table {table:?}: duplicate column name {c:?}")));
        }
    }
    Ok(())
}

/// A deleted time range of one table. It hides the rows in
/// `[start_ms, end_ms]` of every segment written before it (lower file
/// offset); rows appended after the delete are not affected. Compaction
/// applies it physically and drops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tombstone {
    /// File offset of the tombstone record.
    pub offset: u64,
    pub table_id: u32,
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Tombstone {
    /// Whether this tombstone hides any row of `seg`.
    pub fn hits(&self, seg: &SegmentMeta) -> bool {
        self.offset > seg.offset && self.start_ms <= seg.max_ts && self.end_ms >= seg.min_ts
    }

    /// Whether this tombstone hides every row of `seg`.
    pub fn covers(&self, seg: &SegmentMeta) -> bool {
        self.offset > seg.offset && self.start_ms <= seg.min_ts && self.end_ms >= seg.max_ts
    }
}

/// A table as the engine holds it: schema, flushed segments (file order,
/// which is append order), deletes, and unflushed rows.
#[derive(Debug)]
pub struct Table {
    pub def: Arc<TableDef>,
    /// Shared with running queries; replaced copy-on-write.
    pub segments: Arc<Vec<SegmentMeta>>,
    /// Deletes not yet applied by a compaction, in file order.
    pub tombstones: Arc<Vec<Tombstone>>,
    pub mem: MemTable,
}

impl Table {
    pub fn new(def: TableDef) -> Table {
        let ncols = def.columns.len();
        Table {
            def: Arc::new(def),
            segments: Arc::new(Vec::new()),
            tombstones: Arc::new(Vec::new()),
            mem: MemTable::new(ncols),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_rules() {
        assert!(validate_schema("t", &["a", "b"]).is_ok());
        for (t, cols) in [
            ("", vec!["a"]),
            ("t", vec![]),
            ("t", vec!["a", "a"]),
            ("t", vec![""]),
            ("t", vec!["ts_ms"]),
            ("t\0x", vec!["a"]),
        ] {
            assert_eq!(
                validate_schema(t, &cols).unwrap_err().kind(),
                crate::ErrorKind::InvalidArgument,
                "{t:?} {cols:?}"
            );
        }
        let long = "x".repeat(256);
        assert!(validate_schema(&long, &["a"]).is_err());
        assert!(validate_schema("t", &[long.as_str()]).is_err());
    }

    #[test]
    fn table_def_round_trip() {
        let d = TableDef { id: 7, name: "温度".into(), columns: vec!["a".into(), "b c".into()] };
        let mut buf = Vec::new();
        d.encode(&mut buf);
        let mut r = ByteReader::new(&buf, 0, "t");
        assert_eq!(TableDef::decode(&mut r).unwrap(), d);
        r.finish().unwrap();
    }
}
