//! The engine handle shared by `Db` and the query results made from it.

use std::ops::Deref;

use nanots::NanoTsDbShared;
use pyo3::prelude::*;

/// A reference to the open database. The last one dropped closes it (a
/// flush, fsyncs): that drop runs without the GIL, like every engine call,
/// so a `Db` collected by Python does not stall the other threads.
pub(crate) struct Handle(Option<NanoTsDbShared>);

impl Handle {
    pub(crate) fn new(db: NanoTsDbShared) -> Handle {
        Handle(Some(db))
    }
}

impl Deref for Handle {
    type Target = NanoTsDbShared;

    fn deref(&self) -> &NanoTsDbShared {
        // Invariant: only `drop` takes the handle out.
        self.0.as_ref().expect("a Handle is only emptied by its drop")
    }
}

impl Clone for Handle {
    fn clone(&self) -> Handle {
        Handle(self.0.clone())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(db) = self.0.take() {
            Python::attach(|py| py.detach(move || drop(db)));
        }
    }
}
