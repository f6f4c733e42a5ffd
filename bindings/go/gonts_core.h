/*
 * The core of the C helpers (see gonts.h): the status-and-message return
 * and the handle cast. Apart from gonts.h because hook.go, whose preamble
 * is also compiled into cgo's _cgo_export.c, may use only this part: Go
 * before 1.21 does not declare _GoStringLen there.
 */
#ifndef GONTS_CORE_H
#define GONTS_CORE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nanots.h"

/* A status and, when it is not NTS_OK, the library's message (malloc'd:
 * the Go side frees it; NULL if the copy failed). */
typedef struct {
  nts_status status;
  char *msg;
} gonts_ret;

/* Must run right after the nts_* call that returned `st`, in the same C
 * function (see the header comment). */
static inline gonts_ret gonts_ret_of(nts_status st) {
  gonts_ret r;
  r.status = st;
  r.msg = st == NTS_OK ? NULL : strdup(nts_last_error());
  return r;
}

static inline nts_db *gonts_db(uintptr_t token) { return (nts_db *)token; }

#endif /* GONTS_CORE_H */
