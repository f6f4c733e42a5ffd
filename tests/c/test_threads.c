#define _POSIX_C_SOURCE 200809L
/* One nts_db shared by several pthreads: concurrent appends (row and
 * columnar, to separate and shared tables), queries, stats and flushes,
 * then a close racing with running calls. */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "check.h"

#define WRITERS 4
#define READERS 2
#define ROWS_PER_WRITER 20000

static nts_db *db;
static volatile int writers_done = 0;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int errors = 0;

static void fail(const char *what, nts_status st) {
  pthread_mutex_lock(&mu);
  errors++;
  fprintf(stderr, "%s: %d %s\n", what, st, nts_last_error());
  pthread_mutex_unlock(&mu);
}

static void *writer(void *arg) {
  int id = (int)(intptr_t)arg;
  char own[32];
  snprintf(own, sizeof own, "w%d", id);
  for (int i = 0; i < ROWS_PER_WRITER; i++) {
    double v[2] = {(double)id, (double)i};
    nts_status st = nts_append_row(db, "shared", (int64_t)i * WRITERS + id, v, 2);
    if (st != NTS_OK) fail("append_row", st);
    st = nts_append(db, own, i, (double)i);
    if (st != NTS_OK) fail("append", st);
    if (i % 5000 == 0 && (st = nts_flush(db)) != NTS_OK) fail("flush", st);
  }
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  size_t last = 0;
  int iterations = 0;
  while (!writers_done || iterations < 3) {
    nts_result *r = NULL;
    nts_status st = nts_query_range(db, "shared", INT64_MIN, INT64_MAX, &r);
    if (st != NTS_OK) {
      fail("query", st);
      break;
    }
    size_t n = nts_result_rows(r);
    const int64_t *ts = nts_result_ts(r);
    if (n < last) fail("row count went backwards", NTS_OK);
    for (size_t i = 1; i < n; i++)
      if (ts[i - 1] > ts[i]) {
        fail("unsorted result", NTS_OK);
        break;
      }
    last = n;
    nts_result_free(r);
    nts_stats s;
    s.struct_size = sizeof s;
    if ((st = nts_table_stats(db, "shared", &s)) != NTS_OK) fail("stats", st);
    nts_strings *names = NULL;
    if ((st = nts_list_tables(db, &names)) != NTS_OK) fail("list", st);
    nts_strings_free(names);
    iterations++;
  }
  return NULL;
}

static volatile int stop_racers = 0;

static void *racer(void *arg) {
  (void)arg;
  double v[2] = {1, 2};
  for (int i = 0; !stop_racers; i++) {
    nts_status st = nts_append_row(db, "shared", 1000000 + i, v, 2);
    if (st != NTS_OK && st != NTS_ERR_CLOSED) fail("racer append", st);
    nts_result *r = NULL;
    st = nts_query_range(db, "shared", 0, 10, &r);
    if (st != NTS_OK && st != NTS_ERR_CLOSED) fail("racer query", st);
    nts_result_free(r);
    if (st == NTS_ERR_CLOSED) break;
  }
  return NULL;
}

int main(int argc, char **argv) {
  nts_t_init(argc, argv);
  char path[1024];
  nts_t_path(path, sizeof path, "threads.ntt");
  nts_options o;
  nts_options_init(&o);
  o.sync = NTS_SYNC_NEVER;
  o.auto_flush_bytes = 256 * 1024;
  REQUIRE_OK(nts_open(path, &o, &db));
  const char *cols[] = {"writer", "i"};
  REQUIRE_OK(nts_create_table(db, "shared", cols, 2));

  pthread_t w[WRITERS], r[READERS];
  for (int i = 0; i < WRITERS; i++) pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i);
  for (int i = 0; i < READERS; i++) pthread_create(&r[i], NULL, reader, NULL);
  for (int i = 0; i < WRITERS; i++) pthread_join(w[i], NULL);
  writers_done = 1;
  for (int i = 0; i < READERS; i++) pthread_join(r[i], NULL);
  CHECK(errors == 0);

  nts_result *res = NULL;
  REQUIRE_OK(nts_query_range(db, "shared", INT64_MIN, INT64_MAX, &res));
  CHECK(nts_result_rows(res) == (size_t)WRITERS * ROWS_PER_WRITER);
  const int64_t *ts = nts_result_ts(res);
  int dense = 1;
  for (size_t i = 0; i < nts_result_rows(res); i++)
    if (ts[i] != (int64_t)i) dense = 0;
  CHECK(dense);
  nts_result_free(res);
  for (int i = 0; i < WRITERS; i++) {
    char own[32];
    snprintf(own, sizeof own, "w%d", i);
    REQUIRE_OK(nts_query_range(db, own, INT64_MIN, INT64_MAX, &res));
    CHECK(nts_result_rows(res) == ROWS_PER_WRITER);
    nts_result_free(res);
  }

  /* nts_close while other threads are calling: they get OK or CLOSED. */
  pthread_t rc[3];
  for (int i = 0; i < 3; i++) pthread_create(&rc[i], NULL, racer, NULL);
  struct timespec ts10 = {0, 20 * 1000 * 1000};
  nanosleep(&ts10, NULL);
  CHECK_OK(nts_close(db));
  stop_racers = 1;
  for (int i = 0; i < 3; i++) pthread_join(rc[i], NULL);
  CHECK(errors == 0);
  return nts_t_finish();
}
