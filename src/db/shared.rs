//! [`NanoTsDbShared`]: a cheaply clonable, `Send + Sync` handle that can run
//! background maintenance (cargo feature `maintenance`).

use std::path::Path;
use std::sync::Arc;
#[cfg(feature = "maintenance")]
use std::sync::Mutex;

use super::NanoTsDb;
#[cfg(feature = "maintenance")]
use super::background::{MaintenanceHook, MaintenanceStatus, Worker};
use crate::error::Result;
use crate::options::NanoTsOptions;

/// A shared database handle (clone it into every thread that needs it),
/// with the background maintenance of `NanoTsOptions::auto_maintenance`
/// when set. All [`NanoTsDb`] methods are available through `Deref`.
///
/// The maintenance thread stops when [`Self::close`] is called or the last
/// clone is dropped: it finishes the step it is in (a flush, a retention
/// compaction or a merge), then exits and is joined, before the database is
/// closed (flushed, checkpointed). No thread is left behind. (If the last
/// clone is dropped on the maintenance thread itself, by a hook holding an
/// upgraded weak handle, that thread cannot join itself: it exits after
/// the step, and closes the database as it goes.)
#[derive(Clone)]
pub struct NanoTsDbShared {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<NanoTsDb>,
    #[cfg(feature = "maintenance")]
    worker: Mutex<Option<Worker>>,
}

#[cfg(feature = "maintenance")]
impl Drop for Inner {
    fn drop(&mut self) {
        // Join the thread first: it holds a reference to the database,
        // which closes when the last one goes.
        let worker = self.worker.get_mut().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut w) = worker {
            w.stop();
        }
    }
}

impl std::ops::Deref for NanoTsDbShared {
    type Target = NanoTsDb;

    fn deref(&self) -> &NanoTsDb {
        &self.inner.db
    }
}

impl NanoTsDbShared {
    /// Opens like [`NanoTsDb::open`], then starts background maintenance if
    /// `opts.auto_maintenance` is set.
    #[cfg(feature = "maintenance")]
    pub fn open(path: impl AsRef<Path>, opts: NanoTsOptions) -> Result<NanoTsDbShared> {
        let maintenance = opts.auto_maintenance.clone();
        let retention = opts.retention.is_some();
        let db = Arc::new(NanoTsDb::open_inner(path.as_ref(), opts)?);
        let worker = match maintenance {
            Some(m) => Some(Worker::start(db.clone(), m, retention)?),
            None => None,
        };
        Ok(NanoTsDbShared { inner: Arc::new(Inner { db, worker: Mutex::new(worker) }) })
    }

    /// Opens like [`NanoTsDb::open`] (this build has no background
    /// maintenance: cargo feature `maintenance` is off).
    #[cfg(not(feature = "maintenance"))]
    pub fn open(path: impl AsRef<Path>, opts: NanoTsOptions) -> Result<NanoTsDbShared> {
        let db = Arc::new(NanoTsDb::open_inner(path.as_ref(), opts)?);
        Ok(NanoTsDbShared { inner: Arc::new(Inner { db }) })
    }

    #[cfg(feature = "maintenance")]
    fn worker(&self) -> std::sync::MutexGuard<'_, Option<Worker>> {
        self.inner.worker.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What background maintenance has done, and its last error (also
    /// passed to the hook). `running` is false when it is off or stopped.
    #[cfg(feature = "maintenance")]
    pub fn maintenance_status(&self) -> MaintenanceStatus {
        self.worker().as_ref().map(Worker::status).unwrap_or_default()
    }

    /// Sets (or clears) the callback that receives every error of
    /// background maintenance, on the maintenance thread.
    ///
    /// A hook that needs the database must capture a [`Self::downgrade`]d
    /// handle, not a clone: a clone inside the hook would keep the handle
    /// alive from within, so dropping the last clone outside would not
    /// close it. [`Self::close`] clears the hook, which breaks such a cycle.
    #[cfg(feature = "maintenance")]
    pub fn set_maintenance_hook(&self, hook: Option<MaintenanceHook>) {
        if let Some(w) = self.worker().as_ref() {
            w.set_hook(hook);
        }
    }

    /// Stops background maintenance (waiting for a running step), then
    /// closes the database for every clone of this handle.
    pub fn close(&self) -> Result<()> {
        #[cfg(feature = "maintenance")]
        self.stop_maintenance();
        self.inner.db.close()
    }

    /// Clears the hook and stops the thread, if any.
    #[cfg(feature = "maintenance")]
    fn stop_maintenance(&self) {
        // Take the worker out and release the lock *before* joining: the
        // hook may call `maintenance_status` on this handle meanwhile.
        let worker = self.worker().take();
        if let Some(mut w) = worker {
            w.set_hook(None);
            w.stop();
        }
    }

    /// A handle that does not keep the database open: for maintenance
    /// hooks and other long-lived observers.
    pub fn downgrade(&self) -> WeakNanoTsDbShared {
        WeakNanoTsDbShared { inner: Arc::downgrade(&self.inner) }
    }
}

/// A [`NanoTsDbShared`] that does not keep the database open
/// ([`NanoTsDbShared::downgrade`]).
#[derive(Clone)]
pub struct WeakNanoTsDbShared {
    inner: std::sync::Weak<Inner>,
}

impl WeakNanoTsDbShared {
    /// The handle, if some clone of it is still alive.
    pub fn upgrade(&self) -> Option<NanoTsDbShared> {
        self.inner.upgrade().map(|inner| NanoTsDbShared { inner })
    }
}

impl std::fmt::Debug for NanoTsDbShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NanoTsDbShared").field("path", &self.inner.db.path()).finish_non_exhaustive()
    }
}
