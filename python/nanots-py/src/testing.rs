//! Hooks for the package's own tests (`tests/test_panics.py`): a panic in
//! an engine call and in an Arrow stream, to check that neither crosses
//! into Python. Private (`nanots.nanots._panic_for_tests`); not API.

use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, Schema, SchemaRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::arrow_export::{guarded, stream_capsule};
use crate::errors::engine;

/// A stream whose first batch panics.
struct PanickingBatches(SchemaRef);

impl Iterator for PanickingBatches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        guarded(|| panic!("a test panic in an Arrow stream"))
    }
}

impl RecordBatchReader for PanickingBatches {
    fn schema(&self) -> SchemaRef {
        self.0.clone()
    }
}

/// `"engine"`: panics inside an engine call (raises `nanots.Error`);
/// `"stream"`: returns an `arrow_array_stream` capsule whose first batch
/// panics (the consumer gets an error).
#[pyfunction]
pub(crate) fn _panic_for_tests<'py>(py: Python<'py>, place: &str) -> PyResult<Option<Bound<'py, PyCapsule>>> {
    match place {
        "engine" => {
            engine(py, || -> nanots::Result<()> { panic!("a test panic in an engine call") }).map(|()| None)
        }
        "stream" => stream_capsule(py, Box::new(PanickingBatches(Arc::new(Schema::empty())))).map(Some),
        _ => Err(PyValueError::new_err("place must be \"engine\" or \"stream\"")),
    }
}
