/* NanoTS C API benchmark (build in release: the CMake target
 * nanots_bench_append links the release static library).
 *
 *   bench_append [dir] [runs]
 *
 * 1. nts_append_row: rows/s on a 2-column table (target >= 10M rows/s);
 * 2. nts_append_rows: rows/s in columnar batches of 65536 rows
 *    (target >= 100M rows/s);
 * 3. a 1M-row range query: nts_query_range (the Rust query plus a move
 *    into an nts_result) vs nts_query_range_arrow (target: within 1.5x)
 *    and nts_query_range_stream.
 * Each figure is the median of `runs` runs (default 5). Databases use
 * NTS_SYNC_NEVER so the figures measure the library, not the disk; the
 * appends include the automatic flushes (encoding + writing segments). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nanots.h"

#define TRY(call)                                                          \
  do {                                                                     \
    nts_status st_ = (call);                                               \
    if (st_ != NTS_OK) {                                                   \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, nts_status_str(st_), \
              nts_last_error());                                           \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#define MAX_RUNS 21

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static nts_db *fresh_db(const char *dir, const char *name) {
  char path[1024], wal[1100];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(wal, sizeof wal, "%s-wal", path);
  remove(path);
  remove(wal);
  nts_options o;
  nts_options_init(&o);
  o.sync = NTS_SYNC_NEVER;
  nts_db *db = NULL;
  TRY(nts_open(path, &o, &db));
  const char *cols[] = {"a", "b"};
  TRY(nts_create_table(db, "t", cols, 2));
  return db;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  int runs = argc > 2 ? atoi(argv[2]) : 5;
  if (runs < 1 || runs > MAX_RUNS) runs = 5;
  double t[MAX_RUNS];
  printf("NanoTS %s C API benchmark, median of %d runs\n", nts_version(), runs);

  /* 1. nts_append_row. */
  const int64_t row_n = 5000000;
  for (int r = 0; r < runs; r++) {
    nts_db *db = fresh_db(dir, "bench_row.ntt");
    double start = now();
    for (int64_t i = 0; i < row_n; i++) {
      double v[2] = {(double)i, (double)(i & 1023) * 0.25};
      TRY(nts_append_row(db, "t", 1700000000000 + i, v, 2));
    }
    TRY(nts_flush(db));
    t[r] = now() - start;
    TRY(nts_close(db));
  }
  double row_s = median(t, runs);
  printf("nts_append_row : %10.2f M rows/s  (%" PRId64 " rows, 2 columns, incl. flush)\n",
         row_n / row_s / 1e6, row_n);

  /* 2. nts_append_rows in batches of 64K. */
  const size_t batch = 65536, batches = 160; /* 10.5M rows */
  int64_t *ts = malloc(batch * sizeof *ts);
  double *a = malloc(batch * sizeof *a), *b = malloc(batch * sizeof *b);
  const double *cols[2] = {a, b};
  for (int r = 0; r < runs; r++) {
    nts_db *db = fresh_db(dir, "bench_rows.ntt");
    double start = now();
    for (size_t k = 0; k < batches; k++) {
      for (size_t i = 0; i < batch; i++) {
        int64_t n = (int64_t)(k * batch + i);
        ts[i] = 1700000000000 + n;
        a[i] = (double)n;
        b[i] = (double)(n & 1023) * 0.25;
      }
      TRY(nts_append_rows(db, "t", ts, batch, cols, 2));
    }
    TRY(nts_flush(db));
    t[r] = now() - start;
    TRY(nts_close(db));
  }
  double rows_s = median(t, runs);
  printf("nts_append_rows: %10.2f M rows/s  (%zu batches of %zu rows, incl. filling the batch and flush)\n",
         (double)(batch * batches) / rows_s / 1e6, batches, batch);

  /* 3. Query 1M rows. */
  nts_db *db = fresh_db(dir, "bench_query.ntt");
  const int64_t qn = 1000000;
  for (int64_t off = 0; off < qn; off += (int64_t)batch) {
    size_t n = (size_t)(qn - off) < batch ? (size_t)(qn - off) : batch;
    for (size_t i = 0; i < n; i++) {
      ts[i] = off + (int64_t)i;
      a[i] = (double)(off + (int64_t)i);
      b[i] = 0.5 * (double)i;
    }
    TRY(nts_append_rows(db, "t", ts, n, cols, 2));
  }
  TRY(nts_flush(db));
  double sink = 0;
  for (int r = 0; r < runs + 1; r++) { /* first run warms the page cache */
    double start = now();
    nts_result *res = NULL;
    TRY(nts_query_range(db, "t", 0, qn - 1, &res));
    if (nts_result_rows(res) != (size_t)qn) exit(2);
    sink += nts_result_column(res, 0)[qn - 1];
    nts_result_free(res);
    if (r > 0) t[r - 1] = now() - start;
  }
  double q_plain = median(t, runs);
  for (int r = 0; r < runs; r++) {
    double start = now();
    struct ArrowArray arr;
    struct ArrowSchema sch;
    TRY(nts_query_range_arrow(db, "t", 0, qn - 1, &arr, &sch));
    if (arr.length != qn) exit(2);
    sink += ((const double *)arr.children[1]->buffers[1])[qn - 1];
    arr.release(&arr);
    sch.release(&sch);
    t[r] = now() - start;
  }
  double q_arrow = median(t, runs);
  for (int r = 0; r < runs; r++) {
    double start = now();
    struct ArrowArrayStream st;
    TRY(nts_query_range_stream(db, "t", 0, qn - 1, &st));
    int64_t got = 0;
    for (;;) {
      struct ArrowArray arr;
      if (st.get_next(&st, &arr) != 0) exit(3);
      if (arr.release == NULL) break;
      got += arr.length;
      arr.release(&arr);
    }
    st.release(&st);
    if (got != qn) exit(2);
    t[r] = now() - start;
  }
  double q_stream = median(t, runs);
  TRY(nts_close(db));
  printf("query 1M rows  : nts_query_range %.2f ms, nts_query_range_arrow %.2f ms (%.2fx), "
         "nts_query_range_stream %.2f ms (%.2fx)\n",
         q_plain * 1e3, q_arrow * 1e3, q_arrow / q_plain, q_stream * 1e3, q_stream / q_plain);
  free(ts);
  free(a);
  free(b);
  return sink == 42.0; /* keep the reads alive */
}
