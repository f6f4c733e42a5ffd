//! The exception hierarchy: `nanots.Error` and one subclass per
//! `nanots::ErrorKind`, and the one place engine errors and panics become
//! Python exceptions.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use nanots::ErrorKind;
use pyo3::PyTypeInfo;
use pyo3::exceptions::{PyException, PyOSError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

pyo3::create_exception!(
    nanots,
    Error,
    PyException,
    "Base class of every error the NanoTS engine reports; `str(e)` is the engine's message \
     (naming the table, file and offset concerned). Argument errors found before the engine \
     is called are plain `TypeError` / `ValueError` instead, and nothing is written then."
);
pyo3::create_exception!(
    nanots,
    InvalidArgumentError,
    Error,
    "An argument the engine refuses: an empty or too long name, `start > end`, a bad option, ..."
);
pyo3::create_exception!(nanots, NotFoundError, Error, "The table (or column) does not exist.");
pyo3::create_exception!(
    nanots,
    AlreadyExistsError,
    Error,
    "A table with that name exists with other columns, or a backup's destination exists."
);
pyo3::create_exception!(
    nanots,
    SchemaMismatchError,
    Error,
    "The values do not fit the table's schema: another number of columns, or other column names."
);
pyo3::create_exception!(
    nanots,
    CorruptError,
    Error,
    "The file or its WAL holds bytes that fail their checksum or make no sense; the message \
     names the offset. Opening with `recovery=\"salvage\"` recovers what can be recovered."
);
pyo3::create_exception!(
    nanots,
    LockedError,
    Error,
    "Another handle, in this process or another, has the database open for writing."
);
pyo3::create_exception!(
    nanots,
    TooLargeError,
    Error,
    "A record would exceed the record size cap (`max_record_size`, `NANOTS_MAX_RECORD_SIZE`), \
     or a count exceeds a limit."
);
pyo3::create_exception!(
    nanots,
    UnsupportedVersionError,
    Error,
    "The file was written by a newer NanoTS format version; it is left untouched."
);
pyo3::create_exception!(
    nanots,
    ClosedError,
    Error,
    "The database handle was closed (by `close()` or by leaving its `with` block)."
);
pyo3::create_exception!(
    nanots,
    ReadOnlyError,
    Error,
    "A write call on a handle opened with `read_only=True`."
);

const IO_ERROR_DOC: &str = "The operating system reported an I/O error, or an earlier one left the handle \
refusing writes until it is reopened. Also an `OSError`: `errno` is set when the system gave one.";

/// `nanots.IoError(nanots.Error, OSError)`: two bases, which
/// `create_exception!` cannot express, so it is made by calling `type`.
static IO_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub(crate) fn io_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    IO_ERROR
        .get_or_try_init(py, || {
            let bases =
                PyTuple::new(py, [Error::type_object(py).into_any(), PyOSError::type_object(py).into_any()])?;
            let dict = PyDict::new(py);
            dict.set_item("__module__", "nanots")?;
            dict.set_item("__doc__", IO_ERROR_DOC)?;
            let ty = PyType::type_object(py).call1(("IoError", bases, dict))?;
            Ok::<_, PyErr>(ty.cast_into::<PyType>()?.unbind())
        })
        .map(|t| t.bind(py))
}

/// Registers the exception classes on the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("InvalidArgumentError", py.get_type::<InvalidArgumentError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("AlreadyExistsError", py.get_type::<AlreadyExistsError>())?;
    m.add("SchemaMismatchError", py.get_type::<SchemaMismatchError>())?;
    m.add("IoError", io_error_type(py)?)?;
    m.add("CorruptError", py.get_type::<CorruptError>())?;
    m.add("LockedError", py.get_type::<LockedError>())?;
    m.add("TooLargeError", py.get_type::<TooLargeError>())?;
    m.add("UnsupportedVersionError", py.get_type::<UnsupportedVersionError>())?;
    m.add("ClosedError", py.get_type::<ClosedError>())?;
    m.add("ReadOnlyError", py.get_type::<ReadOnlyError>())?;
    Ok(())
}

/// The Python exception for an engine error, with the engine's message
/// (without the kind prefix: the class says it).
pub(crate) fn engine_error(e: nanots::Error) -> PyErr {
    let msg = e.message().to_owned();
    match e.kind() {
        ErrorKind::InvalidArgument => InvalidArgumentError::new_err(msg),
        ErrorKind::NotFound => NotFoundError::new_err(msg),
        ErrorKind::AlreadyExists => AlreadyExistsError::new_err(msg),
        ErrorKind::SchemaMismatch => SchemaMismatchError::new_err(msg),
        ErrorKind::Io => io_error(e, msg),
        ErrorKind::Corrupt => CorruptError::new_err(msg),
        ErrorKind::Locked => LockedError::new_err(msg),
        ErrorKind::TooLarge => TooLargeError::new_err(msg),
        ErrorKind::UnsupportedVersion => UnsupportedVersionError::new_err(msg),
        ErrorKind::Closed => ClosedError::new_err(msg),
        ErrorKind::ReadOnly => ReadOnlyError::new_err(msg),
        // A kind added to the engine after this binding: still a nanots.Error.
        _ => Error::new_err(e.to_string()),
    }
}

/// `IoError(errno, message)` when the system gave an errno (so `e.errno`
/// works as on any `OSError`), else `IoError(message)`.
fn io_error(e: nanots::Error, msg: String) -> PyErr {
    let errno = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .and_then(std::io::Error::raw_os_error);
    Python::attach(|py| {
        let ty = match io_error_type(py) {
            Ok(t) => t,
            Err(err) => return err,
        };
        match errno {
            Some(n) => PyErr::from_type(ty.clone(), (n, msg)),
            None => PyErr::from_type(ty.clone(), (msg,)),
        }
    })
}

/// A Rust panic in the engine or in this binding, reported as a
/// `nanots.Error` instead of unwinding into the interpreter.
pub(crate) fn panic_error(payload: Box<dyn Any + Send>) -> PyErr {
    Error::new_err(format!(
        "internal error in NanoTS (a bug, please report it): panic: {}",
        panic_message(&*payload)
    ))
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// Runs `f` (an engine call) without the GIL, so other Python threads run
/// meanwhile, and turns its error or panic into a Python exception.
pub(crate) fn engine<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> nanots::Result<T> + Send,
    T: Send,
{
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(engine_error(e)),
        Err(payload) => Err(panic_error(payload)),
    }
}
