// Package arrowconsumer stands in, in the tests, for an Arrow library that
// a program brings: it knows nothing of NanoTS, only the Arrow C Data and
// C Stream Interfaces (declared here from the Arrow specification), and it
// takes ownership of what it is given the way Arrow implementations do:
// it moves the struct (copies it and marks the source released).
package arrowconsumer

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif

typedef struct {
  int err;
  int64_t rows;
  int64_t batches;
  int64_t first_ts;
  int64_t last_ts;
  double sum_last_column;
  char format0[16];
} summary;

static void add_batch(summary *s, const struct ArrowArray *a) {
  const struct ArrowArray *ts = a->children[0];
  const struct ArrowArray *last = a->children[a->n_children - 1];
  const int64_t *t = (const int64_t *)ts->buffers[1] + a->offset + ts->offset;
  const double *v = (const double *)last->buffers[1] + a->offset + last->offset;
  for (int64_t i = 0; i < a->length; i++) {
    if (s->rows == 0 && i == 0) s->first_ts = t[i];
    s->last_ts = t[i];
    s->sum_last_column += v[i];
  }
  s->rows += a->length;
  s->batches++;
}

// Moves *src into a stream of its own, reads it to the end, releases it.
static summary consume_stream(struct ArrowArrayStream *src) {
  summary s;
  memset(&s, 0, sizeof s);
  struct ArrowArrayStream st = *src;
  src->release = NULL; // moved
  struct ArrowSchema sch;
  if ((s.err = st.get_schema(&st, &sch)) != 0) { st.release(&st); return s; }
  strncpy(s.format0, sch.children[0]->format, sizeof s.format0 - 1);
  sch.release(&sch);
  for (;;) {
    struct ArrowArray a;
    if ((s.err = st.get_next(&st, &a)) != 0) break;
    if (a.release == NULL) break;
    add_batch(&s, &a);
    a.release(&a);
  }
  st.release(&st);
  return s;
}

// Moves an array and its schema, reads and releases them.
static summary consume_record(struct ArrowArray *srca, struct ArrowSchema *srcs) {
  summary s;
  memset(&s, 0, sizeof s);
  struct ArrowArray a = *srca;
  struct ArrowSchema sch = *srcs;
  srca->release = NULL;
  srcs->release = NULL;
  strncpy(s.format0, sch.children[0]->format, sizeof s.format0 - 1);
  add_batch(&s, &a);
  a.release(&a);
  sch.release(&sch);
  return s;
}
*/
import "C"

import "unsafe"

// Summary is what the consumer read.
type Summary struct {
	Errno         int     // non-zero: a callback failed
	Rows          int64   // rows read
	Batches       int64   // arrays read
	FirstTs       int64   // first timestamp
	LastTs        int64   // last timestamp
	SumLastColumn float64 // sum of the last field's values
	TsFormat      string  // Arrow format of the first field
}

func summaryOf(s C.summary) Summary {
	return Summary{
		Errno: int(s.err), Rows: int64(s.rows), Batches: int64(s.batches),
		FirstTs: int64(s.first_ts), LastTs: int64(s.last_ts),
		SumLastColumn: float64(s.sum_last_column), TsFormat: C.GoString(&s.format0[0]),
	}
}

// ConsumeStream moves the struct ArrowArrayStream at p and reads it.
func ConsumeStream(p unsafe.Pointer) Summary {
	return summaryOf(C.consume_stream((*C.struct_ArrowArrayStream)(p)))
}

// ConsumeRecord moves the struct ArrowArray and ArrowSchema and reads them.
func ConsumeRecord(array, schema unsafe.Pointer) Summary {
	return summaryOf(C.consume_record((*C.struct_ArrowArray)(array), (*C.struct_ArrowSchema)(schema)))
}
