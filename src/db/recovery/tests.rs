//! `scan`, `salvage_scan` and `load` on crafted byte sequences: which
//! transactions are kept, where the file is cut, and what is reported.

use super::*;
use crate::codec::Level;
use crate::format::header::{Layout, Slot};
use crate::format::record::frame;
use crate::segment::encode_segment;

const CAP: u32 = 1 << 20;

/// The header layout of the images (this library's format, [`header`]).
const LAYOUT: Layout = crate::format::header::COMPACT;
const DATA_START: u64 = LAYOUT.data_start;

/// A file image: the header bytes (`scan` never reads them), then records.
struct Image {
    bytes: Vec<u8>,
}

impl Image {
    fn new() -> Image {
        Image { bytes: vec![0; DATA_START as usize] }
    }

    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Appends one framed record; returns its offset.
    fn record(&mut self, kind: RecordType, payload: &[u8]) -> u64 {
        let at = self.len();
        frame(&mut self.bytes, kind, payload, CAP).unwrap();
        at
    }

    /// A `Table` record of a one-column table; returns its offset.
    fn table(&mut self, id: u32, name: &str) -> u64 {
        let mut p = Vec::new();
        TableDef { id, name: name.into(), columns: vec!["v".into()] }.encode(&mut p);
        self.record(RecordType::Table, &p)
    }

    fn commit(&mut self, seq: u64) -> u64 {
        let mut p = Vec::new();
        CommitInfo { seq, flushed_wal_epoch: seq }.encode(&mut p);
        self.record(RecordType::Commit, &p)
    }

    /// A transaction creating table `id` named `name`, committed as `seq`;
    /// returns (offset of its table record, end of the transaction).
    fn txn(&mut self, id: u32, name: &str, seq: u64) -> (u64, u64) {
        let at = self.table(id, name);
        self.commit(seq);
        (at, self.len())
    }

    /// Flips a bit of the last payload byte of the record at `at`, so its
    /// CRC fails while its framing still parses.
    fn break_crc(&mut self, at: u64) {
        let rec = parse_header(&self.bytes, at).unwrap();
        self.bytes[rec.end() as usize - 1] ^= 1;
    }

    /// The header bytes with `slot` in slot A.
    fn head_with(&self, slot: Slot) -> Vec<u8> {
        let mut head = self.bytes[..DATA_START as usize].to_vec();
        let at = LAYOUT.slot_offsets[0] as usize;
        head[at..at + LAYOUT.slot_len].copy_from_slice(&slot.encode(LAYOUT));
        head
    }
}

fn run_scan(map: &[u8], trusted_end: u64, tail: Tail) -> (Result<u64>, Loader) {
    let mut loader = Loader::default();
    let r = scan(map, DATA_START, trusted_end, tail, &mut loader);
    (r, loader)
}

fn names(loader: &Loader) -> Vec<&str> {
    loader.tables.values().map(|t| t.name.as_str()).collect()
}

fn header() -> FileHeader {
    let h = FileHeader { version: crate::format::FORMAT_VERSION, db_id: 1, created_ms: 0 };
    assert_eq!(h.layout(), LAYOUT);
    h
}

#[test]
fn empty_data_region() {
    let img = Image::new();
    for (trusted_end, tail) in [(DATA_START, Tail::Synced), (DATA_START, Tail::Unsynced)] {
        let (r, loader) = run_scan(&img.bytes, trusted_end, tail);
        assert_eq!(r.unwrap(), DATA_START);
        assert!(loader.tables.is_empty());
        assert_eq!(loader.commit, CommitInfo::default());
        assert_eq!(loader.records_since_checkpoint, 0);
    }
}

#[test]
fn one_valid_transaction_trusted_or_not() {
    let mut img = Image::new();
    let (_, end) = img.txn(1, "a", 1);
    // Past the trusted end (verified in full), and inside it.
    for trusted_end in [DATA_START, end] {
        let (r, loader) = run_scan(&img.bytes, trusted_end, Tail::Synced);
        assert_eq!(r.unwrap(), end);
        assert_eq!(names(&loader), ["a"]);
        assert_eq!(loader.commit, CommitInfo { seq: 1, flushed_wal_epoch: 1 });
        assert_eq!(loader.next_table_id, 2);
        assert_eq!(loader.records_since_checkpoint, 2);
    }
}

#[test]
fn transaction_without_its_commit_is_cut() {
    let mut img = Image::new();
    let (_, end1) = img.txn(1, "a", 1);
    img.table(2, "b");
    for tail in [Tail::Synced, Tail::Unsynced] {
        let (r, loader) = run_scan(&img.bytes, DATA_START, tail);
        assert_eq!(r.unwrap(), end1, "the uncommitted table record is cut");
        assert_eq!(names(&loader), ["a"]);
        assert_eq!(loader.commit.seq, 1);
    }
    // A slot claiming the uncommitted record was committed: damage.
    let len = img.len();
    let e = run_scan(&img.bytes, len, Tail::Synced).0.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(e.message(), format!("committed region ends inside a transaction at file offset {len}"));
}

#[test]
fn bad_checksum_in_the_middle() {
    let mut img = Image::new();
    let (_, end1) = img.txn(1, "a", 1);
    let (bad, _) = img.txn(2, "b", 2);
    let (_, end3) = img.txn(3, "c", 3);
    img.break_crc(bad);

    // Synced: the later transaction was committed after an fsync of this
    // one, so this one cannot be torn.
    let e = run_scan(&img.bytes, DATA_START, Tail::Synced).0.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(
        e.message(),
        format!(
            "Table record at file offset {bad} fails its CRC32 check (a later transaction was committed after it, so this is damage, not a torn write)"
        )
    );

    // Unsynced: pages reached the disk in any order; cut at the first
    // transaction that does not verify, dropping the good one after it.
    let (r, loader) = run_scan(&img.bytes, DATA_START, Tail::Unsynced);
    assert_eq!(r.unwrap(), end1);
    assert_eq!(names(&loader), ["a"]);
    assert_eq!(loader.commit.seq, 1);

    // Inside the trusted (slot-published) region every record must verify.
    let e = run_scan(&img.bytes, end3, Tail::Synced).0.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(e.message(), format!("Table record at file offset {bad} fails its CRC32 check"));
}

#[test]
fn bad_checksum_in_the_last_transaction_is_a_torn_tail() {
    let mut img = Image::new();
    let (_, end1) = img.txn(1, "a", 1);
    let (bad, _) = img.txn(2, "b", 2);
    img.break_crc(bad);
    let (r, loader) = run_scan(&img.bytes, DATA_START, Tail::Synced);
    assert_eq!(r.unwrap(), end1);
    assert_eq!(names(&loader), ["a"]);
    assert_eq!(loader.commit.seq, 1);

    // Followed by anything, even records never committed, the bad
    // transaction was not the last one written: in the synced modes a
    // transaction's records are written only after the previous one's
    // commit was fsynced, so it was durable and is damaged.
    img.table(3, "c");
    let e = run_scan(&img.bytes, DATA_START, Tail::Synced).0.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(e.message().starts_with(&format!("Table record at file offset {bad} fails its CRC32 check (")));
    let (r, _) = run_scan(&img.bytes, DATA_START, Tail::Unsynced);
    assert_eq!(r.unwrap(), end1);
}

#[test]
fn length_field_pointing_past_eof() {
    let mut img = Image::new();
    let (_, end1) = img.txn(1, "a", 1);
    // A record header claiming a 1 MiB payload, then only 20 bytes of it.
    let mut head = Vec::new();
    frame(&mut head, RecordType::Table, &[7u8; 20], CAP).unwrap();
    head[..4].copy_from_slice(&(1u32 << 20).to_le_bytes());
    img.bytes.extend_from_slice(&head);

    for tail in [Tail::Synced, Tail::Unsynced] {
        let (r, loader) = run_scan(&img.bytes, DATA_START, tail);
        assert_eq!(r.unwrap(), end1);
        assert_eq!(names(&loader), ["a"]);
    }
    // In the trusted region, the same bytes are damage, named by offset.
    let len = img.len();
    let e = run_scan(&img.bytes, len, Tail::Synced).0.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(e.message(), format!("record at file offset {end1} is unreadable: Truncated"));
}

#[test]
fn committed_end_inside_a_record() {
    let mut img = Image::new();
    let (_, end1) = img.txn(1, "a", 1);
    img.txn(2, "b", 2);
    let e = run_scan(&img.bytes, end1 + 1, Tail::Synced).0.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(
        e.message(),
        format!("record at file offset {end1} is unreadable: \"crosses the committed end\"")
    );
}

#[test]
fn trailing_zeroes() {
    let mut img = Image::new();
    let (_, end1) = img.txn(1, "a", 1);
    img.bytes.resize(img.bytes.len() + 4096, 0);
    for tail in [Tail::Synced, Tail::Unsynced] {
        let (r, loader) = run_scan(&img.bytes, DATA_START, tail);
        assert_eq!(r.unwrap(), end1, "the zeroes are cut");
        assert_eq!(names(&loader), ["a"]);
    }
    let len = img.len();
    let e = run_scan(&img.bytes, len, Tail::Synced).0.unwrap_err();
    assert_eq!(
        e.message(),
        format!("record at file offset {end1} is unreadable: BadHeader(\"unknown record type 0\")")
    );
}

#[test]
fn segment_payloads_are_checked_only_past_the_trusted_end() {
    let mut img = Image::new();
    img.table(1, "a");
    let mut payload = Vec::new();
    encode_segment(1, &[10, 20, 30], &[&[1.0, 2.0, 3.0]], Level::Hot, &mut payload);
    let seg = img.record(RecordType::Segment, &payload);
    img.commit(1);
    let end = img.len();
    let meta = SegmentMeta {
        offset: seg,
        payload_len: payload.len() as u32,
        table_id: 1,
        rows: 3,
        min_ts: 10,
        max_ts: 30,
    };

    // A damaged chunk (the header and its own CRC intact): inside the
    // trusted region the payload is not read, so the segment is indexed
    // (its CRC is checked when a query decodes it); past it, the
    // transaction does not verify and is cut.
    img.break_crc(seg);
    let (r, loader) = run_scan(&img.bytes, end, Tail::Synced);
    assert_eq!(r.unwrap(), end);
    assert_eq!(loader.segments[&1], [meta]);
    let (r, loader) = run_scan(&img.bytes, DATA_START, Tail::Synced);
    assert_eq!(r.unwrap(), DATA_START);
    assert!(loader.tables.is_empty() && loader.segments.is_empty());
}

#[test]
fn salvage_keeps_what_verifies_and_reports_the_rest() {
    let mut img = Image::new();
    img.txn(1, "a", 1);
    let (bad, _) = img.txn(2, "b", 2);
    let (garbled, end3) = img.txn(3, "c", 3);
    let (_, end4) = img.txn(4, "d", 4);
    img.table(5, "e");
    img.break_crc(bad);
    // Transaction 3 overwritten whole: an unreadable stretch.
    img.bytes[garbled as usize..end3 as usize].fill(0xFF);

    let mut loader = Loader { checkpoints_as_commits: true, lenient: true, ..Default::default() };
    let end = salvage_scan(&img.bytes, DATA_START, &mut loader);
    assert_eq!(end, end4);
    // Transaction 2 lost its table record but kept its commit.
    assert_eq!(names(&loader), ["a", "d"]);
    assert_eq!(loader.commit.seq, 4);
    assert_eq!(
        loader.problems,
        [
            Problem::file(
                bad,
                format!("record dropped: Table record at file offset {bad} fails its CRC32 check")
            ),
            Problem::file(
                garbled,
                format!(
                    "{} unreadable bytes skipped (BadHeader(\"unknown record type 255\"))",
                    end3 - garbled
                )
            ),
            Problem::file(end4, "1 records of an uncommitted transaction dropped"),
        ]
    );
}

#[test]
fn load_trusts_the_newest_slot() {
    let mut img = Image::new();
    let (_, end1) = img.txn(1, "a", 1);
    let (_, end2) = img.txn(2, "b", 2);
    let slot = |committed_end| Slot { seq: 7, committed_end, checkpoint_offset: 0, unsynced_tail: false };

    // No slot: everything is scanned, nothing is trusted.
    let loaded = load(&img.bytes, &img.bytes[..DATA_START as usize], &header(), false).unwrap();
    assert_eq!((loaded.committed_end, loaded.slot), (end2, None));
    assert_eq!(names(&loaded.loader), ["a", "b"]);

    // A slot naming the first transaction: the second is verified and kept.
    let head = img.head_with(slot(end1));
    let loaded = load(&img.bytes, &head, &header(), false).unwrap();
    assert_eq!((loaded.committed_end, loaded.slot), (end2, Some(slot(end1))));

    // A slot naming more than the file holds: the file was truncated.
    let head = img.head_with(slot(end2 + 1));
    let e = load(&img.bytes, &head, &header(), false).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(
        e.message(),
        format!(
            "the file is {end2} bytes long but its commit slot (sequence 7) says transactions were committed up to file offset {}: it was truncated",
            end2 + 1
        )
    );
    // Salvage scans every record instead, and says why.
    let loaded = load(&img.bytes, &head, &header(), true).unwrap();
    assert_eq!((loaded.committed_end, loaded.slot), (end2, None));
    assert_eq!(names(&loaded.loader), ["a", "b"]);
    assert_eq!(loaded.loader.problems.len(), 1);
    assert_eq!(
        loaded.loader.problems[0],
        Problem::file(0, format!("salvage: {}; every record was scanned", e.message()))
    );
}

#[test]
fn load_starts_after_the_checkpoint_the_slot_names() {
    let mut img = Image::new();
    let table_at = img.table(1, "a");
    let cp = Checkpoint {
        commit: CommitInfo { seq: 1, flushed_wal_epoch: 1 },
        next_table_id: 2,
        tables: vec![TableDef { id: 1, name: "a".into(), columns: vec!["v".into()] }],
        ..Default::default()
    };
    let mut payload = Vec::new();
    cp.encode(&mut payload);
    let cp_at = img.record(RecordType::Checkpoint, &payload);
    let end1 = img.len();
    let (_, end2) = img.txn(2, "b", 2);

    let slot = Slot { seq: 1, committed_end: end1, checkpoint_offset: cp_at, unsynced_tail: false };
    let loaded = load(&img.bytes, &img.head_with(slot), &header(), false).unwrap();
    assert_eq!(loaded.committed_end, end2);
    assert_eq!(names(&loaded.loader), ["a", "b"]);
    assert_eq!(loaded.loader.checkpoint_offset, cp_at);
    assert_eq!(loaded.loader.records_since_checkpoint, 2, "only the records after the checkpoint");
    assert_eq!(loaded.loader.commit.seq, 2);

    // A slot naming a record that is not a checkpoint.
    let slot = Slot { checkpoint_offset: table_at, ..slot };
    let e = load(&img.bytes, &img.head_with(slot), &header(), false).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(
        e.message(),
        format!(
            "record at file offset {table_at} is unreadable: \"the commit slot points at no checkpoint\""
        )
    );
}
