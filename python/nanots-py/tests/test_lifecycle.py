"""Opening, `with`, close, and use after close."""

import pathlib

import numpy as np
import pytest

import nanots


def test_with_closes_and_flushes(db_path):
    with nanots.Db(db_path) as db:
        assert isinstance(db, nanots.Db)
        db.create_table("t", ["v"])
        db.append_row("t", 1, [1.0])
    assert db.closed
    # Closed: the WAL is gone and the .ntt alone holds the row.
    assert not pathlib.Path(str(db_path) + "-wal").exists()
    with nanots.Db(db_path) as again:
        assert again.query_table_range_columns("t")[0].tolist() == [1]
        s = again.stats("t")
        assert (s.flushed_rows, s.buffered_rows) == (1, 0)


def test_with_closes_on_exception(db_path):
    with pytest.raises(RuntimeError):
        with nanots.Db(db_path) as db:
            db.append("s", 1, 2.0)
            raise RuntimeError("boom")
    assert db.closed
    # The lock was released: the file opens again.
    with nanots.Db(db_path) as again:
        assert again.query_table_range_columns("s")[0].tolist() == [1]


def test_close_twice_and_properties(db_path):
    db = nanots.Db(db_path)
    assert db.path == pathlib.Path(db_path)
    assert not db.read_only and not db.closed
    assert repr(db) == f"nanots.Db({str(db_path)!r})"
    db.close()
    db.close()
    assert db.closed
    assert repr(db).endswith(", closed)")


def test_every_call_after_close_raises_closed(db_path):
    db = nanots.Db(db_path)
    db.create_table("t", ["v"])
    db.append_row("t", 1, [1.0])
    q = db.query("t")  # planned before close: its first export still works
    db.close()
    calls = {
        "create_table": lambda: db.create_table("u", ["v"]),
        "append": lambda: db.append("s", 1, 1.0),
        "append_row": lambda: db.append_row("t", 2, [1.0]),
        "append_rows": lambda: db.append_rows("t", np.array([3]), [np.array([1.0])]),
        "append_rows_dict": lambda: db.append_rows("t", [3], {"v": [1.0]}),
        "flush": lambda: db.flush(),
        "query_table_range_columns": lambda: db.query_table_range_columns("t"),
        "query_table_range_arrow_capsules": lambda: db.query_table_range_arrow_capsules("t"),
        "query": lambda: db.query("t"),
        "aggregate": lambda: db.aggregate("t", None, None, 1000),
        "latest": lambda: db.latest("t"),
        "stats": lambda: db.stats("t"),
        "pack_table": lambda: db.pack_table("t", 10),
        "compact_retention_now": lambda: db.compact_retention_now(),
        "delete_range": lambda: db.delete_range("t", 0, 1),
        "drop_table": lambda: db.drop_table("t"),
        "list_tables": lambda: db.list_tables(),
        "table_columns": lambda: db.table_columns("t"),
        "exec_sql": lambda: db.exec_sql("INSERT INTO t VALUES (5, 1.0)"),
        "backup": lambda: db.backup(db_path.parent / "b.ntt"),
        "second_export": lambda: (q.to_numpy(), q.to_numpy()),
    }
    for name, call in calls.items():
        with pytest.raises(nanots.ClosedError):
            call()
            pytest.fail(f"{name} did not raise")
    # The first export of a query planned before close read its snapshot.
    q2 = None
    db2 = nanots.Db(db_path)
    q2 = db2.query("t")
    db2.close()
    assert q2.to_numpy()["ts_ms"].tolist() == [1]
    assert not (db_path.parent / "b.ntt").exists()


def test_reopen_after_close_in_same_process(db_path):
    for i in range(3):
        with nanots.Db(db_path) as db:
            db.append("s", i, float(i))
    with nanots.Db(db_path) as db:
        assert db.query_table_range_columns("s")[1][0].tolist() == [0.0, 1.0, 2.0]


def test_dropped_handle_releases_the_lock(db_path):
    db = nanots.Db(db_path)
    db.append("s", 1, 1.0)
    del db  # no close(): the rows are recovered from the WAL
    with nanots.Db(db_path) as db:
        assert db.query_table_range_columns("s")[0].tolist() == [1]


def test_sync_modes_and_options(tmp_path):
    for sync in ["on_flush", "every_append", "never"]:
        p = tmp_path / f"{sync}.ntt"
        with nanots.Db(
            p,
            3_600_000,
            sync=sync,
            auto_flush_bytes=1024,
            segment_max_rows=100,
            segment_partition_ms=65_000,
            max_record_size=1 << 20,
            recovery="salvage",
        ) as db:
            db.create_table("t", ["v"])
            db.append_rows("t", np.arange(1000) * 100, [np.ones(1000)])
            # Past auto_flush_bytes, the next append flushes first: segments
            # of at most segment_max_rows rows, cut at the partitions.
            db.append_row("t", 200_000, [2.0])
            s = db.stats("t")
            assert (s.flushed_rows, s.buffered_rows) == (1000, 1)
            assert s.segments == 11
        with nanots.Db(p) as db:
            assert db.stats("t").rows == 1001


def test_auto_maintenance_flushes_in_the_background(tmp_path):
    # The background thread is started and stopped cleanly with the handle.
    with nanots.Db(tmp_path / "m.ntt", auto_maintenance=True) as db:
        db.create_table("t", ["v"])
        db.append_rows("t", np.arange(10), [np.ones(10)])
        assert db.stats("t").rows == 10
    with nanots.Db(tmp_path / "m.ntt") as db:
        assert db.stats("t").rows == 10
