//! Python objects the binding uses, imported once: numpy (the one runtime
//! dependency) and `datetime`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static NUMPY: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EPOCH_NAIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static EPOCH_UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME64: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub(crate) fn numpy(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    NUMPY.get_or_try_init(py, || Ok::<_, PyErr>(py.import("numpy")?.unbind())).map(|m| m.bind(py))
}

/// `datetime.datetime`.
pub(crate) fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME.import(py, "datetime", "datetime")
}

/// `datetime.date`.
pub(crate) fn date_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATE.import(py, "datetime", "date")
}

/// `datetime.timedelta`.
pub(crate) fn timedelta_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    TIMEDELTA.import(py, "datetime", "timedelta")
}

/// `numpy.datetime64`.
pub(crate) fn datetime64_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME64.import(py, "numpy", "datetime64")
}

/// `datetime(1970, 1, 1)` (naive) or `datetime(1970, 1, 1, tzinfo=timezone.utc)`.
pub(crate) fn epoch(py: Python<'_>, aware: bool) -> PyResult<&Bound<'_, PyAny>> {
    let cell = if aware { &EPOCH_UTC } else { &EPOCH_NAIVE };
    cell.get_or_try_init(py, || {
        let dt = datetime_type(py)?;
        let e = if aware {
            let utc = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
            dt.call1((1970, 1, 1, 0, 0, 0, 0, utc))?
        } else {
            dt.call1((1970, 1, 1))?
        };
        Ok::<_, PyErr>(e.unbind())
    })
    .map(|e| e.bind(py))
}

/// Imports an optional dependency (pyarrow, pandas, polars), or raises an
/// `ImportError` saying which extra provides it.
pub(crate) fn optional<'py>(py: Python<'py>, module: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import(module).map_err(|e| {
        let err = pyo3::exceptions::PyImportError::new_err(format!(
            "this needs {module}, an optional dependency of nanots: pip install 'nanots[arrow]' \
             (or pip install {module})"
        ));
        err.set_cause(py, Some(e));
        err
    })
}
