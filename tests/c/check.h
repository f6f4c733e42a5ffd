/* Shared by the NanoTS C tests: minimal assertion helpers (each test program
 * ends with a "N passed, N failed" line and exits non-zero on any failure)
 * and file helpers (test paths, reading, writing, sizes). */
#ifndef NTS_TEST_CHECK_H
#define NTS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* ---- files -------------------------------------------------------------
 * Helpers are static inline so that a test using only some of them builds
 * without unused-function warnings. */

/* The directory for the test's files: argv[1], else "." (nts_t_init). */
static const char *nts_t_dir = ".";

/* Records the directory given as argv[1], if any; call it first in main. */
static inline void nts_t_init(int argc, char **argv) {
  if (argc > 1) nts_t_dir = argv[1];
}

/* `path` with "-wal" appended: the database's write-ahead log. */
static inline void nts_t_wal_path(char *buf, size_t n, const char *path) { snprintf(buf, n, "%s-wal", path); }

/* A fresh database path `name` under the test's directory: the file, its
 * WAL and the copy a salvage open keeps of a damaged file
 * ("<path>.damaged") are removed. */
static inline void nts_t_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", nts_t_dir, name);
  remove(buf);
  char side[4200];
  nts_t_wal_path(side, sizeof side, buf);
  remove(side);
  snprintf(side, sizeof side, "%s.damaged", buf);
  remove(side);
}

/* Whether `path` exists. */
static inline int nts_t_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* The size of `path` in bytes; -1 if it does not exist. */
static inline long long nts_t_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The whole of `path` in a malloc'd buffer (free it), its length in *len;
 * NULL if it cannot be read. */
static inline unsigned char *nts_t_read_file(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(*len > 0 ? (size_t)*len : 1);
  if (buf && fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

/* Writes `len` bytes of `buf` as the whole of `path` (created or
 * truncated); 1 on success, 0 on failure. */
static inline int nts_t_write_file(const char *path, const unsigned char *buf, long len) {
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  int ok = fwrite(buf, 1, (size_t)len, f) == (size_t)len;
  return fclose(f) == 0 && ok;
}

#endif
