/* Consumes nts_query_range_stream (an ArrowArrayStream) batch by batch and
 * prints the batch sizes and the sum of the first value column. Memory
 * stays bounded by one batch. Usage: arrow_stream [path] [rows] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "nanots.h"

#define TRY(call)                                                          \
  do {                                                                     \
    nts_status st_ = (call);                                               \
    if (st_ != NTS_OK) {                                                   \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, nts_status_str(st_), \
              nts_last_error());                                           \
      return 1;                                                            \
    }                                                                      \
  } while (0)

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "arrow_stream.ntt";
  int64_t rows = argc > 2 ? atoll(argv[2]) : 300000;
  remove(path);

  nts_db *db = NULL;
  TRY(nts_open(path, NULL, &db));
  const char *columns[] = {"value"};
  TRY(nts_create_table(db, "metrics", columns, 1));
  for (int64_t i = 0; i < rows; i++) {
    double v = (double)(i % 100);
    TRY(nts_append_row(db, "metrics", i * 10, &v, 1));
  }
  TRY(nts_flush(db));

  struct ArrowArrayStream stream;
  TRY(nts_query_range_stream(db, "metrics", INT64_MIN, INT64_MAX, &stream));
  TRY(nts_close(db)); /* the stream holds its own snapshot */

  struct ArrowSchema schema;
  if (stream.get_schema(&stream, &schema) != 0) {
    fprintf(stderr, "get_schema: %s\n", stream.get_last_error(&stream));
    return 1;
  }
  printf("schema %s with %" PRId64 " fields:", schema.format, schema.n_children);
  for (int64_t i = 0; i < schema.n_children; i++)
    printf(" %s:%s", schema.children[i]->name, schema.children[i]->format);
  printf("\n");
  schema.release(&schema);

  double sum = 0;
  int64_t total = 0, batches = 0;
  for (;;) {
    struct ArrowArray batch;
    if (stream.get_next(&stream, &batch) != 0) {
      fprintf(stderr, "get_next: %s\n", stream.get_last_error(&stream));
      stream.release(&stream);
      return 1;
    }
    if (batch.release == NULL) break; /* end of stream */
    const struct ArrowArray *col = batch.children[1]; /* children[0] is ts_ms */
    const double *v = (const double *)col->buffers[1] + col->offset + batch.offset;
    for (int64_t i = 0; i < batch.length; i++) sum += v[i];
    printf("batch %" PRId64 ": %" PRId64 " rows\n", batches, batch.length);
    total += batch.length;
    batches++;
    batch.release(&batch);
  }
  stream.release(&stream);
  printf("%" PRId64 " rows in %" PRId64 " batches, sum %.1f\n", total, batches, sum);
  return 0;
}
