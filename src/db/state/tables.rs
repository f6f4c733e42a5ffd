//! Changes to the tables: create one, append rows (to the WAL and the
//! buffers), delete a time range, drop one, merge its small trailing
//! segments. Each change to the file is one transaction (`txn.rs`).

use std::sync::Arc;

use super::State;
use crate::codec::Level;
use crate::error::{Error, ErrorKind, Result};
use crate::format::record::{RecordType, frame};
use crate::segment::write_segment_records;
use crate::table::records::{encode_drop_table, encode_supersede, encode_tombstone};
use crate::table::{Table, TableDef, Tombstone, validate_schema};

impl State {
    /// Creates a table, or does nothing if one with the same columns exists.
    pub fn create_table(&mut self, name: &str, columns: &[&str]) -> Result<()> {
        validate_schema(name, columns)?;
        if let Some(&id) = self.by_name.get(name) {
            let def = &self.tables[&id].def;
            if def.columns.iter().map(String::as_str).eq(columns.iter().copied()) {
                return Ok(());
            }
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!("table {name:?} already exists with columns {:?}", def.columns),
            ));
        }
        check_fits_record_cap(name, columns.len(), self.max_record_size)?;
        self.transact(false, |st| {
            let def = TableDef {
                id: st.next_table_id,
                name: name.to_owned(),
                columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            };
            let mut payload = Vec::new();
            def.encode(&mut payload);
            let mut rec = Vec::new();
            frame(&mut rec, RecordType::Table, &payload, st.max_record_size)?;
            st.write_records(&rec)?;
            st.next_table_id += 1;
            st.by_name.insert(def.name.clone(), def.id);
            st.tables.insert(def.id, Table::new(def));
            Ok(())
        })
    }

    /// `table_id` and column count for the append path, remembering the
    /// last table so a stream of appends to one table skips hashing its
    /// name and looking up its schema.
    fn append_table(&mut self, name: &str) -> Result<(u32, usize)> {
        if let Some((last, id, ncols)) = &self.last_table
            && last == name
        {
            return Ok((*id, *ncols));
        }
        let id = self.table_id(name)?;
        let ncols = self.tables[&id].def.columns.len();
        self.last_table = Some((name.to_owned(), id, ncols));
        Ok((id, ncols))
    }

    /// Logs one row to the WAL and buffers it (8 bytes per timestamp and
    /// per value count towards the auto-flush threshold).
    pub fn append_row(&mut self, table: &str, ts_ms: i64, values: &[f64]) -> Result<()> {
        let (id, ncols) = self.append_table(table)?;
        if values.len() != ncols {
            return Err(ncols_error(&self.tables[&id].def, values.len()));
        }
        self.write(|st| {
            st.wal_for_append()?.append_row(id, ts_ms, values)?;
            let t = st.tables.get_mut(&id).expect("id from by_name");
            t.mem.push_row(ts_ms, values);
            st.mem_bytes += 8 * (1 + values.len());
            Ok(())
        })
    }

    /// Logs rows given column by column to the WAL and buffers them; all
    /// or nothing with respect to validation.
    pub fn append_rows(&mut self, table: &str, ts_ms: &[i64], columns: &[&[f64]]) -> Result<()> {
        let (id, ncols) = self.append_table(table)?;
        if columns.len() != ncols {
            return Err(ncols_error(&self.tables[&id].def, columns.len()));
        }
        if let Some((i, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != ts_ms.len()) {
            return Err(Error::new(
                ErrorKind::SchemaMismatch,
                format!(
                    "table {table:?}: column {:?} has {} values for {} timestamps",
                    self.tables[&id].def.columns[i],
                    c.len(),
                    ts_ms.len()
                ),
            ));
        }
        if ts_ms.is_empty() {
            return Ok(());
        }
        self.write(|st| {
            st.wal_for_append()?.append_rows(id, ts_ms, columns)?;
            let t = st.tables.get_mut(&id).expect("id from by_name");
            t.mem.push_rows(ts_ms, columns);
            st.mem_bytes += 8 * ts_ms.len() * (1 + columns.len());
            Ok(())
        })
    }

    /// Hides the rows of `table` in `[start_ms, end_ms]` (inclusive) that
    /// exist now; rows appended later are not affected. Buffered rows are
    /// flushed first so the tombstone follows every row it hides.
    pub fn delete_range(&mut self, table: &str, start_ms: i64, end_ms: i64) -> Result<()> {
        if start_ms > end_ms {
            return Err(Error::invalid(format!("delete range start {start_ms} is after its end {end_ms}")));
        }
        let id = self.table_id(table)?;
        self.write(|st| {
            st.flush_inner(false)?;
            st.transact(false, |st| {
                let mut t = Tombstone { offset: st.end, table_id: id, start_ms, end_ms };
                let mut payload = Vec::new();
                encode_tombstone(&t, &mut payload);
                let mut rec = Vec::new();
                frame(&mut rec, RecordType::Tombstone, &payload, st.max_record_size)?;
                t.offset = st.write_records(&rec)?;
                let table = st.tables.get_mut(&id).expect("id from by_name");
                Arc::make_mut(&mut table.tombstones).push(t);
                Ok(())
            })
        })
    }

    /// Drops `table`: its rows disappear at once, its space comes back at the
    /// next compaction, and its name is free again.
    pub fn drop_table(&mut self, table: &str) -> Result<()> {
        let id = self.table_id(table)?;
        self.write(|st| {
            st.flush_inner(false)?;
            st.transact(false, |st| {
                let mut payload = Vec::new();
                encode_drop_table(id, &mut payload);
                let mut rec = Vec::new();
                frame(&mut rec, RecordType::DropTable, &payload, st.max_record_size)?;
                st.write_records(&rec)?;
                let t = st.tables.remove(&id).expect("id from by_name");
                st.by_name.remove(&t.def.name);
                st.last_table = None;
                st.garbage = true;
                Ok(())
            })
        })
    }

    /// Merges the trailing run of small segments of `table` (fewer than
    /// `small_rows` rows each, at least `min_segments` of them) into
    /// segments of up to `target_rows` rows appended at the end of the file,
    /// and retires the old ones with a `Supersede` record in the same
    /// transaction. Only a *trailing* run is merged, so the merged rows keep
    /// their place in append order. Returns whether it merged anything.
    /// Cost: the merged rows only; the space of the old segments comes back
    /// at the next compaction.
    pub fn merge_tail(
        &mut self,
        table: &str,
        small_rows: usize,
        target_rows: usize,
        min_segments: usize,
    ) -> Result<bool> {
        let id = self.table_id(table)?;
        // No flush first: buffered rows come after every segment in append
        // order, before and after the merge alike.
        let t = &self.tables[&id];
        let k = t.segments.iter().rev().take_while(|s| (s.rows as usize) < small_rows).count();
        if k < min_segments.max(2) {
            return Ok(false);
        }
        // With time partitions, the merged rows are cut again at every
        // partition edge: a tail whose segments lie in k different
        // partitions would be rewritten into k segments, over and over.
        // The partitions its segments touch are a lower bound on what a
        // merge writes; merge only if that is fewer than k.
        if let Some(p) = self.opts.segment_partition_ms {
            let tail = &t.segments[t.segments.len() - k..];
            let parts: std::collections::BTreeSet<i64> =
                tail.iter().flat_map(|s| [s.min_ts.div_euclid(p), s.max_ts.div_euclid(p)]).collect();
            if parts.len() >= k {
                return Ok(false);
            }
        }
        self.transact(false, |st| {
            let t = &st.tables[&id];
            let tail = t.segments[t.segments.len() - k..].to_vec();
            let snap = crate::query::Snapshot {
                table: t.def.name.clone(),
                columns: t.def.columns.clone(),
                map: st.map.clone(),
                segments: Arc::new(tail.clone()),
                tombstones: t.tombstones.clone(),
                mem: crate::query::Columns::with_columns(t.def.columns.len(), 0),
            };
            let rows = crate::query::RangeReader::new(snap, i64::MIN, i64::MAX).read_all()?;
            let cols: Vec<&[f64]> = rows.columns.iter().map(Vec::as_slice).collect();
            let cap = st.max_record_size;
            let limits = st.segment_limits(target_rows);
            let metas =
                write_segment_records(id, &rows.ts, &cols, limits, Level::Cold, |r| st.write_records(r))?;
            let offsets: Vec<u64> = tail.iter().map(|s| s.offset).collect();
            let mut payload = Vec::new();
            encode_supersede(id, &offsets, &mut payload);
            let mut rec = Vec::new();
            frame(&mut rec, RecordType::Supersede, &payload, cap)?;
            st.write_records(&rec)?;
            let segs = Arc::make_mut(&mut st.tables.get_mut(&id).expect("id from by_name").segments);
            segs.truncate(segs.len() - k);
            segs.extend(metas);
            st.garbage = true;
            Ok(true)
        })
    }
}

/// The error for `got` values given to a table of another column count.
fn ncols_error(def: &TableDef, got: usize) -> Error {
    Error::new(
        ErrorKind::SchemaMismatch,
        format!("table {:?} has {} columns {:?}, got {got} values", def.name, def.columns.len(), def.columns),
    )
}

/// Refuses a table one of whose rows could not be written under the record
/// cap (as a WAL frame or as a one-row segment), so a flush can never be
/// stuck on it.
pub(crate) fn check_fits_record_cap(name: &str, ncols: usize, cap: u32) -> Result<()> {
    // One row, plain-coded: the segment header, 8 bytes of timestamp and 8
    // per value (every value codec is at most plain for one row).
    let one_row = crate::segment::header_len(ncols) + 8 + 8 * ncols;
    if one_row > cap as usize {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "table {name:?}: a row of {ncols} columns needs a {one_row} byte segment, above the record size cap of {cap} bytes"
            ),
        ));
    }
    Ok(())
}
