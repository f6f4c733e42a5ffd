/* Built against an installed NanoTS by tests/cmake_consumer (shared and
 * static). Exits 0 when a round trip through the library works. */
#include <stdio.h>
#include <string.h>

#include "nanots.h"

int main(int argc, char **argv) {
  char path[1024];
  snprintf(path, sizeof path, "%s/consumer.ntt", argc > 1 ? argv[1] : ".");
  remove(path);
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", NTS_VERSION_MAJOR, NTS_VERSION_MINOR, NTS_VERSION_PATCH);
  if (strcmp(nts_version(), want) != 0) {
    fprintf(stderr, "header %s vs library %s\n", want, nts_version());
    return 1;
  }
  nts_db *db = NULL;
  nts_result *r = NULL;
  if (nts_open(path, NULL, &db) != NTS_OK || nts_append(db, "cpu", 1, 0.5) != NTS_OK ||
      nts_append(db, "cpu", 2, 0.75) != NTS_OK ||
      nts_query_range(db, "cpu", 0, 10, &r) != NTS_OK) {
    fprintf(stderr, "failed: %s\n", nts_last_error());
    return 1;
  }
  int ok = nts_result_rows(r) == 2 && nts_result_column(r, 0)[1] == 0.75;
  nts_result_free(r);
#ifdef NTS_ARROW
  struct ArrowArray a;
  struct ArrowSchema s;
  if (nts_query_range_arrow(db, "cpu", 0, 10, &a, &s) != NTS_OK) return 1;
  ok = ok && a.length == 2;
  a.release(&a);
  s.release(&s);
#endif
  if (nts_close(db) != NTS_OK) return 1;
  printf("consumer: NanoTS %s %s\n", nts_version(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
