## Must NOT compile: a Db has one owner, so copying one is an error (two
## copies would close one handle twice). scripts/nim-tests.sh checks that
## compiling this fails with "'=copy' is not available for type <Db>".
import nanots

var a = openDb("never-opened.ntt")
var b = a # a copy: `a` is read again below
a.close()
b.close()
