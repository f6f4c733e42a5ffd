/* The Arrow exports: nts_query_range_arrow (C Data Interface) and
 * nts_query_range_stream (C Stream Interface), consumed by hand: schema,
 * layout, values, release callbacks, errors, and a stream outliving
 * nts_close. */
#include <math.h>
#include <stdint.h>

#include "check.h"

#define ROWS 200000 /* > 65536: the stream must split groups */

static void check_schema(const struct ArrowSchema *s) {
  CHECK(strcmp(s->format, "+s") == 0);
  CHECK(s->n_children == 3);
  if (s->n_children != 3) return;
  CHECK(strcmp(s->children[0]->format, "tsm:") == 0);
  CHECK(strcmp(s->children[0]->name, "ts_ms") == 0);
  CHECK((s->children[0]->flags & ARROW_FLAG_NULLABLE) == 0);
  CHECK(strcmp(s->children[1]->format, "g") == 0);
  CHECK(strcmp(s->children[1]->name, "a") == 0);
  CHECK((s->children[1]->flags & ARROW_FLAG_NULLABLE) == 0);
  CHECK(strcmp(s->children[2]->name, "b") == 0);
}

/* Sums column a over a struct array, checking ts order and b == -a. */
static double sum_batch(const struct ArrowArray *arr, int64_t *last_ts, int64_t *rows) {
  double sum = 0;
  CHECK(arr->n_children == 3 && arr->null_count == 0);
  const struct ArrowArray *t = arr->children[0], *a = arr->children[1], *b = arr->children[2];
  CHECK(t->n_buffers == 2 && a->n_buffers == 2 && t->null_count == 0);
  const int64_t *tv = (const int64_t *)t->buffers[1] + t->offset + arr->offset;
  const double *av = (const double *)a->buffers[1] + a->offset + arr->offset;
  const double *bv = (const double *)b->buffers[1] + b->offset + arr->offset;
  int ok = 1;
  for (int64_t i = 0; i < arr->length; i++) {
    if (tv[i] < *last_ts || bv[i] != -av[i] || av[i] != (double)tv[i]) ok = 0;
    *last_ts = tv[i];
    sum += av[i];
  }
  CHECK(ok);
  *rows += arr->length;
  return sum;
}

/* A damaged segment is reported, never crashes: by nts_open
 * (NTS_ERR_CORRUPT), or by nts_query_range (NTS_ERR_CORRUPT) and the
 * stream's get_next (non-zero errno plus get_last_error). */
static void test_corruption(const char *path) {
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, NULL, &db));
  const char *cols[] = {"v"};
  REQUIRE_OK(nts_create_table(db, "t", cols, 1));
  for (int i = 0; i < 200000; i++) {
    double v = i * 1.5;
    REQUIRE_OK(nts_append_row(db, "t", i, &v, 1));
  }
  REQUIRE_OK(nts_close(db));
  FILE *f = fopen(path, "r+b");
  CHECK(f != NULL);
  if (!f) return;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, n / 2, SEEK_SET);
  int ch = fgetc(f);
  fseek(f, n / 2, SEEK_SET);
  fputc(ch ^ 0xff, f);
  fclose(f);

  nts_status st = nts_open(path, NULL, &db);
  if (st != NTS_OK) {
    CHECK(st == NTS_ERR_CORRUPT);
    return;
  }
  nts_result *r = NULL;
  CHECK_ST(nts_query_range(db, "t", 0, 1000000, &r), NTS_ERR_CORRUPT);
  CHECK(r == NULL);
  CHECK(strstr(nts_last_error(), "corrupt") != NULL);
  struct ArrowArray arr;
  struct ArrowSchema sch;
  CHECK_ST(nts_query_range_arrow(db, "t", 0, 1000000, &arr, &sch), NTS_ERR_CORRUPT);
  CHECK(arr.release == NULL && sch.release == NULL);
  struct ArrowArrayStream s;
  REQUIRE_OK(nts_query_range_stream(db, "t", 0, 1000000, &s));
  int rc;
  int64_t rows = 0;
  while ((rc = s.get_next(&s, &arr)) == 0 && arr.release != NULL) {
    rows += arr.length;
    arr.release(&arr);
  }
  CHECK(rc != 0);
  CHECK(rows < 200000);
  const char *msg = rc ? s.get_last_error(&s) : NULL;
  CHECK(msg != NULL && strstr(msg, "corrupt") != NULL);
  s.release(&s);
  CHECK_OK(nts_close(db));
}

int main(int argc, char **argv) {
  nts_t_init(argc, argv);
  char path[1024];
  nts_t_path(path, sizeof path, "arrow.ntt");
  nts_options o;
  nts_options_init(&o);
  o.sync = NTS_SYNC_NEVER;
  o.segment_max_rows = 100000;
  nts_db *db = NULL;
  REQUIRE_OK(nts_open(path, &o, &db));
  const char *cols[] = {"a", "b"};
  REQUIRE_OK(nts_create_table(db, "t", cols, 2));
  int64_t *ts = malloc(ROWS * sizeof *ts);
  double *a = malloc(ROWS * sizeof *a), *b = malloc(ROWS * sizeof *b);
  double want = 0;
  for (int64_t i = 0; i < ROWS; i++) {
    ts[i] = i;
    a[i] = (double)i;
    b[i] = -(double)i;
    want += a[i];
  }
  const double *cp[2] = {a, b};
  REQUIRE_OK(nts_append_rows(db, "t", ts, ROWS, cp, 2));
  REQUIRE_OK(nts_flush(db));
  double extra_a = ROWS, extra_b = -(double)ROWS;
  double row[2] = {extra_a, extra_b};
  REQUIRE_OK(nts_append_row(db, "t", ROWS, row, 2)); /* unflushed */
  want += extra_a;

  /* C Data Interface. */
  struct ArrowArray arr;
  struct ArrowSchema sch;
  CHECK_ST(nts_query_range_arrow(db, "nope", 0, 1, &arr, &sch), NTS_ERR_NOT_FOUND);
  CHECK(arr.release == NULL && sch.release == NULL);
  CHECK_ST(nts_query_range_arrow(db, "t", 1, 0, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_range_arrow(db, "t", 0, 1, NULL, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_range_arrow(db, "t", 0, 1, &arr, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_range_arrow(NULL, "t", 0, 1, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_range_arrow(db, "\xff", 0, 1, &arr, &sch), NTS_ERR_INVALID_ARGUMENT);
  REQUIRE_OK(nts_query_range_arrow(db, "t", INT64_MIN, INT64_MAX, &arr, &sch));
  check_schema(&sch);
  CHECK(arr.length == ROWS + 1);
  int64_t last = INT64_MIN, rows = 0;
  CHECK(sum_batch(&arr, &last, &rows) == want);
  arr.release(&arr);
  sch.release(&sch);
  CHECK(arr.release == NULL && sch.release == NULL);

  /* Inclusive range [10, 20]. */
  REQUIRE_OK(nts_query_range_arrow(db, "t", 10, 20, &arr, &sch));
  CHECK(arr.length == 11);
  arr.release(&arr);
  sch.release(&sch);

  /* C Stream Interface; the stream outlives the db handle. */
  struct ArrowArrayStream st;
  CHECK_ST(nts_query_range_stream(db, "nope", 0, 1, &st), NTS_ERR_NOT_FOUND);
  CHECK(st.release == NULL);
  CHECK_ST(nts_query_range_stream(db, "t", 0, 1, NULL), NTS_ERR_INVALID_ARGUMENT);
  CHECK_ST(nts_query_range_stream(db, "t", 5, 1, &st), NTS_ERR_INVALID_ARGUMENT);
  REQUIRE_OK(nts_query_range_stream(db, "t", INT64_MIN, INT64_MAX, &st));
  CHECK_OK(nts_close(db));
  struct ArrowArrayStream st2;
  CHECK_ST(nts_query_range_stream(db, "t", 0, 1, &st2), NTS_ERR_CLOSED);
  CHECK(st2.release == NULL);

  CHECK(st.get_schema(&st, &sch) == 0);
  check_schema(&sch);
  sch.release(&sch);
  int batches = 0;
  int64_t max_batch = 0;
  double sum = 0;
  last = INT64_MIN;
  rows = 0;
  for (;;) {
    int rc = st.get_next(&st, &arr);
    CHECK(rc == 0);
    if (rc != 0 || arr.release == NULL) break;
    batches++;
    if (arr.length > max_batch) max_batch = arr.length;
    sum += sum_batch(&arr, &last, &rows);
    arr.release(&arr);
  }
  CHECK(rows == ROWS + 1);
  CHECK(sum == want);
  CHECK(max_batch <= 65536);
  CHECK(batches >= 4);
  st.release(&st);
  CHECK(st.release == NULL);
  free(ts);
  free(a);
  free(b);

  char cpath[1024];
  nts_t_path(cpath, sizeof cpath, "corrupt.ntt");
  test_corruption(cpath);
  return nts_t_finish();
}
