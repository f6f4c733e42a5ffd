"""Reads a `nanots export --parquet` output back with pyarrow and with
DuckDB and prints what each saw, for cli/tests/export_pyarrow_duckdb.rs.

Usage: read_parquet.py FILE_OR_HIVE_DIR

Prints `schema pyarrow <field>: <type>` lines, then one line per row and
reader: `<reader> <ts ms> <hex bits of each value column>` (values as the
IEEE-754 bits, so the comparison is bit-exact), then `duckdb-type <name>
<type>` and, for a Hive directory, `duckdb-day <date> <count>` per day as
DuckDB's partition filter sees it.
"""

import os
import struct
import sys

import duckdb
import pyarrow.parquet as pq


def bits(x):
    return struct.pack("<d", x).hex()


def main(path):
    hive = os.path.isdir(path)
    table = pq.read_table(path)
    if hive:
        table = table.drop_columns(["date"])
    for field in table.schema:
        print(f"schema pyarrow {field.name}: {field.type} nullable={field.nullable}")
    ts = table.column("ts_ms").cast("int64").to_pylist()
    values = [table.column(i).to_pylist() for i in range(1, table.num_columns)]
    for i, t in enumerate(ts):
        print("pyarrow", t, *(bits(v[i]) for v in values))

    glob = os.path.join(path, "*", "*.parquet") if hive else path
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = {str(hive).lower()})")
    # Hive keys from the path (date, and table from table=NAME) are not data.
    names = [n for n in rel.columns if n not in ("date", "table")]
    for name, ty in zip(rel.columns, rel.types):
        print("duckdb-type", name, ty)
    cols = ", ".join(f'"{n}"' for n in names[1:])
    rows = con.sql(
        f"SELECT epoch_ms(ts_ms), {cols} FROM read_parquet('{glob}', hive_partitioning = {str(hive).lower()}) "
        "ORDER BY ts_ms"
    ).fetchall()
    for row in rows:
        print("duckdb", row[0], *(bits(v) for v in row[1:]))
    if hive:
        for day, n in con.sql(
            f"SELECT CAST(date AS VARCHAR), count(*) FROM read_parquet('{glob}', hive_partitioning = true) "
            "GROUP BY date ORDER BY date"
        ).fetchall():
            print("duckdb-day", day, n)


if __name__ == "__main__":
    main(sys.argv[1])
