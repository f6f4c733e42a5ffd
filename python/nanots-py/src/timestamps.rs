//! Timestamps from Python: `int` milliseconds since the Unix epoch,
//! `datetime.datetime` (timezone-aware, or naive read as UTC) and numpy
//! `datetime64` (any unit).
//!
//! A timestamp that is written must be a whole number of milliseconds: a
//! finer one raises `ValueError` rather than being truncated. A range bound
//! may be finer: the start is rounded up and the end down, which selects
//! exactly the rows whose time lies in the range.

use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::pymods;

/// What to do with a timestamp finer than a millisecond.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Rounding {
    /// Raise `ValueError` (timestamps that are written).
    Exact,
    /// Round down (the end of an inclusive range).
    Floor,
    /// Round up (the start of an inclusive range).
    Ceil,
}

const US_PER_DAY: i128 = 86_400_000_000;

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// One timestamp in milliseconds. `what` names the argument in messages.
pub(crate) fn scalar_ms(obj: &Bound<'_, PyAny>, what: &str, rounding: Rounding) -> PyResult<i64> {
    let py = obj.py();
    // The common case first, by type identity (a pointer comparison; a
    // bool is an int subclass, never exactly an int).
    if obj.is_exact_instance_of::<PyInt>()
        && let Ok(ms) = obj.extract::<i64>()
    {
        return Ok(ms);
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{what}: a bool is not a timestamp")));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map_err(|_| {
            PyValueError::new_err(format!("{what}: {obj} ms is outside the int64 range of timestamps"))
        });
    }
    if obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{what}: timestamps are integer milliseconds, not float ({obj}); convert with int(...) \
             if the fraction is meant to be dropped"
        )));
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{what}: a {} is not a timestamp (use int milliseconds, datetime or numpy.datetime64)",
            type_name(obj)
        )));
    }
    if obj.is_instance(pymods::datetime_type(py)?)? {
        return datetime_ms(obj, what, rounding);
    }
    if obj.is_instance(pymods::date_type(py)?)? {
        return Err(PyTypeError::new_err(format!(
            "{what}: a datetime.date is not a point in time; pass a datetime.datetime"
        )));
    }
    if obj.is_instance(pymods::datetime64_type(py)?)? {
        let one = pymods::numpy(py)?.call_method1("asarray", (obj,))?.call_method1("reshape", (1,))?;
        return match datetime64_ms(&one, what, rounding)? {
            Timestamps::Borrowed(a) => {
                a.as_slice().map(|s| s[0]).map_err(|e| PyValueError::new_err(e.to_string()))
            }
            Timestamps::Owned(v) => Ok(v[0]),
        };
    }
    // numpy integer scalars and other integer-likes (via __index__).
    if obj.hasattr("__index__")? {
        let i = obj.call_method0("__index__")?;
        return i.extract::<i64>().map_err(|_| {
            PyValueError::new_err(format!("{what}: {obj} ms is outside the int64 range of timestamps"))
        });
    }
    Err(PyTypeError::new_err(format!(
        "{what}: expected int milliseconds, a datetime.datetime or a numpy.datetime64, got {}",
        type_name(obj)
    )))
}

/// A `datetime` (or a subclass such as `pandas.Timestamp`) in ms. Naive
/// datetimes are read as UTC.
fn datetime_ms(dt: &Bound<'_, PyAny>, what: &str, rounding: Rounding) -> PyResult<i64> {
    let py = dt.py();
    let aware = !dt.call_method0("utcoffset")?.is_none();
    let delta = dt.sub(pymods::epoch(py, aware)?)?;
    let days: i128 = delta.getattr("days")?.extract::<i64>()?.into();
    let secs: i128 = delta.getattr("seconds")?.extract::<i64>()?.into();
    let micros: i128 = delta.getattr("microseconds")?.extract::<i64>()?.into();
    let us = days * US_PER_DAY + secs * 1_000_000 + micros;
    // pandas.Timestamp carries nanoseconds beyond the microseconds.
    let nanos: i64 = match dt.getattr("nanosecond") {
        Ok(n) => n.extract().unwrap_or(0),
        Err(_) => 0,
    };
    let ms = us.div_euclid(1000);
    let finer = us.rem_euclid(1000) != 0 || nanos != 0;
    let ms = match (finer, rounding) {
        (false, _) | (true, Rounding::Floor) => ms,
        (true, Rounding::Ceil) => ms + 1,
        (true, Rounding::Exact) => {
            return Err(PyValueError::new_err(format!(
                "{what}: {dt} has a fraction of a millisecond, which NanoTS would lose; \
                 round it first (e.g. dt.replace(microsecond=dt.microsecond // 1000 * 1000))"
            )));
        }
    };
    i64::try_from(ms)
        .map_err(|_| PyValueError::new_err(format!("{what}: {dt} is outside the int64 ms range")))
}

/// Timestamps of many rows, borrowed from a numpy array (no copy) or
/// converted.
pub(crate) enum Timestamps<'py> {
    Borrowed(PyReadonlyArray1<'py, i64>),
    Owned(Vec<i64>),
}

impl Timestamps<'_> {
    pub(crate) fn as_slice(&self) -> PyResult<&[i64]> {
        match self {
            Timestamps::Borrowed(a) => a.as_slice().map_err(|e| PyValueError::new_err(e.to_string())),
            Timestamps::Owned(v) => Ok(v),
        }
    }
}

/// Timestamps from a 1-D numpy array (int64: no copy; other integer
/// types: converted; `datetime64` of any unit: converted to ms exactly),
/// anything `numpy.asarray` takes (buffer protocol, pandas, pyarrow), or
/// a list or tuple of scalar timestamps.
pub(crate) fn array_ms<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Timestamps<'py>> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
    {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected an array of timestamps, got {}",
            type_name(obj)
        )));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return list_ms(obj, what);
    }
    let np = pymods::numpy(py)?;
    let arr = np.call_method1("asarray", (obj,))?;
    let un = arr.cast::<PyUntypedArray>()?;
    if un.ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "{what}: expected a 1-D array of timestamps, got {} dimensions (shape {})",
            un.ndim(),
            crate::values::shape(un.shape())
        )));
    }
    let dtype = un.dtype();
    match dtype.kind() {
        b'i' | b'u' => {
            if dtype.kind() == b'u' && dtype.itemsize() == 8 && un.len() > 0 {
                let max: u64 = arr.call_method0("max")?.extract()?;
                if max > i64::MAX as u64 {
                    return Err(PyValueError::new_err(format!(
                        "{what}: timestamp {max} is outside the int64 range"
                    )));
                }
            }
            int64_view(np, &arr, what)
        }
        b'M' => datetime64_ms(&arr, what, Rounding::Exact),
        b'O' => list_ms(&arr.call_method0("tolist")?, what),
        b'f' => Err(PyTypeError::new_err(format!(
            "{what}: timestamps are integer milliseconds, not floats ({}); convert with .astype('int64') \
             if the fractions are meant to be dropped",
            dtype
        ))),
        _ => Err(PyTypeError::new_err(format!(
            "{what}: expected integer milliseconds or datetime64 timestamps, got an array of {dtype}"
        ))),
    }
}

/// A contiguous native int64 view of `arr` (a copy only when it is not one
/// already).
fn int64_view<'py>(
    np: &Bound<'py, PyModule>,
    arr: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Timestamps<'py>> {
    let kwargs = pyo3::types::PyDict::new(np.py());
    kwargs.set_item("dtype", "int64")?;
    let c = np.call_method("ascontiguousarray", (arr,), Some(&kwargs))?;
    let typed = c.cast_into::<PyArray1<i64>>()?;
    let ro = typed.try_readonly().map_err(|e| PyValueError::new_err(format!("{what}: {e}")))?;
    Ok(Timestamps::Borrowed(ro))
}

/// `datetime64` values (any unit) in ms. NaT raises; so do values that
/// would lose precision (`Rounding::Exact`) or overflow. A range bound is
/// rounded instead (numpy's unit cast floors, so a ceiling adds one where
/// the cast lost something).
fn datetime64_ms<'py>(arr: &Bound<'py, PyAny>, what: &str, rounding: Rounding) -> PyResult<Timestamps<'py>> {
    let py = arr.py();
    let np = pymods::numpy(py)?;
    if np.call_method1("isnat", (arr,))?.call_method0("any")?.is_truthy()? {
        return Err(PyValueError::new_err(format!("{what}: NaT (not a time) is not a timestamp")));
    }
    let dtype = arr.getattr("dtype")?;
    let unit: String = np.call_method1("datetime_data", (&dtype,))?.get_item(0)?.extract()?;
    let floor = arr.call_method1("astype", ("datetime64[ms]",))?;
    let back = floor.call_method1("astype", (&dtype,))?;
    let lost = np.call_method1("not_equal", (&back, arr))?;
    if !lost.call_method0("any")?.is_truthy()? {
        return int64_view(np, &floor.call_method1("view", ("int64",))?, what);
    }
    if !matches!(unit.as_str(), "us" | "ns" | "ps" | "fs" | "as") {
        return Err(PyValueError::new_err(format!(
            "{what}: datetime64[{unit}] values outside the range of int64 milliseconds"
        )));
    }
    match rounding {
        Rounding::Exact => Err(PyValueError::new_err(format!(
            "{what}: datetime64[{unit}] values with a fraction of a millisecond, which NanoTS would \
             lose; round them first (e.g. arr.astype('datetime64[ms]'))"
        ))),
        Rounding::Floor => int64_view(np, &floor.call_method1("view", ("int64",))?, what),
        Rounding::Ceil => {
            let up = lost.call_method1("astype", ("int64",))?;
            let ceil = np.call_method1("add", (floor.call_method1("view", ("int64",))?, up))?;
            int64_view(np, &ceil, what)
        }
    }
}

/// Timestamps from a sequence of scalars (one conversion each).
fn list_ms<'py>(seq: &Bound<'py, PyAny>, what: &str) -> PyResult<Timestamps<'py>> {
    let mut out = Vec::with_capacity(seq.len().unwrap_or(0));
    for (i, item) in seq.try_iter()?.enumerate() {
        let item = item?;
        match scalar_ms(&item, what, Rounding::Exact) {
            Ok(t) => out.push(t),
            // Name the element only on the error path (formatting it for
            // every element would cost more than the conversion).
            Err(_) => return Err(scalar_ms(&item, &format!("{what}[{i}]"), Rounding::Exact).unwrap_err()),
        }
    }
    Ok(Timestamps::Owned(out))
}

/// A range bound: `None` is open (`i64::MIN` / `i64::MAX`); a start finer
/// than a millisecond rounds up, an end rounds down.
pub(crate) fn bound_ms(obj: Option<&Bound<'_, PyAny>>, what: &str, is_start: bool) -> PyResult<i64> {
    match obj {
        None => Ok(if is_start { i64::MIN } else { i64::MAX }),
        Some(o) if o.is_none() => Ok(if is_start { i64::MIN } else { i64::MAX }),
        Some(o) => scalar_ms(o, what, if is_start { Rounding::Ceil } else { Rounding::Floor }),
    }
}

/// A duration in whole milliseconds: an `int` or a `datetime.timedelta`.
pub(crate) fn duration_ms(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    let py = obj.py();
    if obj.is_instance(pymods::timedelta_type(py)?)? {
        let days: i128 = obj.getattr("days")?.extract::<i64>()?.into();
        let secs: i128 = obj.getattr("seconds")?.extract::<i64>()?.into();
        let micros: i128 = obj.getattr("microseconds")?.extract::<i64>()?.into();
        let us = days * US_PER_DAY + secs * 1_000_000 + micros;
        if us % 1000 != 0 {
            return Err(PyValueError::new_err(format!(
                "{what}: {obj} is not a whole number of milliseconds"
            )));
        }
        return i64::try_from(us / 1000)
            .map_err(|_| PyValueError::new_err(format!("{what}: {obj} is too long")));
    }
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected int milliseconds or a datetime.timedelta, got {}",
            type_name(obj)
        )));
    }
    obj.extract::<i64>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what}: expected int milliseconds or a datetime.timedelta, got {}",
            type_name(obj)
        ))
    })
}
