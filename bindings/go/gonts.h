/*
 * C helpers of the Go package, included by the cgo preamble of every Go
 * file that calls the library. Everything here is `static inline`: each
 * preamble is compiled on its own, and a file with //export may hold no
 * other definitions.
 *
 * Why the helpers exist:
 * - Error messages. nts_last_error() is per OS thread, and a goroutine may
 *   run on another thread at its next cgo call. A single cgo call runs on
 *   one thread from start to end, so every fallible nts_* call is made by a
 *   helper here that reads the message right after the failing call, in the
 *   same C call, and returns it (a strdup the Go side frees) with the status.
 * - Strings. A Go string is not NUL-terminated. The helpers copy names into
 *   a stack buffer (a heap buffer for long ones), so the hot append paths
 *   make no allocation on the Go side.
 * - Handles. An nts_db * is a token the library never dereferences (small
 *   integers): the Go side keeps it as a uintptr, never as a Go pointer,
 *   and the helpers cast it back.
 * - Arrow callbacks. Go cannot call C function pointers; the helpers do.
 */
#ifndef GONTS_H
#define GONTS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gonts_core.h"

/* A NUL-terminated copy of a Go string: in `buf` when it fits (names are at
 * most 255 bytes, so they always do), else malloc'd. The Go side has
 * already refused strings holding a NUL byte. */
typedef struct {
  char buf[256];
  char *heap;
} gonts_cstr;

static inline const char *gonts_cstr_of(gonts_cstr *b, _GoString_ s) {
  size_t n = _GoStringLen(s);
  char *dst = b->buf;
  b->heap = NULL;
  if (n >= sizeof b->buf) {
    dst = b->heap = (char *)malloc(n + 1);
    if (dst == NULL) return NULL; /* the library then reports a NULL name */
  }
  if (n > 0) memcpy(dst, _GoStringPtr(s), n);
  dst[n] = '\0';
  return dst;
}

static inline void gonts_cstr_free(gonts_cstr *b) { free(b->heap); }

/* Calls `call` with `name` as the C string of Go string `gostr`, returns
 * its status and message. */
#define GONTS_WITH_NAME(name, gostr, call)          \
  do {                                              \
    gonts_cstr name##_buf_;                         \
    const char *name = gonts_cstr_of(&name##_buf_, gostr); \
    gonts_ret r_ = gonts_ret_of(call);              \
    gonts_cstr_free(&name##_buf_);                  \
    return r_;                                      \
  } while (0)

/* ---- database ---- */

static inline gonts_ret gonts_open(_GoString_ path, const nts_options *opts, uintptr_t *out) {
  gonts_cstr buf;
  const char *p = gonts_cstr_of(&buf, path);
  nts_db *db = NULL;
  gonts_ret r = gonts_ret_of(nts_open(p, opts, &db));
  gonts_cstr_free(&buf);
  *out = (uintptr_t)db;
  return r;
}

static inline gonts_ret gonts_close(uintptr_t db) { return gonts_ret_of(nts_close(gonts_db(db))); }

static inline gonts_ret gonts_flush(uintptr_t db) { return gonts_ret_of(nts_flush(gonts_db(db))); }

static inline gonts_ret gonts_pending_bytes(uintptr_t db, uint64_t *out) {
  return gonts_ret_of(nts_pending_bytes(gonts_db(db), out));
}

static inline gonts_ret gonts_refresh(uintptr_t db, uint32_t *changed) {
  return gonts_ret_of(nts_refresh(gonts_db(db), changed));
}

static inline gonts_ret gonts_is_read_only(uintptr_t db, uint32_t *out) {
  return gonts_ret_of(nts_is_read_only(gonts_db(db), out));
}

/* ---- tables ---- */

/* `joined` holds `ncols` NUL-terminated names back to back (Go memory, used
 * only during this call). */
static inline gonts_ret gonts_create_table(uintptr_t db, _GoString_ table, const char *joined,
                                           size_t ncols) {
  const char **cols = NULL;
  if (ncols > 0) {
    cols = (const char **)malloc(ncols * sizeof *cols);
    if (cols == NULL) {
      gonts_ret r = {NTS_ERR_TOO_LARGE, strdup("nts_create_table: out of memory for the column list")};
      return r;
    }
    const char *p = joined;
    for (size_t i = 0; i < ncols; i++) {
      cols[i] = p;
      p += strlen(p) + 1;
    }
  }
  gonts_cstr buf;
  const char *t = gonts_cstr_of(&buf, table);
  gonts_ret r = gonts_ret_of(nts_create_table(gonts_db(db), t, cols, ncols));
  gonts_cstr_free(&buf);
  free((void *)cols);
  return r;
}

static inline gonts_ret gonts_list_tables(uintptr_t db, nts_strings **out) {
  return gonts_ret_of(nts_list_tables(gonts_db(db), out));
}

static inline gonts_ret gonts_table_columns(uintptr_t db, _GoString_ table, nts_strings **out) {
  GONTS_WITH_NAME(t, table, nts_table_columns(gonts_db(db), t, out));
}

static inline gonts_ret gonts_drop_table(uintptr_t db, _GoString_ table) {
  GONTS_WITH_NAME(t, table, nts_drop_table(gonts_db(db), t));
}

/* ---- appends ---- */

static inline gonts_ret gonts_append(uintptr_t db, _GoString_ series, int64_t ts, double v) {
  GONTS_WITH_NAME(s, series, nts_append(gonts_db(db), s, ts, v));
}

static inline gonts_ret gonts_append_row(uintptr_t db, _GoString_ table, int64_t ts,
                                         const double *values, size_t n) {
  GONTS_WITH_NAME(t, table, nts_append_row(gonts_db(db), t, ts, values, n));
}

static inline gonts_ret gonts_append_rows(uintptr_t db, _GoString_ table, const int64_t *ts,
                                          size_t nrows, const double *const *cols, size_t ncols) {
  GONTS_WITH_NAME(t, table, nts_append_rows(gonts_db(db), t, ts, nrows, cols, ncols));
}

/* ---- queries ---- */

static inline gonts_ret gonts_query_range(uintptr_t db, _GoString_ table, int64_t from, int64_t to,
                                          nts_result **out) {
  GONTS_WITH_NAME(t, table, nts_query_range(gonts_db(db), t, from, to, out));
}

static inline gonts_ret gonts_table_stats(uintptr_t db, _GoString_ table, nts_stats *out) {
  GONTS_WITH_NAME(t, table, nts_table_stats(gonts_db(db), t, out));
}

static inline gonts_ret gonts_table_column_stats(uintptr_t db, _GoString_ table, _GoString_ column,
                                                 nts_column_stats *out) {
  gonts_cstr cbuf;
  const char *c = gonts_cstr_of(&cbuf, column);
  gonts_cstr tbuf;
  const char *t = gonts_cstr_of(&tbuf, table);
  gonts_ret r = gonts_ret_of(nts_table_column_stats(gonts_db(db), t, c, out));
  gonts_cstr_free(&tbuf);
  gonts_cstr_free(&cbuf);
  return r;
}

/* ---- Arrow ---- */

static inline gonts_ret gonts_query_range_arrow(uintptr_t db, _GoString_ table, int64_t from,
                                                int64_t to, struct ArrowArray *a,
                                                struct ArrowSchema *s) {
  GONTS_WITH_NAME(t, table, nts_query_range_arrow(gonts_db(db), t, from, to, a, s));
}

static inline gonts_ret gonts_query_range_stream(uintptr_t db, _GoString_ table, int64_t from,
                                                 int64_t to, struct ArrowArrayStream *out) {
  GONTS_WITH_NAME(t, table, nts_query_range_stream(gonts_db(db), t, from, to, out));
}

static inline gonts_ret gonts_query_aggregate_arrow(uintptr_t db, _GoString_ table, int64_t from,
                                                    int64_t to, int64_t bucket,
                                                    const uint32_t *aggs, size_t naggs,
                                                    struct ArrowArray *a, struct ArrowSchema *s) {
  GONTS_WITH_NAME(t, table,
                  nts_query_aggregate_arrow(gonts_db(db), t, from, to, bucket, aggs, naggs, a, s));
}

static inline gonts_ret gonts_query_aggregate_stream(uintptr_t db, _GoString_ table, int64_t from,
                                                     int64_t to, int64_t bucket,
                                                     const uint32_t *aggs, size_t naggs,
                                                     struct ArrowArrayStream *out) {
  GONTS_WITH_NAME(t, table,
                  nts_query_aggregate_stream(gonts_db(db), t, from, to, bucket, aggs, naggs, out));
}

static inline gonts_ret gonts_latest_arrow(uintptr_t db, _GoString_ table, uint64_t n,
                                           struct ArrowArray *a, struct ArrowSchema *s) {
  GONTS_WITH_NAME(t, table, nts_latest_arrow(gonts_db(db), t, n, a, s));
}

/* Arrow C Stream callbacks. A non-zero errno from get_schema / get_next
 * comes back as the status, with get_last_error's text read at once (the
 * text is only valid until the stream's next call). */
static inline gonts_ret gonts_stream_ret(struct ArrowArrayStream *st, int errnum) {
  gonts_ret r;
  r.status = errnum;
  r.msg = NULL;
  if (errnum != 0) {
    const char *m = st->get_last_error ? st->get_last_error(st) : NULL;
    r.msg = strdup(m ? m : "");
  }
  return r;
}

static inline gonts_ret gonts_stream_get_schema(struct ArrowArrayStream *st,
                                                struct ArrowSchema *out) {
  return gonts_stream_ret(st, st->get_schema(st, out));
}

static inline gonts_ret gonts_stream_get_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
  return gonts_stream_ret(st, st->get_next(st, out));
}

/* Each release helper is a no-op on a released (or moved-from) struct. */
static inline void gonts_stream_release(struct ArrowArrayStream *st) {
  if (st->release != NULL) st->release(st);
}

static inline void gonts_array_release(struct ArrowArray *a) {
  if (a->release != NULL) a->release(a);
}

static inline void gonts_schema_release(struct ArrowSchema *s) {
  if (s->release != NULL) s->release(s);
}

/* ---- durability and maintenance ---- */

static inline gonts_ret gonts_verify(uintptr_t db, nts_verify_report *out, nts_strings **problems) {
  return gonts_ret_of(nts_verify(gonts_db(db), out, problems));
}

static inline gonts_ret gonts_recovery_report(uintptr_t db, nts_recovery_info *out,
                                              nts_strings **problems) {
  return gonts_ret_of(nts_recovery_report(gonts_db(db), out, problems));
}

static inline gonts_ret gonts_commit_stats(uintptr_t db, nts_commit_info *out) {
  return gonts_ret_of(nts_commit_stats(gonts_db(db), out));
}

static inline gonts_ret gonts_backup(uintptr_t db, _GoString_ dest, uint32_t mode) {
  GONTS_WITH_NAME(d, dest, nts_backup(gonts_db(db), d, mode));
}

static inline gonts_ret gonts_pack_table(uintptr_t db, _GoString_ table, uint64_t target) {
  GONTS_WITH_NAME(t, table, nts_pack_table(gonts_db(db), t, target));
}

static inline gonts_ret gonts_merge_small_segments(uintptr_t db, uint64_t target_rows,
                                                   uint64_t min_segments, uint64_t *merged) {
  return gonts_ret_of(nts_merge_small_segments(gonts_db(db), target_rows, min_segments, merged));
}

static inline gonts_ret gonts_compact_retention_now(uintptr_t db) {
  return gonts_ret_of(nts_compact_retention_now(gonts_db(db)));
}

static inline gonts_ret gonts_delete_range(uintptr_t db, _GoString_ table, int64_t from,
                                           int64_t to) {
  GONTS_WITH_NAME(t, table, nts_delete_range(gonts_db(db), t, from, to));
}

static inline gonts_ret gonts_exec_sql(uintptr_t db, _GoString_ sql) {
  GONTS_WITH_NAME(s, sql, nts_exec_sql(gonts_db(db), s));
}

static inline gonts_ret gonts_maintenance_status(uintptr_t db, nts_maintenance_info *out) {
  return gonts_ret_of(nts_maintenance_status(gonts_db(db), out));
}

#endif /* GONTS_H */
