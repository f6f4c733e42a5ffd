/* The durability entry points: nts_verify, nts_recovery_report,
 * nts_commit_stats and nts_merge_small_segments, on healthy, damaged,
 * truncated and crashed files, and their argument checks. */
#include <stdint.h>

#include "check.h"

/* ---- the database file, as the format documents it ---------------------
 * A header (104 bytes from format 4 on, 256 before: the u32 version at
 * offset 8 says which), then records: u32 payload length, u8 type, u8
 * flags, u16 reserved, u32 CRC32, payload (little-endian). */
enum { RECORD_HEADER_LEN = 12, RECORD_SEGMENT = 2, RECORD_MAX_TYPE = 7 };

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Length of the header of a file image of `len` bytes. */
static long file_header_len(const unsigned char *buf, long len) {
  if (len < 12) return len;
  return le32(buf + 8) >= 4 ? 104 : 256;
}

/* Walks the records of a file image; returns how many there are and
 * stores the offset and payload length of the last segment record (-1 and
 * 0 if none). Stops at the first header that is not a record. */
static uint64_t walk_records(const unsigned char *buf, long len, long *last_segment,
                             uint32_t *last_segment_len) {
  uint64_t n = 0;
  long off = file_header_len(buf, len);
  *last_segment = -1;
  *last_segment_len = 0;
  while (off + RECORD_HEADER_LEN <= len) {
    uint32_t plen = le32(buf + off);
    unsigned type = buf[off + 4];
    if (type == 0 || type > RECORD_MAX_TYPE || off + RECORD_HEADER_LEN + (long)plen > len) break;
    if (type == RECORD_SEGMENT) {
      *last_segment = off;
      *last_segment_len = plen;
    }
    n++;
    off += RECORD_HEADER_LEN + (long)plen;
  }
  return n;
}

static uint64_t walk_file(const char *path) {
  long len = 0, seg;
  uint32_t seglen;
  unsigned char *buf = nts_t_read_file(path, &len);
  if (!buf) return UINT64_MAX;
  uint64_t n = walk_records(buf, len, &seg, &seglen);
  free(buf);
  return n;
}

/* ---- helpers over the API ---------------------------------------------- */

static nts_db *open_sync(const char *path, uint32_t recovery, uint32_t sync) {
  nts_options o;
  nts_options_init(&o);
  o.recovery = recovery;
  o.sync = sync;
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, &o, &db));
  return db;
}

static nts_db *open_with(const char *path, uint32_t recovery) {
  return open_sync(path, recovery, NTS_SYNC_ON_FLUSH);
}

/* Creates table "t" (columns a, b) and makes one segment per entry of
 * `rows_per_flush`: rows with ts 1000, 1001, ... and a = ts, b = -ts. */
static void fill(nts_db *db, const int *rows_per_flush, int nflushes) {
  const char *cols[] = {"a", "b"};
  REQUIRE_OK(nts_create_table(db, "t", cols, 2));
  int64_t ts = 1000;
  for (int f = 0; f < nflushes; f++) {
    for (int r = 0; r < rows_per_flush[f]; r++, ts++) {
      double v[2] = {(double)ts, -(double)ts};
      REQUIRE_OK(nts_append_row(db, "t", ts, v, 2));
    }
    REQUIRE_OK(nts_flush(db));
  }
}

static uint64_t segments_of(nts_db *db, const char *table, uint64_t *rows) {
  nts_stats s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  REQUIRE_OK(nts_table_stats(db, table, &s));
  if (rows) *rows = s.rows;
  return s.segments;
}

static nts_verify_report verify(nts_db *db, nts_strings **problems) {
  nts_verify_report r;
  memset(&r, 0xab, sizeof r);
  r.struct_size = sizeof r;
  REQUIRE_OK(nts_verify(db, &r, problems));
  CHECK(r.struct_size == sizeof r && r.reserved == 0);
  return r;
}

static nts_recovery_info recovery(nts_db *db, nts_strings **problems) {
  nts_recovery_info r;
  memset(&r, 0xab, sizeof r);
  r.struct_size = sizeof r;
  REQUIRE_OK(nts_recovery_report(db, &r, problems));
  CHECK(r.struct_size == sizeof r && r.reserved == 0);
  return r;
}

static nts_commit_info commits(nts_db *db) {
  nts_commit_info c;
  memset(&c, 0xab, sizeof c);
  c.struct_size = sizeof c;
  REQUIRE_OK(nts_commit_stats(db, &c));
  CHECK(c.struct_size == sizeof c && c.reserved == 0);
  return c;
}

/* Every string of `s` contains `needle`. */
static int all_contain(const nts_strings *s, const char *needle) {
  for (size_t i = 0; i < nts_strings_len(s); i++)
    if (!strstr(nts_strings_get(s, i), needle)) return 0;
  return 1;
}

/* ---- the scenarios ----------------------------------------------------- */

/* (1) A healthy file: no problems; every record, segment and row counted. */
static void test_verify_healthy(void) {
  char path[1100];
  nts_t_path(path, sizeof path, "healthy.ntt");
  nts_db *db = open_with(path, NTS_RECOVERY_STRICT);

  nts_strings *problems = (nts_strings *)0x1;
  nts_verify_report r = verify(db, &problems);
  CHECK(r.records == 0 && r.segments == 0 && r.rows == 0 && r.problems == 0);
  CHECK(problems != NULL && nts_strings_len(problems) == 0);
  nts_strings_free(problems);

  const int rows[] = {3, 2, 1};
  fill(db, rows, 3);
  r = verify(db, &problems);
  CHECK(r.problems == 0);
  CHECK(r.segments == 3);
  CHECK(r.rows == 6);
  /* Every record up to the last commit: the file holds nothing else. */
  CHECK(r.records == walk_file(path));
  CHECK(r.records >= 1 + 3 + 4); /* table + 3 segments + 4 commits */
  CHECK(nts_strings_len(problems) == 0);
  nts_strings_free(problems);
  /* problems_out may be NULL. */
  r = verify(db, NULL);
  CHECK(r.problems == 0 && r.segments == 3 && r.rows == 6);
  CHECK_OK(nts_close(db));

  /* Reopened after a clean close: the same file, the same verdict. */
  db = open_with(path, NTS_RECOVERY_STRICT);
  r = verify(db, NULL);
  CHECK(r.problems == 0 && r.segments == 3 && r.rows == 6);
  CHECK(r.records == walk_file(path));
  CHECK_OK(nts_close(db));
}

/* (2) One flipped byte inside the last segment's data: a strict open
 * still succeeds (segment payloads are checked when read), verify finds
 * it. The flip is in the last column chunk, not the segment header: a file
 * this small has no checkpoint (SPEC.md 3.4), so opening reads every
 * segment header and would refuse a damaged one. */
static void test_verify_flipped_byte(void) {
  char path[1100];
  nts_t_path(path, sizeof path, "flipped.ntt");
  nts_db *db = open_with(path, NTS_RECOVERY_STRICT);
  const int rows[] = {3, 2, 1};
  fill(db, rows, 3);
  CHECK_OK(nts_close(db));

  long len = 0, seg = -1;
  uint32_t seglen = 0;
  unsigned char *buf = nts_t_read_file(path, &len);
  if (!buf) {
    CHECK(!"cannot read the database file");
    return;
  }
  uint64_t records = walk_records(buf, len, &seg, &seglen);
  CHECK(seg > 0 && seglen > 0);
  if (seg > 0 && seglen > 0) {
    buf[seg + RECORD_HEADER_LEN + seglen - 1] ^= 0x5a;
    CHECK(nts_t_write_file(path, buf, len));
  }
  free(buf);

  db = open_with(path, NTS_RECOVERY_STRICT);
  nts_strings *problems = NULL;
  nts_verify_report r = verify(db, &problems);
  CHECK(r.problems >= 1);
  CHECK(nts_strings_len(problems) == r.problems);
  CHECK(all_contain(problems, "offset"));
  /* The damaged segment's record is named by its offset. */
  char want[64];
  snprintf(want, sizeof want, "file offset %ld:", seg);
  int named = 0;
  for (size_t i = 0; i < nts_strings_len(problems); i++)
    named |= strncmp(nts_strings_get(problems, i), want, strlen(want)) == 0;
  CHECK(named);
  if (!named)
    for (size_t i = 0; i < nts_strings_len(problems); i++)
      fprintf(stderr, "  problem %zu: %s\n", i, nts_strings_get(problems, i));
  /* Every record is still walked; the damaged segment is not counted. */
  CHECK(r.records == records);
  CHECK(r.segments == 2 && r.rows == 5);
  nts_strings_free(problems);
  CHECK_OK(nts_close(db));
}

/* (3) A truncated file: strict refuses it and leaves it as it was;
 * salvage opens it and says what it did. */
static void test_truncated(void) {
  char path[1100], wal[1200];
  nts_t_path(path, sizeof path, "truncated.ntt");
  nts_t_wal_path(wal, sizeof wal, path);
  nts_db *db = open_with(path, NTS_RECOVERY_STRICT);
  const int rows[] = {3, 2, 1};
  fill(db, rows, 3);
  CHECK_OK(nts_close(db));

  long len = 0;
  unsigned char *buf = nts_t_read_file(path, &len);
  if (!buf) {
    CHECK(!"cannot read the database file");
    return;
  }
  const long cut = 5;
  long seg;
  uint32_t seglen;
  uint64_t records = walk_records(buf, len, &seg, &seglen);
  CHECK(walk_records(buf, len - cut, &seg, &seglen) == records - 1); /* inside the last record */
  CHECK(nts_t_write_file(path, buf, len - cut));
  int had_wal = nts_t_file_exists(wal);

  db = (nts_db *)0x1;
  CHECK_ST(nts_open(path, NULL, &db), NTS_ERR_CORRUPT);
  CHECK(db == NULL);
  CHECK(strstr(nts_last_error(), "nts_open") != NULL);
  CHECK(strstr(nts_last_error(), "truncated") != NULL);
  long after_len = 0;
  unsigned char *after = nts_t_read_file(path, &after_len);
  CHECK(after != NULL && after_len == len - cut && memcmp(after, buf, (size_t)after_len) == 0);
  CHECK(nts_t_file_exists(wal) == had_wal);
  free(after);
  free(buf);

  db = open_with(path, NTS_RECOVERY_SALVAGE);
  nts_strings *problems = NULL;
  nts_recovery_info r = recovery(db, &problems);
  CHECK(r.problems >= 1);
  CHECK(nts_strings_len(problems) == r.problems);
  CHECK(all_contain(problems, "offset"));
  for (size_t i = 0; i < nts_strings_len(problems); i++) CHECK(strlen(nts_strings_get(problems, i)) > 0);
  nts_strings_free(problems);
  /* The cut fell inside the last record, the last flush's commit record
   * (a file this small closes without a checkpoint, SPEC.md 3.4): salvage
   * keeps every transaction that verifies, so the rows of the first two
   * flushes are there, the last flush's one row is not, and the rewritten
   * file is sound. */
  uint64_t nrows = 0;
  segments_of(db, "t", &nrows);
  CHECK(nrows == 5);
  nts_verify_report v = verify(db, NULL);
  CHECK(v.problems == 0 && v.rows == 5);
  CHECK_OK(nts_close(db));
}

/* (4) Commit counters: every transaction counted, reset by a reopen, which
 * counts only what its recovery did. */
static void test_commit_stats(void) {
  char path[1100];
  nts_t_path(path, sizeof path, "commits.ntt");
  nts_db *db = open_with(path, NTS_RECOVERY_STRICT); /* NTS_SYNC_ON_FLUSH */
  nts_commit_info before = commits(db);
  const int rows[] = {1, 1, 1};
  fill(db, rows, 3); /* create_table + 3 flushes */
  nts_commit_info c = commits(db);
  CHECK(c.commits - before.commits == 4);
  CHECK(c.syncs - before.syncs >= 4); /* at least one per commit */
  CHECK(c.checkpoints <= c.commits);
  CHECK_OK(nts_close(db));

  /* NTS_SYNC_NEVER: the same transactions, no fdatasync. */
  char never[1100];
  nts_t_path(never, sizeof never, "never.ntt");
  nts_db *dbn = open_sync(never, NTS_RECOVERY_STRICT, NTS_SYNC_NEVER);
  before = commits(dbn);
  fill(dbn, rows, 3);
  c = commits(dbn);
  CHECK(c.commits - before.commits == 4);
  CHECK(c.syncs == before.syncs);
  CHECK_OK(nts_close(dbn));

  /* A clean close leaves nothing to recover: all zero. */
  db = open_with(path, NTS_RECOVERY_STRICT);
  c = commits(db);
  CHECK(c.commits == 0 && c.checkpoints == 0 && c.syncs == 0);
  nts_strings *problems = (nts_strings *)0x1;
  nts_recovery_info r = recovery(db, &problems);
  CHECK(r.file_bytes_cut == 0 && r.wal_frames_replayed == 0 && r.wal_rows_replayed == 0 &&
        r.wal_frames_dropped == 0 && r.problems == 0);
  CHECK(problems != NULL && nts_strings_len(problems) == 0);
  nts_strings_free(problems);

  /* A crash: the file and WAL as they are with 3 rows only in the WAL,
   * copied while the handle is open. Recovery replays and flushes them. */
  for (int64_t ts = 5000; ts < 5003; ts++) {
    double v[2] = {1.0, 2.0};
    REQUIRE_OK(nts_append_row(db, "t", ts, v, 2));
  }
  char crash[1100], wal[1200], crash_wal[1200];
  nts_t_path(crash, sizeof crash, "crashed.ntt");
  nts_t_wal_path(wal, sizeof wal, path);
  nts_t_wal_path(crash_wal, sizeof crash_wal, crash);
  long len = 0, wal_len = 0;
  unsigned char *file = nts_t_read_file(path, &len);
  unsigned char *walbuf = nts_t_read_file(wal, &wal_len);
  CHECK(file != NULL && walbuf != NULL);
  if (file && walbuf) {
    CHECK(nts_t_write_file(crash, file, len));
    CHECK(nts_t_write_file(crash_wal, walbuf, wal_len));
  }
  free(file);
  free(walbuf);
  CHECK_OK(nts_close(db));

  nts_db *db2 = open_with(crash, NTS_RECOVERY_STRICT);
  r = recovery(db2, &problems);
  CHECK(r.wal_rows_replayed == 3);
  CHECK(r.wal_frames_replayed >= 1 && r.wal_frames_replayed <= 3);
  CHECK(r.wal_frames_dropped == 0 && r.file_bytes_cut == 0 && r.problems == 0);
  CHECK(nts_strings_len(problems) == 0);
  nts_strings_free(problems);
  /* The replayed rows were flushed by the open: one transaction, synced. */
  c = commits(db2);
  CHECK(c.commits >= 1 && c.syncs >= 1);
  uint64_t nrows = 0;
  segments_of(db2, "t", &nrows);
  CHECK(nrows == 6);
  CHECK_OK(nts_close(db2));
}

/* (5) Merging a trailing run of one-row segments. */
static void test_merge(void) {
  char path[1100];
  nts_t_path(path, sizeof path, "merge.ntt");
  nts_db *db = open_with(path, NTS_RECOVERY_STRICT);
  const int rows[] = {1, 1, 1, 1, 1, 1};
  fill(db, rows, 6);
  uint64_t nrows = 0;
  CHECK(segments_of(db, "t", &nrows) == 6);

  uint64_t merged = 99;
  CHECK_ST(nts_merge_small_segments(db, 1, 2, &merged), NTS_ERR_INVALID_ARGUMENT);
  CHECK(merged == 0);
  CHECK(strstr(nts_last_error(), "nts_merge_small_segments") != NULL);
  CHECK(strstr(nts_last_error(), "target_rows") != NULL);
  CHECK_ST(nts_merge_small_segments(db, 1024, 1, &merged), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "min_segments") != NULL);
  CHECK_ST(nts_merge_small_segments(db, 4194305, 2, &merged), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_merge_small_segments(db, 0, 0, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_merge_small_segments(NULL, 1024, 2, &merged), NTS_ERR_INVALID_ARGUMENT);
  CHECK(segments_of(db, "t", NULL) == 6);

  merged = 99;
  CHECK_OK(nts_merge_small_segments(db, 1024, 2, &merged));
  CHECK(merged == 1);
  uint64_t after_rows = 0;
  CHECK(segments_of(db, "t", &after_rows) == 1);
  CHECK(after_rows == 6);
  /* Nothing left to merge; merged_out may be NULL. */
  CHECK_OK(nts_merge_small_segments(db, 1024, 2, &merged));
  CHECK(merged == 0);
  CHECK_OK(nts_merge_small_segments(db, 1024, 2, NULL));

  nts_result *res = NULL;
  REQUIRE_OK(nts_query_range(db, "t", INT64_MIN, INT64_MAX, &res));
  CHECK(nts_result_rows(res) == 6);
  if (nts_result_rows(res) == 6) {
    for (int i = 0; i < 6; i++) {
      CHECK(nts_result_ts(res)[i] == 1000 + i);
      CHECK(nts_result_column(res, 1)[i] == -(double)(1000 + i));
    }
  }
  nts_result_free(res);
  nts_verify_report v = verify(db, NULL);
  CHECK(v.problems == 0 && v.segments == 1 && v.rows == 6);
  CHECK_OK(nts_close(db));
}

/* (6) Argument checks, before anything else. */
static void test_arguments(void) {
  char path[1100];
  nts_t_path(path, sizeof path, "args.ntt");
  nts_db *db = open_with(path, NTS_RECOVERY_STRICT);
  nts_verify_report v;
  nts_recovery_info r;
  nts_commit_info c;
  memset(&v, 0, sizeof v);
  memset(&r, 0, sizeof r);
  memset(&c, 0, sizeof c);
  v.struct_size = sizeof v;
  r.struct_size = sizeof r;
  c.struct_size = sizeof c;
  nts_strings *p = (nts_strings *)0x1;

  CHECK_ST(nts_verify(NULL, &v, &p), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "nts_verify: db is NULL") != NULL);
  CHECK(p == NULL);
  p = (nts_strings *)0x1;
  CHECK_ST(nts_verify(db, NULL, &p), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "out is NULL") != NULL);
  CHECK(p == NULL);
  CHECK_ST(nts_recovery_report(NULL, &r, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "nts_recovery_report: db is NULL") != NULL);
  CHECK_ST(nts_recovery_report(db, NULL, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "out is NULL") != NULL);
  CHECK_ST(nts_commit_stats(NULL, &c), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "nts_commit_stats: db is NULL") != NULL);
  CHECK_ST(nts_commit_stats(db, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "out is NULL") != NULL);

  /* struct_size below the first version's size. */
  v.struct_size = sizeof v - 8;
  r.struct_size = 0;
  c.struct_size = 8;
  p = (nts_strings *)0x1;
  CHECK_ST(nts_verify(db, &v, &p), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "struct_size") != NULL);
  CHECK(p == NULL);
  CHECK_ST(nts_recovery_report(db, &r, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "struct_size") != NULL);
  CHECK_ST(nts_commit_stats(db, &c), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "struct_size is 8") != NULL);
  CHECK(c.commits == 0); /* untouched */

  /* A caller compiled against a newer, larger struct is accepted; the
   * library writes only what it knows and says how much. */
  struct {
    nts_commit_info c;
    uint64_t future_field;
  } newer;
  memset(&newer, 0, sizeof newer);
  newer.c.struct_size = sizeof newer;
  newer.future_field = 7;
  CHECK_OK(nts_commit_stats(db, &newer.c));
  CHECK(newer.c.struct_size == sizeof(nts_commit_info) && newer.future_field == 7);

  /* Misaligned out-parameters. */
  _Alignas(8) unsigned char raw[sizeof(nts_verify_report) + 8];
  memset(raw, 0, sizeof raw);
  CHECK_ST(nts_merge_small_segments(db, 1024, 2, (uint64_t *)(void *)(raw + 1)),
           NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "misaligned") != NULL);

  /* A closed handle. */
  CHECK_OK(nts_close(db));
  v.struct_size = sizeof v;
  r.struct_size = sizeof r;
  c.struct_size = sizeof c;
  uint64_t merged = 99;
  p = (nts_strings *)0x1;
  CHECK_ST(nts_verify(db, &v, &p), NTS_ERR_CLOSED);
  CHECK(p == NULL);
  CHECK_ST(nts_recovery_report(db, &r, NULL), NTS_ERR_CLOSED);
  CHECK_ST(nts_commit_stats(db, &c), NTS_ERR_CLOSED);
  CHECK_ST(nts_merge_small_segments(db, 1024, 2, &merged), NTS_ERR_CLOSED);
  CHECK(merged == 0);
}

int main(int argc, char **argv) {
  nts_t_init(argc, argv);
  test_verify_healthy();
  test_verify_flipped_byte();
  test_truncated();
  test_commit_stats();
  test_merge();
  test_arguments();
  return nts_t_finish();
}
