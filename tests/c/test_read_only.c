/* Read-only handles (nts_options.read_only = 1) next to a writer, and
 * backups: nts_refresh, nts_is_read_only, nts_backup; every write call on a
 * reader refused with NTS_ERR_READ_ONLY and nothing written; a pack picked
 * up; backups from a writer and a reader that open and verify; argument
 * checks. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <sys/stat.h>

#include "check.h"

/* ---- helpers over the API ---------------------------------------------- */

static nts_db *open_writer(const char *path) {
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, NULL, &db));
  return db;
}

static nts_status open_reader(const char *path, nts_db **db) {
  nts_options o;
  nts_options_init(&o);
  o.read_only = 1;
  return nts_open(path, &o, db);
}

static nts_db *must_open_reader(const char *path) {
  nts_db *db = NULL;
  REQUIRE_OK(open_reader(path, &db));
  return db;
}

/* Appends rows ts = from..to-1 to table "t" (column v = ts * 0.5). */
static void append_rows(nts_db *db, int64_t from, int64_t to) {
  for (int64_t ts = from; ts < to; ts++) {
    double v = (double)ts * 0.5;
    REQUIRE_OK(nts_append_row(db, "t", ts, &v, 1));
  }
}

/* The rows of "t" are exactly ts = from..to-1, except skip_from..skip_to-1,
 * each with v = ts * 0.5. */
static int has_rows_skipping(nts_db *db, int64_t from, int64_t to, int64_t skip_from, int64_t skip_to) {
  nts_result *r = NULL;
  nts_status st = nts_query_range(db, "t", INT64_MIN, INT64_MAX, &r);
  if (st != NTS_OK) {
    fprintf(stderr, "  query: %s\n", nts_last_error());
    return 0;
  }
  size_t want = 0;
  for (int64_t ts = from; ts < to; ts++) want += ts < skip_from || ts >= skip_to;
  int ok = nts_result_rows(r) == want && nts_result_ncols(r) == 1;
  if (ok) {
    const int64_t *tv = nts_result_ts(r);
    const double *vv = nts_result_column(r, 0);
    size_t i = 0;
    for (int64_t ts = from; ts < to; ts++) {
      if (ts >= skip_from && ts < skip_to) continue;
      ok &= tv[i] == ts && vv[i] == (double)ts * 0.5;
      i++;
    }
  } else {
    fprintf(stderr, "  query: %zu rows, want %zu\n", nts_result_rows(r), want);
  }
  nts_result_free(r);
  return ok;
}

static int has_rows(nts_db *db, int64_t from, int64_t to) { return has_rows_skipping(db, from, to, 0, 0); }

#ifndef NTS_NO_ARROW
/* The Arrow export of "t" holds exactly ts = from..to-1 (v = ts * 0.5). */
static int arrow_has_rows(nts_db *db, int64_t from, int64_t to) {
  struct ArrowArray arr;
  struct ArrowSchema sch;
  nts_status st = nts_query_range_arrow(db, "t", INT64_MIN, INT64_MAX, &arr, &sch);
  if (st != NTS_OK) {
    fprintf(stderr, "  arrow: %s\n", nts_last_error());
    return 0;
  }
  int ok = arr.length == to - from && arr.n_children == 2;
  if (ok) {
    const struct ArrowArray *t = arr.children[0], *v = arr.children[1];
    const int64_t *tv = (const int64_t *)t->buffers[1] + t->offset + arr.offset;
    const double *vv = (const double *)v->buffers[1] + v->offset + arr.offset;
    for (int64_t i = 0; i < arr.length; i++) ok &= tv[i] == from + i && vv[i] == (double)(from + i) * 0.5;
  } else {
    fprintf(stderr, "  arrow: %lld rows, want %lld\n", (long long)arr.length, (long long)(to - from));
  }
  arr.release(&arr);
  sch.release(&sch);
  return ok;
}
#endif

static uint32_t refresh(nts_db *db) {
  uint32_t changed = 7;
  CHECK_OK(nts_refresh(db, &changed));
  return changed;
}

static uint32_t is_read_only(nts_db *db) {
  uint32_t out = 7;
  CHECK_OK(nts_is_read_only(db, &out));
  return out;
}

static uint64_t segments_of(nts_db *db) {
  nts_stats s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  REQUIRE_OK(nts_table_stats(db, "t", &s));
  return s.segments;
}

static int last_error_has(const char *a, const char *b) {
  const char *e = nts_last_error();
  int ok = strstr(e, a) != NULL && (b == NULL || strstr(e, b) != NULL);
  if (!ok) fprintf(stderr, "  last error \"%s\" lacks \"%s\"/\"%s\"\n", e, a, b ? b : "");
  return ok;
}

/* ---- the scenarios ----------------------------------------------------- */

/* (1) One writer and two readers at once; the readers see what is flushed,
 * follow later flushes, new tables and a pack, and outlive the writer. */
static void test_readers_follow_the_writer(void) {
  char path[1100];
  nts_t_path(path, sizeof path, "follow.ntt");
  nts_db *w = open_writer(path);
  const char *cols[] = {"v"};
  REQUIRE_OK(nts_create_table(w, "t", cols, 1));
  append_rows(w, 0, 10);
  REQUIRE_OK(nts_flush(w));
  append_rows(w, 10, 15); /* buffered: in the writer's WAL only */

  nts_db *r1 = must_open_reader(path);
  nts_db *r2 = must_open_reader(path);
  /* A second writer is still refused, readers or not. */
  nts_db *w2 = (nts_db *)0x1;
  CHECK_ST(nts_open(path, NULL, &w2), NTS_ERR_LOCKED);
  CHECK(w2 == NULL);
  CHECK(is_read_only(w) == 0);
  CHECK(is_read_only(r1) == 1);
  CHECK(is_read_only(r2) == 1);

  /* Flushed rows only. */
  CHECK(has_rows(r1, 0, 10));
  CHECK(has_rows(r2, 0, 10));
  CHECK(has_rows(w, 0, 15));
#ifndef NTS_NO_ARROW
  CHECK(arrow_has_rows(r2, 0, 10));
#endif
  CHECK(refresh(r1) == 0);

  /* The writer flushes: r1 sees it through nts_refresh (1, then 0), r2
   * through its next query, which refreshes first. */
  REQUIRE_OK(nts_flush(w));
  CHECK(refresh(r1) == 1);
  CHECK(refresh(r1) == 0);
  CHECK(has_rows(r1, 0, 15));
  CHECK(has_rows(r2, 0, 15));
#ifndef NTS_NO_ARROW
  CHECK(arrow_has_rows(r2, 0, 15));
#endif
  CHECK(refresh(r2) == 0);
  CHECK_OK(nts_refresh(r2, NULL)); /* changed_out may be NULL */
  CHECK(refresh(w) == 0);          /* a writer has nothing to refresh */
  CHECK(segments_of(r1) == 2);

  /* A new table shows up in a reader's listing. */
  const char *ucols[] = {"a", "b"};
  REQUIRE_OK(nts_create_table(w, "u", ucols, 2));
  nts_strings *tables = NULL;
  CHECK_OK(nts_list_tables(r2, &tables));
  CHECK(nts_strings_len(tables) == 2);
  if (nts_strings_len(tables) == 2)
    CHECK(strcmp(nts_strings_get(tables, 0), "t") == 0 && strcmp(nts_strings_get(tables, 1), "u") == 0);
  nts_strings_free(tables);

  /* A pack renames a new file over the path: the readers reopen it, then
   * follow the writer's commits in the new file. */
  struct stat before, after;
  CHECK(stat(path, &before) == 0);
  REQUIRE_OK(nts_pack_table(w, "t", 1000));
  CHECK(stat(path, &after) == 0);
  CHECK(after.st_ino != before.st_ino);
  CHECK(refresh(r1) == 1);
  CHECK(refresh(r1) == 0);
  CHECK(segments_of(r1) == 1);
  CHECK(has_rows(r1, 0, 15));
  CHECK(segments_of(r2) == 1);
  append_rows(w, 15, 20);
  REQUIRE_OK(nts_flush(w));
  CHECK(refresh(r1) == 1);
  CHECK(has_rows(r1, 0, 20));
  CHECK(segments_of(r2) == 2);
  CHECK(has_rows(r2, 0, 20));
#ifndef NTS_NO_ARROW
  CHECK(arrow_has_rows(r2, 0, 20));
#endif

  /* Readers keep their view after the writer closes. */
  CHECK_OK(nts_close(w));
  CHECK(has_rows(r1, 0, 20));
  CHECK(has_rows(r2, 0, 20));
  CHECK_OK(nts_close(r1));
  CHECK_OK(nts_close(r2));
}

/* (2) Every write call on a reader returns NTS_ERR_READ_ONLY and a reader
 * writes nothing: the file keeps its bytes, no WAL appears. */
static void test_writes_on_a_reader_are_refused(void) {
  char path[1100], wal[1200];
  nts_t_path(path, sizeof path, "refused.ntt");
  nts_t_wal_path(wal, sizeof wal, path);
  nts_db *w = open_writer(path);
  const char *cols[] = {"v"};
  REQUIRE_OK(nts_create_table(w, "t", cols, 1));
  append_rows(w, 0, 3);
  REQUIRE_OK(nts_close(w));
  CHECK(!nts_t_file_exists(wal));
  long len = 0;
  unsigned char *bytes = nts_t_read_file(path, &len);
  if (!bytes) {
    CHECK(!"cannot read the database file");
    return;
  }

  nts_db *r = must_open_reader(path);
  CHECK(strcmp(nts_status_str(NTS_ERR_READ_ONLY), "read only") == 0);
  CHECK(NTS_ERR_READ_ONLY == 13);
  double one = 1.0;
  int64_t ts[] = {5};
  const double *colv[] = {&one};
  uint64_t merged = 99;

  CHECK_ST(nts_create_table(r, "t", cols, 1), NTS_ERR_READ_ONLY); /* exists: still refused */
  CHECK(last_error_has("nts_create_table: ", "read-only"));
  CHECK_ST(nts_create_table(r, "x", cols, 1), NTS_ERR_READ_ONLY);
  CHECK_ST(nts_append_row(r, "t", 5, &one, 1), NTS_ERR_READ_ONLY);
  CHECK(last_error_has("nts_append_row: ", "read-only"));
  CHECK_ST(nts_append_rows(r, "t", ts, 1, colv, 1), NTS_ERR_READ_ONLY);
  CHECK(last_error_has("nts_append_rows: ", "read-only"));
  CHECK_ST(nts_append(r, "series", 5, 1.0), NTS_ERR_READ_ONLY);
  CHECK_ST(nts_flush(r), NTS_ERR_READ_ONLY);
  CHECK(last_error_has("nts_flush: ", "read-only"));
  CHECK_ST(nts_delete_range(r, "t", 0, 10), NTS_ERR_READ_ONLY);
  CHECK_ST(nts_drop_table(r, "t"), NTS_ERR_READ_ONLY);
  CHECK_ST(nts_pack_table(r, "t", 100), NTS_ERR_READ_ONLY);
  CHECK(last_error_has("nts_pack_table: ", "read-only"));
  CHECK_ST(nts_compact_retention_now(r), NTS_ERR_READ_ONLY);
  CHECK_ST(nts_merge_small_segments(r, 100, 2, &merged), NTS_ERR_READ_ONLY);
  CHECK(merged == 0);
#if defined(NTS_SQL)
  CHECK_ST(nts_exec_sql(r, "INSERT INTO t VALUES (5, 5.0)"), NTS_ERR_READ_ONLY);
  CHECK(last_error_has("nts_exec_sql: ", "read-only"));
  CHECK_ST(nts_exec_sql(r, "CREATE TABLE y (a DOUBLE)"), NTS_ERR_READ_ONLY);
#endif

  /* Reads work and saw none of it. */
  CHECK(has_rows(r, 0, 3));
  nts_strings *tables = NULL;
  CHECK_OK(nts_list_tables(r, &tables));
  CHECK(nts_strings_len(tables) == 1 && strcmp(nts_strings_get(tables, 0), "t") == 0);
  nts_strings_free(tables);
  uint64_t pending = 99;
  CHECK_OK(nts_pending_bytes(r, &pending));
  CHECK(pending == 0);
  nts_verify_report v;
  memset(&v, 0, sizeof v);
  v.struct_size = sizeof v;
  CHECK_OK(nts_verify(r, &v, NULL));
  CHECK(v.problems == 0 && v.rows == 3 && v.segments == 1);
  CHECK_OK(nts_close(r));

  long after_len = 0;
  unsigned char *after = nts_t_read_file(path, &after_len);
  CHECK(after != NULL && after_len == len && memcmp(after, bytes, (size_t)len) == 0);
  CHECK(!nts_t_file_exists(wal));
  free(after);
  free(bytes);
}

/* (3) Opening read-only never creates anything; read-only options that
 * need a writer are refused. */
static void test_read_only_opens(void) {
  char path[1100], wal[1200];
  nts_t_path(path, sizeof path, "missing.ntt");
  nts_t_wal_path(wal, sizeof wal, path);
  nts_db *r = (nts_db *)0x1;
  CHECK_ST(open_reader(path, &r), NTS_ERR_NOT_FOUND);
  CHECK(r == NULL);
  CHECK(last_error_has("nts_open: ", NULL));
  CHECK(!nts_t_file_exists(path));
  CHECK(!nts_t_file_exists(wal));

  /* An empty file holds no database yet. */
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) fclose(f);
  CHECK_ST(open_reader(path, &r), NTS_ERR_NOT_FOUND);
  CHECK(r == NULL);
  remove(path);

  nts_options o;
  nts_options_init(&o);
  CHECK(o.read_only == 0);
  o.read_only = 2;
  CHECK_ST(nts_open(path, &o, &r), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("read_only 2", NULL));
  nts_options_init(&o);
  o.read_only = 1;
  o.recovery = NTS_RECOVERY_SALVAGE;
  CHECK_ST(nts_open(path, &o, &r), NTS_ERR_INVALID_ARGUMENT);
  nts_options_init(&o);
  o.read_only = 1;
  o.auto_maintenance = 1;
  CHECK_ST(nts_open(path, &o, &r), NTS_ERR_INVALID_ARGUMENT);
  CHECK(r == NULL);
  CHECK(!nts_t_file_exists(path));
  CHECK(!nts_t_file_exists(wal));
}

/* Opens a backup as a writer: no WAL beside it, no recovery needed,
 * exactly the expected rows, and nts_verify finds 0 problems. Returns its
 * segment count. */
static uint64_t check_backup(const char *path, int64_t skip_from, int64_t skip_to, int64_t to) {
  char wal[1200];
  nts_t_wal_path(wal, sizeof wal, path);
  CHECK(!nts_t_file_exists(wal));
  nts_db *db = open_writer(path);
  nts_recovery_info ri;
  memset(&ri, 0xab, sizeof ri);
  ri.struct_size = sizeof ri;
  CHECK_OK(nts_recovery_report(db, &ri, NULL));
  CHECK(ri.file_bytes_cut == 0 && ri.wal_frames_replayed == 0 && ri.wal_rows_replayed == 0 &&
        ri.problems == 0);
  CHECK(is_read_only(db) == 0);
  CHECK(has_rows_skipping(db, 0, to, skip_from, skip_to));
  nts_verify_report v;
  memset(&v, 0, sizeof v);
  v.struct_size = sizeof v;
  nts_strings *problems = NULL;
  CHECK_OK(nts_verify(db, &v, &problems));
  CHECK(v.problems == 0 && nts_strings_len(problems) == 0);
  CHECK(v.rows == (uint64_t)(to - (skip_to - skip_from)));
  nts_strings_free(problems);
  uint64_t segments = segments_of(db);
  CHECK_OK(nts_close(db));
  return segments;
}

/* (4) Backups from a writer (buffered rows flushed first) and from a
 * reader (what is committed), in both modes; never over an existing file,
 * never onto the database. */
static void test_backup(void) {
  char path[1100], wal[1200], copy[1100], rcopy[1100], packed[1100];
  nts_t_path(path, sizeof path, "source.ntt");
  nts_t_wal_path(wal, sizeof wal, path);
  nts_t_path(copy, sizeof copy, "copy.ntt");
  nts_t_path(rcopy, sizeof rcopy, "reader-copy.ntt");
  nts_t_path(packed, sizeof packed, "reader-packed.ntt");
  nts_db *w = open_writer(path);
  const char *cols[] = {"v"};
  REQUIRE_OK(nts_create_table(w, "t", cols, 1));
  append_rows(w, 0, 100);
  REQUIRE_OK(nts_flush(w));
  append_rows(w, 100, 130);
  REQUIRE_OK(nts_flush(w));
  REQUIRE_OK(nts_delete_range(w, "t", 10, 19));
  append_rows(w, 130, 150); /* buffered */
  CHECK(nts_t_file_exists(wal));

  CHECK_OK(nts_backup(w, copy, NTS_BACKUP_COPY));
  CHECK(nts_t_file_exists(copy));
  /* Never over an existing file: the first copy keeps its bytes. */
  long len = 0, again_len = 0;
  unsigned char *bytes = nts_t_read_file(copy, &len);
  CHECK_ST(nts_backup(w, copy, NTS_BACKUP_PACK), NTS_ERR_ALREADY_EXISTS);
  CHECK(last_error_has("nts_backup: ", "exists"));
  unsigned char *again = nts_t_read_file(copy, &again_len);
  CHECK(bytes && again && again_len == len && memcmp(bytes, again, (size_t)len) == 0);
  free(bytes);
  free(again);
  /* Never onto the database or its WAL. */
  CHECK_ST(nts_backup(w, path, NTS_BACKUP_COPY), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_backup: ", "onto itself"));
  CHECK_ST(nts_backup(w, wal, NTS_BACKUP_COPY), NTS_ERR_INVALID_ARGUMENT);

  /* The writer's backup flushed the buffered rows: a reader sees them. */
  nts_db *r = must_open_reader(path);
  CHECK(has_rows_skipping(r, 0, 150, 10, 20));
  CHECK_OK(nts_backup(r, rcopy, NTS_BACKUP_COPY));
  CHECK_OK(nts_backup(r, packed, NTS_BACKUP_PACK));
  CHECK_ST(nts_backup(r, packed, NTS_BACKUP_COPY), NTS_ERR_ALREADY_EXISTS);

  /* The writer goes on; the copies do not change. */
  append_rows(w, 150, 160);
  REQUIRE_OK(nts_flush(w));
  CHECK(has_rows_skipping(r, 0, 160, 10, 20));
  CHECK_OK(nts_close(r));
  CHECK_OK(nts_close(w));

  CHECK(check_backup(copy, 10, 20, 150) == 3);
  CHECK(check_backup(rcopy, 10, 20, 150) == 3);
  CHECK(check_backup(packed, 10, 20, 150) == 1);
}

/* (5) Argument checks: a message naming the function and the argument,
 * and no file created. */
static void test_arguments(void) {
  char path[1100], dest[1100], bad[1100];
  nts_t_path(path, sizeof path, "args.ntt");
  nts_t_path(dest, sizeof dest, "args-copy.ntt");
  nts_t_path(bad, sizeof bad, "bad-\xff\xfe.ntt"); /* not UTF-8 */
  nts_db *w = open_writer(path);
  nts_db *r = must_open_reader(path);
  uint32_t out = 7;

  CHECK_ST(nts_backup(NULL, dest, NTS_BACKUP_COPY), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_backup: db is NULL", NULL));
  CHECK_ST(nts_backup(w, NULL, NTS_BACKUP_COPY), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_backup: dest_path is NULL", NULL));
  CHECK_ST(nts_backup(r, bad, NTS_BACKUP_COPY), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_backup: dest_path is not valid UTF-8", NULL));
  CHECK(!nts_t_file_exists(bad));
  CHECK_ST(nts_backup(w, "", NTS_BACKUP_COPY), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_backup: dest_path is empty", NULL));
  CHECK_ST(nts_backup(w, dest, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_backup: mode 2 is not an NTS_BACKUP_* value", NULL));
  CHECK_ST(nts_backup(r, dest, UINT32_MAX), NTS_ERR_INVALID_ARGUMENT);
  CHECK(!nts_t_file_exists(dest));

  CHECK_ST(nts_refresh(NULL, &out), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_refresh: db is NULL", NULL));
  CHECK(out == 0);
  CHECK_ST(nts_is_read_only(NULL, &out), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_is_read_only: db is NULL", NULL));
  CHECK_ST(nts_is_read_only(r, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("nts_is_read_only: out is NULL", NULL));
  _Alignas(8) unsigned char raw[16];
  memset(raw, 0, sizeof raw);
  CHECK_ST(nts_refresh(r, (uint32_t *)(void *)(raw + 1)), NTS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("changed_out is misaligned", NULL));

  /* Closed handles. */
  CHECK_OK(nts_close(r));
  CHECK_OK(nts_close(w));
  out = 7;
  CHECK_ST(nts_refresh(r, &out), NTS_ERR_CLOSED);
  CHECK(out == 0);
  out = 7;
  CHECK_ST(nts_is_read_only(r, &out), NTS_ERR_CLOSED);
  CHECK(out == 0);
  CHECK_ST(nts_backup(w, dest, NTS_BACKUP_COPY), NTS_ERR_CLOSED);
  CHECK_ST(nts_backup(r, dest, NTS_BACKUP_PACK), NTS_ERR_CLOSED);
  CHECK(!nts_t_file_exists(dest));
}

int main(int argc, char **argv) {
  nts_t_init(argc, argv);
  test_readers_follow_the_writer();
  test_writes_on_a_reader_are_refused();
  test_read_only_opens();
  test_backup();
  test_arguments();
  return nts_t_finish();
}
