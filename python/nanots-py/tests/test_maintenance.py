"""Stats, pack, retention compaction, deletes, drops, SQL and backups."""

import time

import numpy as np
import pytest

import nanots

T0 = 1_704_067_200_000


def test_stats(db):
    db.create_table("t", ["temp", "flag"])
    n = 50_000
    db.append_rows("t", T0 + np.arange(n) * 1000, [20 + (np.arange(n) % 500) * 0.01, np.ones(n)])
    s = db.stats("t")
    assert (s.table, s.rows, s.flushed_rows, s.buffered_rows, s.segments, s.bytes) == ("t", n, 0, n, 0, 0)
    assert s.ratio == 0.0
    db.flush()
    s = db.stats("t")
    assert (s.rows, s.flushed_rows, s.buffered_rows, s.segments) == (n, n, 0, 1)
    assert s.raw_bytes == n * 8 * 3
    assert s.ratio == pytest.approx(s.raw_bytes / s.bytes) and s.ratio > 10
    assert [c.name for c in s.columns] == ["temp", "flag"] and s.timestamps.name == "ts_ms"
    assert list(s.codecs) == ["ts_ms", "temp", "flag"]
    assert sum(s.codecs["flag"].values()) == 1
    assert s.columns[1].codecs == s.codecs["flag"]
    assert s.columns[0].raw_bytes == n * 8 and s.columns[0].bytes > 0
    d = s.to_dict()
    assert d["rows"] == n and d["columns"][1]["name"] == "flag" and d["codecs"] == s.codecs
    assert repr(s).startswith('TableStats(table="t", rows=50000,')


def test_pack_table(db):
    db.create_table("t", ["v"])
    for k in range(10):
        db.append_rows("t", np.arange(k * 100, (k + 1) * 100), [np.full(100, float(k))])
        db.flush()
    assert db.stats("t").segments == 10
    db.pack_table("t", 250)
    s = db.stats("t")
    assert (s.rows, s.segments) == (1000, 4)
    ts, (v,) = db.query_table_range_columns("t")
    assert ts.tolist() == list(range(1000)) and v.tolist() == [float(i // 100) for i in range(1000)]
    db.pack_table("t")  # default target
    assert db.stats("t").segments == 1


def test_retention_compaction(tmp_path):
    path = tmp_path / "r.ntt"
    now = int(time.time() * 1000)
    with nanots.Db(path, 3_600_000) as db:
        db.create_table("t", ["v"])
        n = 6000
        ts = now - np.arange(n - 1, -1, -1) * 1500  # 2.5 h up to now
        v = np.random.default_rng(3).random(n)
        db.append_rows("t", ts, [v])
        db.flush()
        size_before = path.stat().st_size
        db.compact_retention_now()
        got, (gv,) = db.query_table_range_columns("t")
        # Older than one hour before the newest row: removed.
        keep = ts >= ts[-1] - 3_600_000
        assert keep.sum() == 2401
        assert np.array_equal(got, ts[keep]) and np.array_equal(gv, v[keep])
        assert path.stat().st_size < size_before * 0.6
    with nanots.Db(path) as db:  # no retention: compaction keeps everything
        db.compact_retention_now()
        assert db.stats("t").rows == 2401


def test_delete_and_drop(db, db_path):
    db.create_table("t", ["v"])
    db.create_table("u", ["v"])
    db.append_rows("t", np.arange(10), [np.arange(10.0)])
    db.flush()
    db.delete_range("t", 2, 4)
    db.delete_range("t", 8)  # open end
    assert db.query_table_range_columns("t")[0].tolist() == [0, 1, 5, 6, 7]
    db.append_row("t", 3, [33.0])  # later rows are not affected
    assert db.query_table_range_columns("t")[1][0].tolist() == [0.0, 1.0, 33.0, 5.0, 6.0, 7.0]
    db.drop_table("u")
    assert db.list_tables() == ["t"]
    with pytest.raises(nanots.NotFoundError):
        db.query("u")
    db.create_table("u", ["a", "b"])  # the name is free again
    assert db.table_columns("u") == ["a", "b"]
    db.compact_retention_now()
    assert db.query_table_range_columns("t")[0].tolist() == [0, 1, 3, 5, 6, 7]


def test_exec_sql(db):
    out = db.exec_sql(
        """
        CREATE TABLE IF NOT EXISTS cpu (ts_ms BIGINT, user DOUBLE, sys DOUBLE);
        INSERT INTO cpu VALUES (1, 0.5, 0.25), (2, NaN, -inf);
        INSERT INTO cpu (sys, ts_ms, user) VALUES (9, 3, 8);
        """
    )
    assert (out.statements, out.tables_created, out.rows_inserted) == (3, 1, 3)
    assert repr(out) == "SqlOutcome(statements=3, tables_created=1, rows_inserted=3)"
    ts, (user, sys_) = db.query_table_range_columns("cpu")
    assert ts.tolist() == [1, 2, 3] and sys_.tolist() == [0.25, float("-inf"), 9.0]
    assert np.isnan(user[1])
    with pytest.raises(nanots.InvalidArgumentError, match="line 1, column"):
        db.exec_sql("SELECT * FROM cpu")
    with pytest.raises(nanots.NotFoundError):
        db.exec_sql("INSERT INTO nope VALUES (1, 2)")
    with pytest.raises(nanots.AlreadyExistsError):
        db.exec_sql("CREATE TABLE cpu (a)")


def test_backup(db, tmp_path):
    db.create_table("t", ["v"])
    db.append_rows("t", np.arange(100), [np.arange(100.0)])
    db.backup(tmp_path / "copy.ntt")
    db.backup(tmp_path / "packed.ntt", pack=True)
    db.append_row("t", 100, [100.0])  # after the backup: not in it
    for name in ("copy.ntt", "packed.ntt"):
        with nanots.Db(tmp_path / name) as c:
            ts, (v,) = c.query_table_range_columns("t")
            assert ts.tolist() == list(range(100)) and v.tolist() == [float(i) for i in range(100)]
