/* Aggregation and latest rows through Arrow: nts_query_aggregate_arrow,
 * nts_query_aggregate_stream (feature "aggregate") and nts_latest_arrow,
 * consumed by hand: schema, values, release callbacks, errors, use after
 * close. */
#include <math.h>
#include <stdint.h>

#include "check.h"

static const double *f64_child(const struct ArrowArray *arr, int k) {
  return (const double *)arr->children[k]->buffers[1] + arr->children[k]->offset + arr->offset;
}

#if defined(NTS_AGGREGATE)
static void test_aggregate(nts_db *db) {
  const uint32_t aggs[] = {NTS_AGG_COUNT, NTS_AGG_MAX, NTS_AGG_MEAN, NTS_AGG_FIRST};
  struct ArrowArray arr;
  struct ArrowSchema sch;
  /* 10,000 rows 1 ms apart, buckets of 1,000 ms, over [500, 9499]. */
  REQUIRE_OK(nts_query_aggregate_arrow(db, "t", 500, 9499, 1000, aggs, 4, &arr, &sch));
  CHECK(strcmp(sch.format, "+s") == 0 && sch.n_children == 9);
  CHECK(strcmp(sch.children[0]->name, "bucket_start") == 0 && strcmp(sch.children[0]->format, "tsm:") == 0);
  CHECK(strcmp(sch.children[1]->name, "v_count") == 0 && strcmp(sch.children[1]->format, "L") == 0);
  CHECK(strcmp(sch.children[2]->name, "v_max") == 0 && strcmp(sch.children[2]->format, "g") == 0);
  CHECK(strcmp(sch.children[7]->name, "w_mean") == 0);
  CHECK(strcmp(sch.children[8]->name, "w_first") == 0);
  CHECK(arr.length == 10 && arr.n_children == 9);
  const int64_t *start = (const int64_t *)arr.children[0]->buffers[1];
  const uint64_t *count = (const uint64_t *)arr.children[1]->buffers[1];
  const double *vmax = f64_child(&arr, 2), *wfirst = f64_child(&arr, 8);
  CHECK(start[0] == 0 && start[9] == 9000);
  CHECK(count[0] == 500 && count[1] == 1000 && count[9] == 500);
  CHECK(vmax[0] == 999.0 && vmax[9] == 9499.0);
  CHECK(wfirst[0] == -500.0 && wfirst[1] == -1000.0);
  arr.release(&arr);
  sch.release(&sch);
  CHECK(arr.release == NULL && sch.release == NULL);

  /* The stream gives the same buckets, batch by batch. */
  struct ArrowArrayStream st;
  REQUIRE_OK(nts_query_aggregate_stream(db, "t", 0, 9999, 1000, aggs, 4, &st));
  struct ArrowSchema s2;
  CHECK(st.get_schema(&st, &s2) == 0 && s2.n_children == 9);
  s2.release(&s2);
  int64_t buckets = 0;
  uint64_t rows = 0;
  for (;;) {
    struct ArrowArray b;
    if (st.get_next(&st, &b) != 0) {
      CHECK(0);
      break;
    }
    if (b.release == NULL) break;
    const uint64_t *c = (const uint64_t *)b.children[1]->buffers[1] + b.offset;
    for (int64_t i = 0; i < b.length; i++) rows += c[i];
    buckets += b.length;
    b.release(&b);
  }
  st.release(&st);
  CHECK(buckets == 10 && rows == 10000);

  /* Errors leave the out-params released. */
  uint32_t bad[] = {99};
  CHECK_ST(nts_query_aggregate_arrow(db, "t", 0, 10, 1000, bad, 1, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK(arr.release == NULL && sch.release == NULL);
  CHECK_ST(nts_query_aggregate_arrow(db, "t", 0, 10, 0, aggs, 4, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_aggregate_arrow(db, "t", 10, 0, 5, aggs, 4, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_aggregate_arrow(db, "t", 0, 10, 5, aggs, 0, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_aggregate_arrow(db, "t", 0, 10, 5, NULL, 4, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_aggregate_arrow(db, "nope", 0, 10, 5, aggs, 4, &arr, &sch), NTS_ERR_NOT_FOUND);
  CHECK_ST(nts_query_aggregate_arrow(db, "t", 0, 10, 5, aggs, 4, NULL, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_aggregate_arrow(NULL, "t", 0, 10, 5, aggs, 4, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_aggregate_stream(db, "t", 0, 10, 5, bad, 1, &st), NTS_ERR_INVALID_ARGUMENT);
  CHECK(st.release == NULL);
  CHECK_ST(nts_query_aggregate_stream(db, "t", 0, 10, 5, aggs, 4, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_aggregate_stream(db, "\xff", 0, 10, 5, aggs, 4, &st), NTS_ERR_INVALID_ARGUMENT);
}

#endif

static void test_latest(nts_db *db) {
  struct ArrowArray arr;
  struct ArrowSchema sch;
  REQUIRE_OK(nts_latest_arrow(db, "t", 1, &arr, &sch));
  CHECK(arr.length == 1 && sch.n_children == 3);
  CHECK(strcmp(sch.children[0]->name, "ts_ms") == 0);
  CHECK(((const int64_t *)arr.children[0]->buffers[1])[0] == 9999);
  CHECK(f64_child(&arr, 1)[0] == 9999.0 && f64_child(&arr, 2)[0] == -9999.0);
  arr.release(&arr);
  sch.release(&sch);
  REQUIRE_OK(nts_latest_arrow(db, "t", 3, &arr, &sch));
  CHECK(arr.length == 3);
  CHECK(((const int64_t *)arr.children[0]->buffers[1])[arr.offset] == 9997);
  arr.release(&arr);
  sch.release(&sch);
  REQUIRE_OK(nts_latest_arrow(db, "empty", 5, &arr, &sch));
  CHECK(arr.length == 0);
  arr.release(&arr);
  sch.release(&sch);
  CHECK_ST(nts_latest_arrow(db, "nope", 1, &arr, &sch), NTS_ERR_NOT_FOUND);
  CHECK(arr.release == NULL && sch.release == NULL);
  CHECK_ST(nts_latest_arrow(db, NULL, 1, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_latest_arrow(db, "t", 1, &arr, NULL), NTS_ERR_INVALID_ARGUMENT);
}

int main(int argc, char **argv) {
  nts_t_init(argc, argv);
  char path[1024];
  nts_t_path(path, sizeof path, "aggregate.ntt");
  nts_options o;
  nts_options_init(&o);
  o.segment_max_rows = 100; /* 10 segments per bucket: answered from statistics */
  o.segment_partition_ms = 1000;
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, &o, &db));
  const char *cols[] = {"v", "w"};
  REQUIRE_OK(nts_create_table(db, "t", cols, 2));
  REQUIRE_OK(nts_create_table(db, "empty", cols, 1));
  for (int64_t i = 0; i < 10000; i++) {
    double vals[2] = {(double)i, -(double)i};
    CHECK_OK(nts_append_row(db, "t", i, vals, 2));
    if (i == 5000) CHECK_OK(nts_flush(db));
  }
  CHECK_OK(nts_flush(db));
#if defined(NTS_AGGREGATE)
  test_aggregate(db);
#endif
  test_latest(db);
  CHECK_OK(nts_close(db));
  struct ArrowArray arr;
  struct ArrowSchema sch;
#if defined(NTS_AGGREGATE)
  const uint32_t aggs[] = {NTS_AGG_SUM};
  struct ArrowArrayStream st;
  CHECK_ST(nts_query_aggregate_arrow(db, "t", 0, 9, 5, aggs, 1, &arr, &sch), NTS_ERR_CLOSED);
  CHECK_ST(nts_query_aggregate_stream(db, "t", 0, 9, 5, aggs, 1, &st), NTS_ERR_CLOSED);
#endif
  CHECK_ST(nts_latest_arrow(db, "t", 1, &arr, &sch), NTS_ERR_CLOSED);
  return nts_t_finish();
}
