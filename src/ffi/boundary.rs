//! The panic boundary every exported function runs in, and the thread-local
//! last-error message.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::cstr::c_string;
use super::status::{NTS_ERR_PANIC, NTS_OK, nts_status, status_name, status_of};

/// A failed C call: its status and message.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub(crate) status: nts_status,
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(status: nts_status, message: impl Into<String>) -> FfiError {
        FfiError { status, message: message.into() }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> FfiError {
        FfiError::new(super::status::NTS_ERR_INVALID_ARGUMENT, message)
    }
}

impl From<crate::Error> for FfiError {
    fn from(e: crate::Error) -> FfiError {
        FfiError::new(status_of(e.kind()), e.to_string())
    }
}

pub(crate) type FfiResult<T = ()> = Result<T, FfiError>;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Records `message` as this thread's last error. Never panics: interior
/// NULs are replaced (see [`c_string`]) and a thread-local being torn down
/// is skipped.
pub(crate) fn set_last_error(message: &str) {
    let c = c_string(message);
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut s) = slot.try_borrow_mut() {
            *s = Some(c);
        }
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// Runs `f` inside the panic boundary and converts its outcome into a
/// status: `NTS_OK`, the error's status (message recorded), or
/// `NTS_ERR_PANIC`. Used by every exported function returning `nts_status`.
pub(crate) fn call(name: &str, f: impl FnOnce() -> FfiResult) -> nts_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => NTS_OK,
        Ok(Err(e)) => {
            set_last_error(&format!("{name}: {}", e.message));
            e.status
        }
        Err(payload) => {
            set_last_error(&format!("{name}: panic inside NanoTS: {}", panic_message(&*payload)));
            // Dropping the payload could itself panic; keep that inside too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            NTS_ERR_PANIC
        }
    }
}

/// Like [`call`] for the few infallible functions (accessors, `*_free`,
/// `nts_options_init`): a panic yields `fallback`.
pub(crate) fn call_value<T>(name: &str, fallback: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            set_last_error(&format!("{name}: panic inside NanoTS: {}", panic_message(&*payload)));
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            fallback
        }
    }
}

/// The message of this thread's last failed NanoTS call (`""` if none has
/// failed yet). Messages start with the function's name, e.g.
/// `nts_append_row: not found: table "cpu" does not exist`. A NUL byte
/// inside a message is replaced by `?`.
///
/// Ownership: the string belongs to the library; it stays valid until this
/// thread's next NanoTS call. Never returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn nts_last_error() -> *const c_char {
    call_value("nts_last_error", c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|slot| match slot.try_borrow() {
                Ok(s) => s.as_deref().unwrap_or(c"").as_ptr(),
                Err(_) => c"".as_ptr(),
            })
            .unwrap_or(c"".as_ptr())
    })
}

/// A static, human-readable name of `status` (e.g. `"not found"`);
/// `"unrecognized status code"` for numbers this version does not define.
///
/// Ownership: static storage; never free it. Never returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn nts_status_str(status: nts_status) -> *const c_char {
    call_value("nts_status_str", c"".as_ptr(), || status_name(status).as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn a_panic_becomes_nts_err_panic_with_a_message() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let st = call("nts_test", || panic!("boom {}", 42));
        let v = call_value("nts_test", 7u32, || panic!("again"));
        std::panic::set_hook(prev);
        assert_eq!(st, NTS_ERR_PANIC);
        assert_eq!(v, 7);
        // SAFETY: nts_last_error returns a valid NUL-terminated string.
        let msg = unsafe { CStr::from_ptr(nts_last_error()) };
        assert!(msg.to_str().unwrap().contains("again"), "{msg:?}");
    }

    #[test]
    fn errors_record_their_message_and_interior_nuls_are_replaced() {
        let st = call("nts_test", || Err(FfiError::invalid("bad\0arg")));
        assert_eq!(st, super::super::status::NTS_ERR_INVALID_ARGUMENT);
        // SAFETY: as above.
        let msg = unsafe { CStr::from_ptr(nts_last_error()) };
        assert_eq!(msg.to_str().unwrap(), "nts_test: bad?arg");
        assert_eq!(call("nts_test", || Ok(())), NTS_OK);
    }
}
