## Must NOT compile: an ArrowStream owns its release callback, so copying
## one is an error (two copies would release it twice).
## scripts/nim-tests.sh checks that compiling this fails with
## "'=copy' is not available for type <ArrowStream>".
import nanots

proc copyOf(s: ArrowStream): ArrowStream = s

var db = openDb("never-opened.ntt")
var s = db.queryRangeStream("t", 0, 1)
var t = copyOf(s)
s.release()
t.release()
