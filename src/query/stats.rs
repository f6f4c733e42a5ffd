//! Storage statistics: how a table's rows are stored and how well they
//! compress. Answered from the index and a [`StorageIndex`] of what each
//! segment's header says about its chunks (codec and bytes per column),
//! which reads each header once, with `pread`, the first time a segment is
//! asked about: no payload is read or decoded, and no page of the file
//! stays resident.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::{SegmentReads, Snapshot};
use crate::codec;
use crate::error::Result;
use crate::format::record::RECORD_HEADER_LEN;
use crate::segment::SegmentView;
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

/// One chunk of a segment as its header describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChunkUse {
    bytes: u32,
    codec: u8,
}

/// What the storage statistics need of each segment, kept per table and
/// per segment (by file offset) once read: for a segment of `c` value
/// columns, `8 × (c + 1)` bytes of chunks (timestamps first) plus about 40
/// bytes of map entry and allocation, so about 64 bytes for a two-column
/// table, next to the 40 bytes of its index entry.
///
/// One belongs to one file: a rewrite, which writes another file whose
/// offsets mean other segments, starts a new one. Within a file, records
/// are never rewritten, so an entry stays true for as long as its segment
/// is live; entries of segments no longer live (merged, dropped) are
/// removed at the next statistics call of their table (of any table, for a
/// dropped one).
#[derive(Debug, Default)]
pub struct StorageIndex {
    tables: HashMap<u32, HashMap<u64, Box<[ChunkUse]>>>,
}

#[cfg(test)]
impl StorageIndex {
    /// Segments this index describes.
    fn segments(&self) -> usize {
        self.tables.values().map(HashMap::len).sum()
    }
}

/// Computes the statistics of table `table_id`, whose flushed segments are
/// `snap`'s and which has `buffered_rows` rows not yet flushed, with what
/// `index` knows of its segments, reading (and keeping) the headers of
/// those it does not. `live_tables` are the ids of every live table: the
/// entries of the others are dropped.
pub fn table_stats(
    snap: &Snapshot,
    buffered_rows: u64,
    table_id: u32,
    index: &Mutex<StorageIndex>,
    live_tables: &[u32],
) -> Result<TableStats> {
    // Entries are inserted whole, so a panic elsewhere while the lock was
    // held cannot leave one half-written: a poisoned lock is still usable.
    let mut index = index.lock().unwrap_or_else(|e| e.into_inner());
    index.tables.retain(|id, _| live_tables.contains(id));
    let chunks = index.tables.entry(table_id).or_default();
    let ncols = snap.columns.len();
    let mut reads = SegmentReads::default();
    for meta in snap.segments.iter() {
        if chunks.contains_key(&meta.offset) {
            continue;
        }
        let view = reads.header(&snap.map, meta, ncols)?;
        chunks.insert(meta.offset, chunk_uses(&view));
    }
    // Every live segment has its entry now: any more are of segments no
    // longer live.
    if chunks.len() > snap.segments.len() {
        let live: HashSet<u64> = snap.segments.iter().map(|s| s.offset).collect();
        chunks.retain(|o, _| live.contains(o));
    }
    Ok(from_chunks(snap, buffered_rows, |offset| &chunks[&offset]))
}

/// What a segment's chunks use: bytes and codec of its timestamps and of
/// each column. In the blocked layout the bytes add up over the blocks and
/// the codec is the one of the most bytes (SPEC.md 8.3).
fn chunk_uses(view: &SegmentView<'_>) -> Box<[ChunkUse]> {
    let blocks = view.blocks();
    let ts =
        dominant(blocks.iter().enumerate().map(|(b, blk)| (view.block_ts_codec(b), blk.ts_bytes() as u32)));
    let cols = (0..view.ncols()).map(|c| {
        let mut u = dominant((0..blocks.len()).map(|b| {
            let s = view.block_column_stats(b, c);
            (s.codec, s.byte_len)
        }));
        // A shared dictionary's bytes count with its column's.
        u.bytes = u.bytes.saturating_add(view.prelude_len(c) as u32);
        u
    });
    std::iter::once(ts).chain(cols).collect()
}

/// Total bytes of `(codec, bytes)` chunks, named by the codec of the most
/// bytes (ties: the first).
fn dominant(chunks: impl Iterator<Item = (u8, u32)>) -> ChunkUse {
    let mut per_codec: Vec<(u8, u64)> = Vec::new();
    for (codec, bytes) in chunks {
        match per_codec.iter_mut().find(|(c, _)| *c == codec) {
            Some((_, b)) => *b += u64::from(bytes),
            None => per_codec.push((codec, u64::from(bytes))),
        }
    }
    let total: u64 = per_codec.iter().map(|(_, b)| b).sum();
    let codec = per_codec.iter().fold((0u8, 0u64), |best, &(c, b)| if b > best.1 { (c, b) } else { best }).0;
    let codec = if total == 0 { per_codec.first().map_or(0, |p| p.0) } else { codec };
    ChunkUse { bytes: u32::try_from(total).unwrap_or(u32::MAX), codec }
}

/// The statistics of `snap`'s table, given its buffered rows and each
/// segment's chunks (by its file offset).
fn from_chunks<'c>(
    snap: &Snapshot,
    buffered_rows: u64,
    chunks_of: impl Fn(u64) -> &'c [ChunkUse],
) -> TableStats {
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
        buffered_rows,
        segments: snap.segments.len() as u64,
        bytes_on_disk: 0,
        raw_bytes: 0,
        timestamps: storage(TS_COLUMN),
        columns: snap.columns.iter().map(|c| storage(c)).collect(),
    };
    for meta in snap.segments.iter() {
        let rows = meta.rows as u64;
        st.flushed_rows += rows;
        st.bytes_on_disk += RECORD_HEADER_LEN as u64 + meta.payload_len as u64;
        let chunks = chunks_of(meta.offset);
        for (storage, chunk) in std::iter::once(&mut st.timestamps).chain(st.columns.iter_mut()).zip(chunks) {
            storage.bytes_on_disk += chunk.bytes as u64;
            storage.raw_bytes += 8 * rows;
            count(&mut storage.codecs, chunk.codec);
        }
    }
    st.rows = st.flushed_rows + st.buffered_rows;
    st.raw_bytes = st.timestamps.raw_bytes + st.columns.iter().map(|c| c.raw_bytes).sum::<u64>();
    for c in std::iter::once(&mut st.timestamps).chain(st.columns.iter_mut()) {
        c.codecs.sort_by(|a, b| b.segments.cmp(&a.segments).then(a.codec_id.cmp(&b.codec_id)));
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{SegmentMeta, SegmentView};

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

    /// Two segments of table 1 (columns a, b) written at offsets 0 and
    /// after it in a file of their own, with their index entries.
    fn two_segments(dir: &std::path::Path) -> (crate::io::DbFile, Vec<SegmentMeta>, Vec<Vec<u8>>) {
        use crate::format::record::{RecordType, frame};
        let file = crate::io::DbFile::create_locked(&dir.join("s.ntt")).unwrap();
        let (mut bytes, mut metas, mut payloads) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..2i64 {
            let ts: Vec<i64> = (0..1000).map(|i| k * 1000 + i).collect();
            let a = vec![k as f64; 1000];
            let b: Vec<f64> = (0..1000).map(|i| ((i * 7919 + k) % 1009) as f64 / 8.0).collect();
            let mut payload = Vec::new();
            crate::segment::encode_segment(1, &ts, &[&a, &b], crate::codec::Level::Hot, &mut payload);
            let offset = bytes.len() as u64;
            frame(&mut bytes, RecordType::Segment, &payload, u32::MAX).unwrap();
            metas.push(SegmentMeta {
                offset,
                payload_len: payload.len() as u32,
                table_id: 1,
                rows: 1000,
                min_ts: ts[0],
                max_ts: ts[999],
            });
            payloads.push(payload);
        }
        file.write_at(&bytes, 0).unwrap();
        (file, metas, payloads)
    }

    fn snapshot(map: std::sync::Arc<crate::io::FileView>, segments: &[SegmentMeta]) -> Snapshot {
        Snapshot {
            table: "t".to_owned(),
            columns: vec!["a".to_owned(), "b".to_owned()],
            map,
            segments: std::sync::Arc::new(segments.to_vec()),
            tombstones: Default::default(),
            mem: Default::default(),
        }
    }

    #[test]
    fn headers_are_read_once_and_entries_of_dead_segments_and_tables_go() {
        let dir = tempfile::tempdir().unwrap();
        let (file, metas, payloads) = two_segments(dir.path());
        let index = Mutex::new(StorageIndex::default());
        let st = table_stats(&snapshot(file.map().unwrap(), &metas), 5, 1, &index, &[1]).unwrap();

        // What the headers say, summed by hand.
        let views: Vec<_> =
            payloads.iter().zip(&metas).map(|(p, m)| SegmentView::parse(p, m.offset).unwrap()).collect();
        assert_eq!((st.rows, st.flushed_rows, st.buffered_rows, st.segments), (2005, 2000, 5, 2));
        assert_eq!(st.bytes_on_disk, payloads.iter().map(|p| 12 + p.len() as u64).sum::<u64>());
        assert_eq!(st.raw_bytes, 2000 * 8 * 3);
        assert_eq!(st.timestamps.bytes_on_disk, views.iter().map(|v| v.ts_bytes() as u64).sum::<u64>());
        for c in 0..2 {
            let col = &st.columns[c];
            assert_eq!(
                col.bytes_on_disk,
                views.iter().map(|v| v.column_stats(c).byte_len as u64).sum::<u64>()
            );
            assert_eq!(col.raw_bytes, 2000 * 8);
            assert_eq!(col.codecs.iter().map(|u| u.segments).sum::<u64>(), 2);
            for v in &views {
                assert!(col.codecs.iter().any(|u| u.codec_id == v.column_stats(c).codec));
            }
        }
        assert_eq!(index.lock().unwrap().segments(), 2);

        // A view of the file's first byte only: any header read now fails,
        // so a second call that succeeds read none.
        let short = file.map_len(Some(1)).unwrap();
        assert_eq!(table_stats(&snapshot(short.clone(), &metas), 5, 1, &index, &[1]).unwrap(), st);
        let err = table_stats(&snapshot(short.clone(), &metas), 0, 2, &index, &[1, 2]).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Corrupt, "{err}");

        // The first segment merged away: its entry goes, the rest stays.
        let st1 = table_stats(&snapshot(short.clone(), &metas[1..]), 0, 1, &index, &[1]).unwrap();
        assert_eq!((st1.flushed_rows, st1.segments), (1000, 1));
        assert_eq!(st1.timestamps.bytes_on_disk, views[1].ts_bytes() as u64);
        assert_eq!(index.lock().unwrap().segments(), 1);

        // Table 1 dropped: the next call, of any table, forgets it.
        let st3 = table_stats(&snapshot(short, &[]), 0, 3, &index, &[3]).unwrap();
        assert_eq!((st3.rows, st3.segments, st3.bytes_on_disk), (0, 0, 0));
        assert_eq!(index.lock().unwrap().segments(), 0);
    }
}
