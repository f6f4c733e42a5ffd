/* Minimal assertion helpers for the NanoTS C tests. Each test program ends
 * with a "N passed, N failed" line and exits non-zero on any failure. */
#ifndef NTS_TEST_CHECK_H
#define NTS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanots.h"

static int nts_t_passed = 0, nts_t_failed = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      nts_t_passed++;                                                        \
    } else {                                                                 \
      nts_t_failed++;                                                        \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, \
              __LINE__, #cond, nts_last_error());                            \
    }                                                                        \
  } while (0)

/* Checks a call returns `want`, printing both codes otherwise. */
#define CHECK_ST(call, want)                                                  \
  do {                                                                        \
    nts_status st_ = (call);                                                  \
    if (st_ == (want)) {                                                      \
      nts_t_passed++;                                                         \
    } else {                                                                  \
      nts_t_failed++;                                                         \
      fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s); last error: %s\n", \
              __FILE__, __LINE__, #call, st_, nts_status_str(st_), (want),    \
              nts_status_str(want), nts_last_error());                        \
    }                                                                         \
  } while (0)

#define CHECK_OK(call) CHECK_ST(call, NTS_OK)

/* Fatal variant for preconditions of the rest of a test. */
#define REQUIRE_OK(call)                                                      \
  do {                                                                        \
    nts_status st_ = (call);                                                  \
    if (st_ != NTS_OK) {                                                      \
      fprintf(stderr, "%s:%d: %s failed: %d (%s): %s\n", __FILE__, __LINE__,  \
              #call, st_, nts_status_str(st_), nts_last_error());             \
      exit(2);                                                                \
    }                                                                         \
  } while (0)

static int nts_t_finish(void) {
  printf("%d passed, %d failed\n", nts_t_passed, nts_t_failed);
  return nts_t_failed == 0 ? 0 : 1;
}

/* A fresh database path under the directory given as argv[1] (or "."). */
static void nts_t_path(char *buf, size_t n, int argc, char **argv, const char *name) {
  snprintf(buf, n, "%s/%s", argc > 1 ? argv[1] : ".", name);
  remove(buf);
  char wal[1100];
  snprintf(wal, sizeof wal, "%s-wal", buf);
  remove(wal);
}

#endif
