/* Calls the maintenance and SQL entry points: pack, retention compaction,
 * deletes, drops, exec_sql (feature "sql") and the background thread
 * (feature "maintenance"), on success and failure paths. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <time.h>

#include "check.h"

static size_t rows_of(nts_db *db, const char *table, int64_t lo, int64_t hi) {
  nts_result *r = NULL;
  if (nts_query_range(db, table, lo, hi, &r) != NTS_OK) return (size_t)-1;
  size_t n = nts_result_rows(r);
  nts_result_free(r);
  return n;
}

#if defined(NTS_SQL)
static void test_sql(nts_db *db) {
  CHECK_OK(nts_exec_sql(db, "CREATE TABLE t (a DOUBLE, b REAL); "
                            "INSERT INTO t VALUES (1, 1.5, 2), (2, -0.0, NaN);"
                            "INSERT INTO t (b, ts_ms, a) VALUES (9, 3, 4);"));
  CHECK(rows_of(db, "t", 0, 10) == 3);
  /* One bad row: the statement inserts nothing. */
  CHECK_ST(nts_exec_sql(db, "INSERT INTO t VALUES (4, 1, 1), (5, 1);"), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "line 1, column") != NULL);
  CHECK(rows_of(db, "t", 0, 10) == 3);
  CHECK_ST(nts_exec_sql(db, "SELECT * FROM t"), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "not supported") != NULL);
  CHECK_ST(nts_exec_sql(db, "CREATE TABLE t (a)"), NTS_ERR_ALREADY_EXISTS);
  CHECK_OK(nts_exec_sql(db, "CREATE TABLE IF NOT EXISTS t (a DOUBLE, b DOUBLE)"));
  CHECK_ST(nts_exec_sql(db, "INSERT INTO nope VALUES (1, 2)"), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_exec_sql(db, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_exec_sql(NULL, "CREATE TABLE x (a)"), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_exec_sql(db, "CREATE TABLE \xff (a)"), NTS_ERR_INVALID_ARGUMENT);
}
#endif

static void test_delete_and_pack(nts_db *db, const char *path) {
  const char *v_col[] = {"v"};
  CHECK_OK(nts_create_table(db, "s", v_col, 1));
  for (int64_t i = 0; i < 5000; i++) {
    double v = (double)(i * 7 % 1000) / 8.0;
    CHECK_OK(nts_append_row(db, "s", 4999 - i, &v, 1));
    if (i % 1000 == 999) CHECK_OK(nts_flush(db));
  }
  CHECK(rows_of(db, "s", INT64_MIN, INT64_MAX) == 5000);
  CHECK_OK(nts_delete_range(db, "s", 100, 199));
  CHECK(rows_of(db, "s", INT64_MIN, INT64_MAX) == 4900);
  CHECK(rows_of(db, "s", 100, 199) == 0);
  CHECK_ST(nts_delete_range(db, "s", 10, 9), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_delete_range(db, "nope", 0, 1), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_delete_range(db, NULL, 0, 1), NTS_ERR_INVALID_ARGUMENT);

  nts_stats st;
  st.struct_size = sizeof st;
  CHECK_OK(nts_table_stats(db, "s", &st));
  CHECK(st.segments >= 5);
  long long before = nts_t_file_size(path);
  CHECK_OK(nts_pack_table(db, "s", 8192));
  CHECK_OK(nts_table_stats(db, "s", &st));
  CHECK(st.segments == 1);
  CHECK(st.rows == 4900);
  CHECK(nts_t_file_size(path) < before);
  CHECK(rows_of(db, "s", INT64_MIN, INT64_MAX) == 4900);
  CHECK_ST(nts_pack_table(db, "s", 0), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_pack_table(db, "nope", 10), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_pack_table(NULL, "s", 10), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_pack_table(db, "\xc3", 10), NTS_ERR_INVALID_ARGUMENT);

  /* Drop, then compaction gives the space back. */
  CHECK_OK(nts_drop_table(db, "s"));
  CHECK(rows_of(db, "s", 0, 1) == (size_t)-1);
  CHECK_ST(nts_drop_table(db, "s"), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_drop_table(db, NULL), NTS_ERR_INVALID_ARGUMENT);
  before = nts_t_file_size(path);
  CHECK_OK(nts_compact_retention_now(db));
  CHECK(nts_t_file_size(path) < before);
  CHECK_ST(nts_compact_retention_now(NULL), NTS_ERR_INVALID_ARGUMENT);
}

static void test_retention(const char *path) {
  nts_options o;
  nts_options_init(&o);
  o.retention_ms = 1000;
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, &o, &db));
  const char *v_col[] = {"v"};
  const int64_t ts[] = {1000, 5000, 9000, 10000};
  const double v[] = {1, 2, 3, 4};
  const double *colv[] = {v};
  CHECK_OK(nts_create_table(db, "r", v_col, 1));
  CHECK_OK(nts_append_rows(db, "r", ts, 4, colv, 1));
  CHECK_OK(nts_compact_retention_now(db));
  /* Cutoff = min(newest = 10000, now) - 1000 = 9000: rows at 9000 and 10000 stay. */
  CHECK(rows_of(db, "r", INT64_MIN, INT64_MAX) == 2);
  CHECK_OK(nts_close(db));
  CHECK_ST(nts_compact_retention_now(db), NTS_ERR_CLOSED);
  CHECK_ST(nts_pack_table(db, "r", 10), NTS_ERR_CLOSED);
  CHECK_ST(nts_delete_range(db, "r", 0, 1), NTS_ERR_CLOSED);
  CHECK_ST(nts_drop_table(db, "r"), NTS_ERR_CLOSED);
#if defined(NTS_SQL)
  CHECK_ST(nts_exec_sql(db, "CREATE TABLE z (a)"), NTS_ERR_CLOSED);
#endif
}

#if defined(NTS_MAINTENANCE)
static int hook_calls = 0;
static void on_error(void *user, nts_status code, const char *message) {
  (void)message;
  if (user == &hook_calls && code != NTS_OK) hook_calls++;
}

static void test_background(const char *path) {
  nts_options o;
  nts_options_init(&o);
  CHECK(o.auto_maintenance == 0 && o.maintenance_interval_ms == 0);
  o.auto_maintenance = 1;
  o.maintenance_interval_ms = 5;
  o.flush_after_ms = 10;
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, &o, &db));
  CHECK_OK(nts_set_maintenance_hook(db, on_error, &hook_calls));
  const char *v_col[] = {"v"};
  const int64_t ts[] = {1, 2};
  const double v[] = {1, 2};
  const double *colv[] = {v};
  CHECK_OK(nts_create_table(db, "b", v_col, 1));
  CHECK_OK(nts_append_rows(db, "b", ts, 2, colv, 1));
  nts_maintenance_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  uint64_t pending = 1;
  for (int i = 0; i < 2000 && (pending != 0 || info.flushes == 0); i++) {
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
    CHECK_OK(nts_pending_bytes(db, &pending));
    CHECK_OK(nts_maintenance_status(db, &info));
  }
  CHECK(pending == 0);
  CHECK(info.running == 1);
  CHECK(info.flushes >= 1 && info.runs >= 1);
  CHECK(info.errors == 0 && info.last_error_status == NTS_OK && info.last_error_message[0] == 0);
  CHECK(hook_calls == 0);
  CHECK_OK(nts_set_maintenance_hook(db, NULL, NULL));
  info.struct_size = 8;
  CHECK_ST(nts_maintenance_status(db, &info), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_maintenance_status(db, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_maintenance_status(NULL, &info), NTS_ERR_INVALID_ARGUMENT);
  o.auto_maintenance = 7;
  nts_db *bad = NULL;
  CHECK_ST(nts_open(path, &o, &bad), NTS_ERR_INVALID_ARGUMENT);
  CHECK_OK(nts_close(db));
  CHECK_ST(nts_maintenance_status(db, &info), NTS_ERR_CLOSED);
  CHECK_ST(nts_set_maintenance_hook(db, on_error, NULL), NTS_ERR_CLOSED);
  /* Without auto_maintenance the status is all zero. */
  REQUIRE_OK(nts_open(path, NULL, &db));
  info.struct_size = sizeof info;
  CHECK_OK(nts_maintenance_status(db, &info));
  CHECK(info.running == 0 && info.runs == 0);
  CHECK(rows_of(db, "b", 0, 9) == 2);
  CHECK_OK(nts_close(db));
}
#else
/* A library without the background thread refuses to start one, and says
 * why; without auto_maintenance it opens as usual. */
static void test_background(const char *path) {
  nts_options o;
  nts_options_init(&o);
  o.auto_maintenance = 1;
  nts_db *db = NULL;
  CHECK_ST(nts_open(path, &o, &db), NTS_ERR_INVALID_ARGUMENT);
  CHECK(db == NULL);
  CHECK(strstr(nts_last_error(), "cargo feature maintenance") != NULL);
  o.auto_maintenance = 7;
  CHECK_ST(nts_open(path, &o, &db), NTS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nts_last_error(), "is not 0 or 1") != NULL);
  o.auto_maintenance = 0;
  REQUIRE_OK(nts_open(path, &o, &db));
  CHECK_OK(nts_close(db));
}
#endif

int main(int argc, char **argv) {
  nts_t_init(argc, argv);
  char path[1024], path2[1024], path3[1024];
  nts_t_path(path, sizeof path, "maintenance.ntt");
  nts_t_path(path2, sizeof path2, "retention.ntt");
  nts_t_path(path3, sizeof path3, "background.ntt");
  nts_options o;
  nts_options_init(&o);
  o.sync = NTS_SYNC_NEVER;
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, &o, &db));
#if defined(NTS_SQL)
  test_sql(db);
#endif
  test_delete_and_pack(db, path);
  CHECK_OK(nts_close(db));
#if defined(NTS_SQL)
  /* Everything survives a reopen. */
  REQUIRE_OK(nts_open(path, NULL, &db));
  CHECK(rows_of(db, "t", 0, 10) == 3);
  CHECK_OK(nts_close(db));
#endif
  test_retention(path2);
  test_background(path3);
  return nts_t_finish();
}
