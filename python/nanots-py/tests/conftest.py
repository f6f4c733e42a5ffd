"""Shared fixtures of the nanots tests.

Optional dependencies (pyarrow, pandas, polars, duckdb) are imported through
`optional(name)`: a test that needs a missing one is skipped with the reason,
unless NANOTS_REQUIRE_PYTHON_EXTRAS=1, where it fails instead (CI sets it).
"""

import importlib
import os

import pytest

import nanots

REQUIRE_EXTRAS = os.environ.get("NANOTS_REQUIRE_PYTHON_EXTRAS") == "1"


def have(name):
    """Imports an optional dependency, or returns None having printed why
    (fails when extras are required)."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        reason = f"{name} is not installed ({e}); pip install 'nanots[all]' to run this"
        if REQUIRE_EXTRAS:
            pytest.fail(f"NANOTS_REQUIRE_PYTHON_EXTRAS=1 but {reason}")
        print(f"SKIPPED: {reason}")
        return None


def optional(name):
    """Imports an optional dependency or skips the test (fails when extras
    are required)."""
    mod = have(name)
    if mod is None:
        pytest.skip(f"{name} is not installed")
    return mod


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "test.ntt"


@pytest.fixture
def db(db_path):
    d = nanots.Db(db_path)
    yield d
    d.close()
