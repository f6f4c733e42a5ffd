/* Calls every exported function of the core C API, on success and failure
 * paths: NULL handles and out-params, unknown tables, wrong counts, invalid
 * UTF-8, bad options, use after close. */
#include <math.h>
#include <stdint.h>

#include "check.h"

static uint64_t bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static void test_version_and_status(void) {
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", NTS_VERSION_MAJOR, NTS_VERSION_MINOR,
           NTS_VERSION_PATCH);
  CHECK(strcmp(nts_version(), want) == 0);
  CHECK(strcmp(nts_status_str(NTS_OK), "ok") == 0);
  CHECK(strcmp(nts_status_str(NTS_ERR_NOT_FOUND), "not found") == 0);
  CHECK(strcmp(nts_status_str(NTS_ERR_PANIC), "panic") == 0);
  CHECK(strcmp(nts_status_str(NTS_ERR_CLOSED), "closed") == 0);
  CHECK(strcmp(nts_status_str(12345), "unrecognized status code") == 0);
  /* The codes are ABI. */
  CHECK(NTS_ERR_INVALID_ARGUMENT == 1 && NTS_ERR_NOT_FOUND == 2 &&
        NTS_ERR_ALREADY_EXISTS == 3 && NTS_ERR_SCHEMA_MISMATCH == 4 &&
        NTS_ERR_IO == 5 && NTS_ERR_CORRUPT == 6 && NTS_ERR_LOCKED == 7 &&
        NTS_ERR_TOO_LARGE == 8 && NTS_ERR_UNSUPPORTED_VERSION == 9 &&
        NTS_ERR_CLOSED == 10 && NTS_ERR_PANIC == 11 && NTS_ERR_UNKNOWN == 12);
  CHECK(nts_last_error() != NULL);
  CHECK(strcmp(nts_codec_name(1), "plain") == 0);
  CHECK(nts_codec_name(255) != NULL);
}

static void test_open_errors(const char *path) {
  nts_db *db = (nts_db *)0x1;
  nts_options o;
  nts_options_init(NULL); /* no-op */
  nts_options_init(&o);
  CHECK(o.struct_size == sizeof(nts_options));
  CHECK(o.sync == NTS_SYNC_ON_FLUSH);
  CHECK(o.auto_flush_bytes == 4u << 20);
  CHECK(o.segment_max_rows == 131072);
  CHECK(o.max_record_size == 0 && o.retention_ms == 0 && o.segment_partition_ms == 0);

  CHECK_ST(nts_open(NULL, NULL, &db), NTS_ERR_INVALID_ARGUMENT);
  CHECK(db == NULL);
  CHECK(strstr(nts_last_error(), "nts_open") != NULL);
  CHECK(strstr(nts_last_error(), "path is NULL") != NULL);
  CHECK_ST(nts_open(path, NULL, NULL), NTS_ERR_INVALID_ARGUMENT);

  nts_options bad = o;
  bad.struct_size = 8;
  CHECK_ST(nts_open(path, &bad, &db), NTS_ERR_INVALID_ARGUMENT);
  bad = o;
  bad.sync = 99;
  CHECK_ST(nts_open(path, &bad, &db), NTS_ERR_INVALID_ARGUMENT);
  bad = o;
  bad.retention_ms = -1;
  CHECK_ST(nts_open(path, &bad, &db), NTS_ERR_INVALID_ARGUMENT);
  bad = o;
  bad.segment_partition_ms = -5;
  CHECK_ST(nts_open(path, &bad, &db), NTS_ERR_INVALID_ARGUMENT);
  bad = o;
  bad.segment_max_rows = 0;
  CHECK_ST(nts_open(path, &bad, &db), NTS_ERR_INVALID_ARGUMENT);
  bad = o;
  bad.max_record_size = 10; /* below the minimum */
  CHECK_ST(nts_open(path, &bad, &db), NTS_ERR_INVALID_ARGUMENT);
  bad = o;
  bad.reserved = 1;
  CHECK_ST(nts_open(path, &bad, &db), NTS_ERR_INVALID_ARGUMENT);
  CHECK(db == NULL);

  /* A caller compiled against a newer, larger nts_options is accepted. */
  struct {
    nts_options o;
    uint64_t future_field;
  } newer;
  nts_options_init(&newer.o);
  newer.o.struct_size = sizeof newer;
  newer.future_field = 7;
  CHECK_OK(nts_open(path, &newer.o, &db));
  CHECK(db != NULL);
  CHECK_OK(nts_close(db));
  remove(path);
}

static void test_tables(nts_db *db) {
  const char *cols[] = {"temp", "hum"};
  const char *dup[] = {"a", "a"};
  const char *nullcol[] = {"a", NULL};
  const char *badutf[] = {"\xff\xfe"};
  CHECK_ST(nts_create_table(NULL, "t", cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_create_table(db, NULL, cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_create_table(db, "t", NULL, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_create_table(db, "t", nullcol, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_create_table(db, "t", badutf, 1), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "UTF-8") != NULL);
  CHECK_ST(nts_create_table(db, "\xc3\x28", cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_create_table(db, "t", cols, 0), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_create_table(db, "t", dup, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_create_table(db, "", cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_OK(nts_create_table(db, "sensor", cols, 2));
  CHECK_OK(nts_create_table(db, "sensor", cols, 2)); /* idempotent */
  CHECK_ST(nts_create_table(db, "sensor", cols, 1), NTS_ERR_ALREADY_EXISTS);

  nts_strings *s = (nts_strings *)0x1;
  CHECK_ST(nts_list_tables(db, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_list_tables(NULL, &s), NTS_ERR_INVALID_ARGUMENT);
  CHECK(s == NULL);
  CHECK_OK(nts_list_tables(db, &s));
  CHECK(nts_strings_len(s) == 1);
  CHECK(strcmp(nts_strings_get(s, 0), "sensor") == 0);
  CHECK(nts_strings_get(s, 1) == NULL);
  nts_strings_free(s);
  CHECK(nts_strings_len(NULL) == 0 && nts_strings_get(NULL, 0) == NULL);
  nts_strings_free(NULL);

  CHECK_OK(nts_table_columns(db, "sensor", &s));
  CHECK(nts_strings_len(s) == 2);
  CHECK(strcmp(nts_strings_get(s, 0), "temp") == 0);
  CHECK(strcmp(nts_strings_get(s, 1), "hum") == 0);
  nts_strings_free(s);
  CHECK_ST(nts_table_columns(db, "nope", &s), NTS_ERR_NOT_FOUND);
  CHECK(s == NULL);
  CHECK_ST(nts_table_columns(db, NULL, &s), NTS_ERR_INVALID_ARGUMENT);
}

static void test_appends(nts_db *db) {
  double v[2] = {1.5, 2.5};
  CHECK_OK(nts_append_row(db, "sensor", 1000, v, 2));
  CHECK_ST(nts_append_row(db, "sensor", 1000, v, 1), NTS_ERR_SCHEMA_MISMATCH);
  CHECK_ST(nts_append_row(db, "sensor", 1000, v, 3), NTS_ERR_SCHEMA_MISMATCH);
  CHECK_ST(nts_append_row(db, "nope", 1000, v, 2), NTS_ERR_NOT_FOUND);
  CHECK(strstr(nts_last_error(), "nope") != NULL);
  CHECK_ST(nts_append_row(db, "sensor", 1000, NULL, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append_row(db, NULL, 1000, v, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append_row(NULL, "sensor", 1000, v, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append_row(db, "\xff", 1000, v, 2), NTS_ERR_INVALID_ARGUMENT);
  /* Misaligned values pointer. */
  char raw[64];
  CHECK_ST(nts_append_row(db, "sensor", 1000, (const double *)(raw + 1), 2),
           NTS_ERR_INVALID_ARGUMENT);

  /* Columnar batch: rows 2000..2004 plus special floats. */
  int64_t ts[5] = {2004, 2000, 2001, 2003, 2002};
  double a[5] = {4.0, 0.0, 1.0, 3.0, 2.0};
  double b[5] = {-0.0, NAN, INFINITY, -INFINITY, 5e-324};
  const double *cols[2] = {a, b};
  const double *bad_cols[2] = {a, NULL};
  CHECK_OK(nts_append_rows(db, "sensor", ts, 5, cols, 2));
  CHECK_ST(nts_append_rows(db, "sensor", ts, 5, cols, 1), NTS_ERR_SCHEMA_MISMATCH);
  CHECK_ST(nts_append_rows(db, "sensor", ts, 5, bad_cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append_rows(db, "sensor", NULL, 5, cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append_rows(db, "sensor", ts, 5, NULL, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append_rows(db, "nope", ts, 5, cols, 2), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_append_rows(NULL, "sensor", ts, 5, cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_OK(nts_append_rows(db, "sensor", NULL, 0, bad_cols, 2)); /* no rows */
  /* Counts whose byte size overflows are rejected before any read. */
  CHECK_ST(nts_append_rows(db, "sensor", ts, SIZE_MAX, cols, 2), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append_row(db, "sensor", 1, v, SIZE_MAX / 2), NTS_ERR_INVALID_ARGUMENT);

  /* Series API. */
  CHECK_OK(nts_append(db, "cpu", 10, 0.25));
  CHECK_OK(nts_append(db, "cpu", 11, 0.5));
  CHECK_ST(nts_append(db, "sensor", 10, 1.0), NTS_ERR_SCHEMA_MISMATCH);
  CHECK_ST(nts_append(db, NULL, 10, 1.0), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_append(NULL, "cpu", 10, 1.0), NTS_ERR_INVALID_ARGUMENT);

  uint64_t pending = 0;
  CHECK_OK(nts_pending_bytes(db, &pending));
  CHECK(pending > 0);
  CHECK_ST(nts_pending_bytes(db, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_flush(NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_OK(nts_flush(db));
  CHECK_OK(nts_pending_bytes(db, &pending));
  CHECK(pending == 0);
  /* One more unflushed row: queries include it. */
  double late[2] = {9.0, 9.5};
  CHECK_OK(nts_append_row(db, "sensor", 1500, late, 2));
}

static void test_query(nts_db *db) {
  nts_result *r = (nts_result *)0x1;
  CHECK_ST(nts_query_range(db, "sensor", 10, 5, &r), NTS_ERR_INVALID_ARGUMENT);
  CHECK(r == NULL);
  CHECK_ST(nts_query_range(db, "nope", 0, 5, &r), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_query_range(db, NULL, 0, 5, &r), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_range(db, "sensor", 0, 5, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_range(NULL, "sensor", 0, 5, &r), NTS_ERR_INVALID_ARGUMENT);

  /* Inclusive at both ends: [1500, 2003]. */
  REQUIRE_OK(nts_query_range(db, "sensor", 1500, 2003, &r));
  CHECK(nts_result_rows(r) == 5);
  CHECK(nts_result_ncols(r) == 2);
  const int64_t *ts = nts_result_ts(r);
  const double *a = nts_result_column(r, 0);
  const double *b = nts_result_column(r, 1);
  CHECK(nts_result_column(r, 2) == NULL);
  CHECK(strcmp(nts_result_column_name(r, 0), "temp") == 0);
  CHECK(strcmp(nts_result_column_name(r, 1), "hum") == 0);
  CHECK(nts_result_column_name(r, 2) == NULL);
  if (ts && a && b && nts_result_rows(r) == 5) {
    int64_t want_ts[5] = {1500, 2000, 2001, 2002, 2003};
    for (int i = 0; i < 5; i++) CHECK(ts[i] == want_ts[i]);
    CHECK(a[0] == 9.0 && a[1] == 0.0 && a[4] == 3.0);
    CHECK(isnan(b[1]) && bits(b[1]) == bits(NAN));
    CHECK(b[2] == INFINITY && b[4] == -INFINITY);
    CHECK(bits(b[3]) == bits(5e-324));
  }
  nts_result_free(r);
  REQUIRE_OK(nts_query_range(db, "sensor", 2004, 2004, &r));
  CHECK(nts_result_rows(r) == 1 && bits(nts_result_column(r, 1)[0]) == bits(-0.0));
  nts_result_free(r);
  REQUIRE_OK(nts_query_range(db, "sensor", INT64_MIN, INT64_MAX, &r));
  CHECK(nts_result_rows(r) == 7);
  nts_result_free(r);
  REQUIRE_OK(nts_query_range(db, "sensor", 5000, 6000, &r));
  CHECK(nts_result_rows(r) == 0 && nts_result_ncols(r) == 2);
  nts_result_free(r);
  CHECK(nts_result_rows(NULL) == 0 && nts_result_ncols(NULL) == 0);
  CHECK(nts_result_ts(NULL) == NULL && nts_result_column(NULL, 0) == NULL);
  CHECK(nts_result_column_name(NULL, 0) == NULL);
  nts_result_free(NULL);

  REQUIRE_OK(nts_query_range(db, "cpu", 0, 100, &r));
  CHECK(nts_result_rows(r) == 2 && nts_result_column(r, 0)[1] == 0.5);
  CHECK(strcmp(nts_result_column_name(r, 0), "value") == 0);
  nts_result_free(r);
}

static void test_stats(nts_db *db) {
  nts_stats s;
  memset(&s, 0, sizeof s);
  CHECK_ST(nts_table_stats(db, "sensor", &s), NTS_ERR_INVALID_ARGUMENT); /* no struct_size */
  s.struct_size = sizeof s;
  CHECK_ST(nts_table_stats(db, "sensor", NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_table_stats(db, "nope", &s), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_table_stats(NULL, "sensor", &s), NTS_ERR_INVALID_ARGUMENT);
  CHECK_OK(nts_table_stats(db, "sensor", &s));
  CHECK(s.struct_size == sizeof s);
  CHECK(s.rows == 7 && s.flushed_rows == 6 && s.buffered_rows == 1);
  CHECK(s.segments >= 1 && s.bytes_on_disk > 0 && s.raw_bytes == 6 * 3 * 8);
  CHECK(s.ncols == 2 && s.compression_ratio > 0.0);
  CHECK(s.ts_raw_bytes == 6 * 8);

  nts_column_stats c;
  memset(&c, 0, sizeof c);
  c.struct_size = sizeof c;
  CHECK_OK(nts_table_column_stats(db, "sensor", "temp", &c));
  CHECK(c.raw_bytes == 6 * 8 && c.bytes_on_disk > 0 && c.ncodecs >= 1);
  CHECK(c.codec_segments[0] >= 1);
  CHECK(strlen(nts_codec_name(c.codec_ids[0])) > 0);
  CHECK_OK(nts_table_column_stats(db, "sensor", "ts_ms", &c));
  CHECK(c.raw_bytes == 6 * 8);
  CHECK_ST(nts_table_column_stats(db, "sensor", "nope", &c), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_table_column_stats(db, "sensor", NULL, &c), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_table_column_stats(db, "sensor", "temp", NULL), NTS_ERR_INVALID_ARGUMENT);
}

static void test_after_close(nts_db *db) {
  double v[2] = {1, 2};
  int64_t ts[1] = {1};
  const double *cols[2] = {v, v + 1};
  const char *names[1] = {"x"};
  nts_result *r;
  nts_strings *s;
  nts_stats st;
  nts_column_stats cs;
  uint64_t n;
  st.struct_size = sizeof st;
  cs.struct_size = sizeof cs;
  CHECK_OK(nts_close(db));
  CHECK_ST(nts_close(db), NTS_ERR_CLOSED);
  CHECK(strstr(nts_last_error(), "closed") != NULL);
  CHECK_ST(nts_create_table(db, "x", names, 1), NTS_ERR_CLOSED);
  CHECK_ST(nts_append(db, "cpu", 1, 1.0), NTS_ERR_CLOSED);
  CHECK_ST(nts_append_row(db, "sensor", 1, v, 2), NTS_ERR_CLOSED);
  CHECK_ST(nts_append_rows(db, "sensor", ts, 1, cols, 2), NTS_ERR_CLOSED);
  CHECK_ST(nts_flush(db), NTS_ERR_CLOSED);
  CHECK_ST(nts_pending_bytes(db, &n), NTS_ERR_CLOSED);
  CHECK_ST(nts_query_range(db, "sensor", 0, 1, &r), NTS_ERR_CLOSED);
  CHECK_ST(nts_list_tables(db, &s), NTS_ERR_CLOSED);
  CHECK_ST(nts_table_columns(db, "sensor", &s), NTS_ERR_CLOSED);
  CHECK_ST(nts_table_stats(db, "sensor", &st), NTS_ERR_CLOSED);
  CHECK_ST(nts_table_column_stats(db, "sensor", "temp", &cs), NTS_ERR_CLOSED);
  /* A pointer that never was a handle. */
  CHECK_ST(nts_flush((nts_db *)(uintptr_t)0xdeadbeef0ull), NTS_ERR_CLOSED);
  CHECK_OK(nts_close(NULL));
}

int main(int argc, char **argv) {
  nts_t_init(argc, argv);
  char path[1024];
  nts_t_path(path, sizeof path, "api.ntt");
  test_version_and_status();
  test_open_errors(path);

  nts_options o;
  nts_options_init(&o);
  o.sync = NTS_SYNC_NEVER;
  o.segment_max_rows = 4;
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, &o, &db));
  CHECK(db != NULL);
  nts_db *db2 = NULL;
  CHECK_ST(nts_open(path, NULL, &db2), NTS_ERR_LOCKED);
  CHECK(db2 == NULL);
  test_tables(db);
  test_appends(db);
  test_query(db);
  test_stats(db);
  test_after_close(db);

  /* Reopen: everything (the unflushed row too, flushed by close) is there. */
  REQUIRE_OK(nts_open(path, NULL, &db));
  nts_result *r = NULL;
  REQUIRE_OK(nts_query_range(db, "sensor", INT64_MIN, INT64_MAX, &r));
  CHECK(nts_result_rows(r) == 7);
  nts_result_free(r);
  CHECK_OK(nts_close(db));
  return nts_t_finish();
}
