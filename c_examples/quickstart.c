/* NanoTS C quickstart: open, create a table, append, flush, query, print.
 * Build with CMake (nanots_quickstart) or:
 *   cc quickstart.c -Iinclude -Lpath/to/lib -lnanots -o quickstart */
#include <inttypes.h>
#include <stdio.h>

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
  const char *path = argc > 1 ? argv[1] : "quickstart.ntt";
  printf("NanoTS %s\n", nts_version());

  nts_options opts;
  nts_options_init(&opts); /* defaults; then adjust fields */
  opts.sync = NTS_SYNC_ON_FLUSH;

  nts_db *db = NULL;
  TRY(nts_open(path, &opts, &db));

  const char *columns[] = {"temp", "humidity"};
  TRY(nts_create_table(db, "sensor", columns, 2)); /* idempotent */

  const int64_t t0 = 1704067200000; /* 2024-01-01T00:00:00Z in ms */
  for (int i = 0; i < 10; i++) {
    double values[2] = {20.0 + i * 0.5, 60.0 - i};
    TRY(nts_append_row(db, "sensor", t0 + i * 1000, values, 2));
  }
  TRY(nts_flush(db));

  /* Inclusive range: rows 2..5. */
  nts_result *res = NULL;
  TRY(nts_query_range(db, "sensor", t0 + 2000, t0 + 5000, &res));
  size_t rows = nts_result_rows(res);
  const int64_t *ts = nts_result_ts(res);
  const double *temp = nts_result_column(res, 0);
  const double *hum = nts_result_column(res, 1);
  printf("%zu rows\n%-15s %8s %8s\n", rows, "ts_ms", nts_result_column_name(res, 0),
         nts_result_column_name(res, 1));
  for (size_t i = 0; i < rows; i++)
    printf("%-15" PRId64 " %8.2f %8.2f\n", ts[i], temp[i], hum[i]);
  nts_result_free(res);

  nts_stats stats;
  stats.struct_size = sizeof stats;
  TRY(nts_table_stats(db, "sensor", &stats));
  printf("table sensor: %" PRIu64 " rows in %" PRIu64 " segment(s), %" PRIu64
         " bytes on disk\n",
         stats.rows, stats.segments, stats.bytes_on_disk);

  TRY(nts_close(db));
  return 0;
}
