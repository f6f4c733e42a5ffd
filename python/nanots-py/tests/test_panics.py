"""No Rust panic crosses into Python: a panic in an engine call becomes a
nanots.Error (not pyo3's PanicException, a BaseException), and a panic in
an Arrow stream reaches the consumer as an error instead of aborting the
process (it runs behind the stream's extern "C" callbacks)."""

import pytest

import nanots
from conftest import optional
from nanots import nanots as native


def test_engine_panic_is_a_nanots_error():
    with pytest.raises(nanots.Error, match="internal error in NanoTS .*a test panic in an engine call"):
        native._panic_for_tests("engine")


def test_stream_panic_is_an_error_for_the_consumer():
    pa = optional("pyarrow")
    capsule = native._panic_for_tests("stream")
    reader = pa.RecordBatchReader._import_from_c_capsule(capsule)
    with pytest.raises(Exception, match="a test panic in an Arrow stream"):
        reader.read_all()
