## Built by scripts/nim-tests.sh with `-DNTS_NO_ARROW`, the header as a
## library built without Arrow presents it (no Arrow declarations): the
## binding compiles and works there as long as the program calls no Arrow
## proc. Exits non-zero if a result is wrong.

import std/os
import nanots

let dir = getTempDir() / "nanots-nim-no-arrow"
removeDir(dir)
createDir(dir)
var db = openDb(dir / "plain.ntt")
db.createTable("t", ["a", "b"])
db.appendRow("t", 2, [2.0, -2.0])
db.appendRows("t", [1'i64, 3], @[@[1.0, 3.0], @[-1.0, -3.0]])
db.flush()
let r = db.queryRange("t", 0, 10)
doAssert r.ts == @[1'i64, 2, 3], $r.ts
doAssert r.columns == @[@[1.0, 2.0, 3.0], @[-1.0, -2.0, -3.0]], $r.columns
doAssert db.tableStats("t").rows == 3
db.close()
removeDir(dir)
echo "no-Arrow build: OK"
