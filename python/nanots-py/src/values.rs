//! Value columns from Python: numpy arrays (float64: no copy), anything
//! `numpy.asarray` takes, lists and tuples of numbers.

use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyString, PyTuple};

use crate::pymods;

/// One column of `f64` values, borrowed from a numpy array or converted.
pub(crate) enum Values<'py> {
    Borrowed(PyReadonlyArray1<'py, f64>),
    Owned(Vec<f64>),
    /// A short row, without a heap allocation (the `append_row` path).
    Inline([f64; INLINE_VALUES], usize),
}

/// Rows of up to this many values are read into a stack buffer.
pub(crate) const INLINE_VALUES: usize = 16;

impl Values<'_> {
    pub(crate) fn as_slice(&self) -> PyResult<&[f64]> {
        match self {
            Values::Borrowed(a) => a.as_slice().map_err(|e| PyValueError::new_err(e.to_string())),
            Values::Owned(v) => Ok(v),
            Values::Inline(a, n) => Ok(&a[..*n]),
        }
    }
}

/// Reads the numbers of a list or tuple (`items`, `len` of them).
fn read_row<'py>(
    len: usize,
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    what: &str,
) -> PyResult<Values<'py>> {
    if len <= INLINE_VALUES {
        let mut buf = [0.0; INLINE_VALUES];
        let mut n = 0;
        for (slot, item) in buf.iter_mut().zip(items) {
            *slot = scalar_f64_at(&item, || format!("{what}[{n}]"))?;
            n += 1;
        }
        return Ok(Values::Inline(buf, n));
    }
    let mut out = Vec::with_capacity(len);
    for (i, item) in items.enumerate() {
        out.push(scalar_f64_at(&item, || format!("{what}[{i}]"))?);
    }
    Ok(Values::Owned(out))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// One value: an `int` or `float` (or a numpy scalar of one); not a bool,
/// a string or `None` (write `float("nan")` for a missing value).
pub(crate) fn scalar_f64(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<f64> {
    scalar_f64_at(obj, || what.to_owned())
}

/// [`scalar_f64`] with the argument's name built only for an error (this
/// is the per-value path of `append_row`).
fn scalar_f64_at(obj: &Bound<'_, PyAny>, what: impl FnOnce() -> String) -> PyResult<f64> {
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{}: a bool is not a value (use 0.0 / 1.0)", what())));
    }
    obj.extract::<f64>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{}: expected a number, got {}{}",
            what(),
            type_name(obj),
            if obj.is_none() { " (write float('nan') for a missing value)" } else { "" }
        ))
    })
}

/// The values of one row: a list or tuple of numbers (read directly), or a
/// 1-D array. `append_row` tries [`float_tuple`] first.
pub(crate) fn row<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Values<'py>> {
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return read_row(tuple.len(), tuple.iter(), what);
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return read_row(list.len(), list.iter(), what);
    }
    array(obj, what)
}

/// The fast path of `append_row`: a tuple of at most `buf.len()` `float`
/// objects (what `zip` over lists of floats yields) is read into `buf`,
/// with borrowed items and exact-type checks, and its length returned.
/// `None` for anything else, which [`row`] then reads (and reports). On
/// abi3 every C-API step is a function call, so this saves a reference
/// count pair and a subclass check per value, and the row is not moved
/// around in a [`Values`].
pub(crate) fn float_tuple(obj: &Bound<'_, PyAny>, buf: &mut [f64; INLINE_VALUES]) -> Option<usize> {
    let tuple = obj.cast_exact::<PyTuple>().ok()?;
    let n = tuple.len();
    if n > INLINE_VALUES {
        return None;
    }
    for (i, slot) in buf[..n].iter_mut().enumerate() {
        let item = tuple.get_borrowed_item(i).ok()?;
        *slot = item.cast_exact::<PyFloat>().ok()?.value();
    }
    Some(n)
}

/// A column from a 1-D array: float64 is borrowed without a copy; other
/// float and integer types are converted to float64 (a copy); bool,
/// strings, datetimes and objects that are not numbers raise `TypeError`,
/// other shapes `ValueError`.
pub(crate) fn array<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Values<'py>> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
    {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected an array of numbers, got {}",
            type_name(obj)
        )));
    }
    let np = pymods::numpy(py)?;
    let arr = np.call_method1("asarray", (obj,))?;
    let un = arr.cast::<PyUntypedArray>()?;
    if un.ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "{what}: expected a 1-D array of values, got {} dimensions (shape {})",
            un.ndim(),
            crate::values::shape(un.shape())
        )));
    }
    let dtype = un.dtype();
    match dtype.kind() {
        b'f' | b'i' | b'u' => {}
        b'O' => {
            // Numbers held as Python objects (e.g. a list mixing int and
            // float with a None would fail here, as it should).
            let mut out = Vec::with_capacity(un.len());
            for (i, item) in arr.try_iter()?.enumerate() {
                out.push(scalar_f64_at(&item?, || format!("{what}[{i}]"))?);
            }
            return Ok(Values::Owned(out));
        }
        _ => {
            return Err(PyTypeError::new_err(format!(
                "{what}: expected float or integer values, got an array of {dtype}"
            )));
        }
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", "float64")?;
    let c = np.call_method("ascontiguousarray", (&arr,), Some(&kwargs))?;
    let typed = c.cast_into::<PyArray1<f64>>()?;
    let ro = typed.try_readonly().map_err(|e| PyValueError::new_err(format!("{what}: {e}")))?;
    Ok(Values::Borrowed(ro))
}

/// A numpy shape as Python writes it: `(2, 3)`, `(4,)`, `()`.
pub(crate) fn shape(dims: &[usize]) -> String {
    match dims {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    }
}
