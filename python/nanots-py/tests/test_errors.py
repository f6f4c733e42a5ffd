"""Every error class, raised by its cause, with the library's message."""

import errno
import os

import numpy as np
import pytest

import nanots

KINDS = [
    "InvalidArgumentError",
    "NotFoundError",
    "AlreadyExistsError",
    "SchemaMismatchError",
    "IoError",
    "CorruptError",
    "LockedError",
    "TooLargeError",
    "UnsupportedVersionError",
    "ClosedError",
    "ReadOnlyError",
]


def test_hierarchy():
    assert issubclass(nanots.Error, Exception)
    for name in KINDS:
        cls = getattr(nanots, name)
        assert issubclass(cls, nanots.Error), name
        assert cls.__module__ == "nanots"
        assert cls.__doc__
    assert issubclass(nanots.IoError, OSError)
    assert not issubclass(nanots.NotFoundError, OSError)


def test_invalid_argument(db):
    with pytest.raises(nanots.InvalidArgumentError, match="empty"):
        db.create_table("", ["a"])
    db.create_table("t", ["a"])
    with pytest.raises(nanots.InvalidArgumentError, match="after its end"):
        db.query("t", 10, 5)
    with pytest.raises(nanots.InvalidArgumentError):
        db.pack_table("t", 0)
    with pytest.raises(nanots.InvalidArgumentError, match="bucket_ms"):
        db.aggregate("t", None, None, 0)
    # Negative counts are argument errors found before the engine.
    with pytest.raises(ValueError, match="target_rows"):
        db.pack_table("t", -1)
    with pytest.raises(ValueError, match="n must not be negative"):
        db.latest("t", -1)


def test_not_found(db):
    with pytest.raises(nanots.NotFoundError, match='"missing"'):
        db.query_table_range_columns("missing", 0, 1)
    for call in (
        lambda: db.query("missing"),
        lambda: db.append_row("missing", 1, [1.0]),
        lambda: db.stats("missing"),
        lambda: db.latest("missing"),
        lambda: db.drop_table("missing"),
        lambda: db.table_columns("missing"),
    ):
        with pytest.raises(nanots.NotFoundError):
            call()


def test_already_exists(db, tmp_path):
    db.create_table("t", ["a", "b"])
    with pytest.raises(nanots.AlreadyExistsError, match="already exists"):
        db.create_table("t", ["a"])
    dest = tmp_path / "copy.ntt"
    dest.write_bytes(b"x")
    with pytest.raises(nanots.AlreadyExistsError):
        db.backup(dest)


def test_schema_mismatch(db):
    db.create_table("t", ["a", "b"])
    with pytest.raises(nanots.SchemaMismatchError, match="2 columns"):
        db.append_row("t", 1, [1.0, 2.0, 3.0])


def test_io_error_is_an_oserror_with_errno(tmp_path):
    with pytest.raises(nanots.IoError) as e:
        nanots.Db(tmp_path / "no" / "such" / "dir" / "x.ntt")
    assert isinstance(e.value, OSError)
    assert e.value.errno == errno.ENOENT
    assert "No such file" in str(e.value)
    with pytest.raises(OSError):
        nanots.Db(tmp_path / "no" / "x.ntt")


def test_corrupt(db_path):
    with nanots.Db(db_path) as db:
        db.create_table("t", ["v"])
        db.append_rows("t", np.arange(100_000), [np.random.default_rng(7).random(100_000)])
    data = bytearray(db_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db_path.write_bytes(data)
    with pytest.raises(nanots.CorruptError, match="offset"):
        db = nanots.Db(db_path)
        try:
            db.query_table_range_columns("t")
        finally:
            db.close()


def test_locked(db, db_path):
    with pytest.raises(nanots.LockedError):
        nanots.Db(db_path)


def test_too_large(tmp_path):
    with nanots.Db(tmp_path / "x.ntt", max_record_size=4096) as db:
        with pytest.raises(nanots.TooLargeError, match="record size cap"):
            db.create_table("wide", [f"c{i}" for i in range(600)])


def test_unsupported_version(db_path):
    with nanots.Db(db_path) as db:
        db.create_table("t", ["v"])
    data = bytearray(db_path.read_bytes())
    version = int.from_bytes(data[8:12], "little")
    data[8:12] = (version + 1).to_bytes(4, "little")
    db_path.write_bytes(data)
    with pytest.raises(nanots.UnsupportedVersionError, match=f"version {version + 1}"):
        nanots.Db(db_path)
    assert db_path.read_bytes() == bytes(data)


def test_closed(db):
    db.close()
    with pytest.raises(nanots.ClosedError, match="closed"):
        db.list_tables()


def test_read_only(db, db_path):
    db.create_table("t", ["v"])
    db.append_row("t", 1, [1.0])
    db.flush()
    ro = nanots.Db(db_path, read_only=True)
    assert ro.read_only
    with pytest.raises(nanots.ReadOnlyError):
        ro.append_row("t", 2, [2.0])
    with pytest.raises(nanots.ReadOnlyError):
        ro.create_table("u", ["v"])
    assert ro.query_table_range_columns("t")[0].tolist() == [1]
    db.append_row("t", 2, [2.0])
    db.flush()
    assert ro.refresh() is True
    assert ro.query_table_range_columns("t")[0].tolist() == [1, 2]
    ro.close()


def test_option_errors(tmp_path):
    p = tmp_path / "o.ntt"
    with pytest.raises(ValueError, match="sync"):
        nanots.Db(p, sync="always")
    with pytest.raises(ValueError, match="recovery"):
        nanots.Db(p, recovery="maybe")
    with pytest.raises(ValueError, match="negative"):
        nanots.Db(p, -5)
    with pytest.raises(ValueError, match="negative"):
        nanots.Db(p, auto_flush_bytes=-1)
    with pytest.raises(nanots.InvalidArgumentError):
        nanots.Db(p, segment_max_rows=0)
    with pytest.raises(nanots.InvalidArgumentError):
        nanots.Db(p, max_record_size=100)
    with pytest.raises(ValueError, match="max_record_size"):
        nanots.Db(p, max_record_size=-1)
    with pytest.raises(ValueError, match="max_record_size"):
        nanots.Db(p, max_record_size=2**32)
    with pytest.raises(TypeError):
        nanots.Db(p, 1.5)
    assert not os.path.exists(p)


def test_message_is_the_engines(db):
    db.create_table("t", ["a", "b"])
    with pytest.raises(nanots.SchemaMismatchError) as e:
        db.append_row("t", 1, [1.0])
    assert str(e.value) == 'table "t" has 2 columns ["a", "b"], got 1 values'
