//! The background maintenance thread behind `NanoTsDbShared`.
//!
//! One thread per handle, started only when the host asks for it
//! (`NanoTsOptions::auto_maintenance`). It sleeps on a condition variable,
//! so stopping it is immediate unless a maintenance step is running, which
//! then finishes first (no step is left half done).

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use super::NanoTsDb;
use crate::error::{Error, ErrorKind, Result};
use crate::options::AutoMaintenanceOptions;

/// A callback that receives every error of background maintenance.
pub type MaintenanceHook = Arc<dyn Fn(&Error) + Send + Sync>;

/// What background maintenance has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceStatus {
    /// Whether the thread is running.
    pub running: bool,
    /// Wake-ups so far.
    pub runs: u64,
    /// Flushes it made.
    pub flushes: u64,
    /// Retention compactions it ran.
    pub retention_runs: u64,
    /// Tables whose small trailing segments it merged.
    pub merges: u64,
    /// Steps that failed.
    pub errors: u64,
    /// The last failure: its kind and message.
    pub last_error: Option<(ErrorKind, String)>,
}

#[derive(Default)]
struct Shared {
    stop: bool,
    status: MaintenanceStatus,
    hook: Option<MaintenanceHook>,
}

/// A running maintenance thread.
pub struct Worker {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Worker {
    /// Starts the thread on `db`.
    pub fn start(db: Arc<NanoTsDb>, opts: AutoMaintenanceOptions, retention: bool) -> Result<Worker> {
        let shared = Arc::new((Mutex::new(Shared::default()), Condvar::new()));
        lock(&shared.0).status.running = true;
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("nanots-maintenance".into())
            .spawn(move || run(&db, &opts, retention, &s))
            .map_err(|e| Error::io(e, "cannot start the maintenance thread for", std::path::Path::new("")))?;
        Ok(Worker { shared, thread: Some(thread) })
    }

    pub fn status(&self) -> MaintenanceStatus {
        lock(&self.shared.0).status.clone()
    }

    pub fn set_hook(&self, hook: Option<MaintenanceHook>) {
        lock(&self.shared.0).hook = hook;
    }

    /// Stops the thread and waits for it (the current step finishes).
    ///
    /// Called on the thread itself, it cannot wait for itself: that happens
    /// when a hook upgrades a weak handle and the host drops its last clone
    /// meanwhile, so the hook's handle is the last. The thread then stops
    /// after the step it is in, and the database closes as it exits (its
    /// own reference is the last).
    pub fn stop(&mut self) {
        lock(&self.shared.0).stop = true;
        self.shared.1.notify_all();
        match self.thread.take() {
            Some(t) if t.thread().id() == std::thread::current().id() => return,
            Some(t) => {
                let _ = t.join();
            }
            None => {}
        }
        lock(&self.shared.0).status.running = false;
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(db: &NanoTsDb, opts: &AutoMaintenanceOptions, retention: bool, shared: &(Mutex<Shared>, Condvar)) {
    let mut last_retention = Instant::now();
    loop {
        {
            let mut g = lock(&shared.0);
            let deadline = Instant::now() + opts.interval;
            while !g.stop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                g = shared.1.wait_timeout(g, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
            }
            if g.stop {
                g.status.running = false;
                return;
            }
            g.status.runs += 1;
        }
        let step = |what: fn(&mut MaintenanceStatus), r: Result<bool>| {
            let mut g = lock(&shared.0);
            match r {
                Ok(true) => what(&mut g.status),
                Ok(false) => {}
                Err(e) if e.kind() == ErrorKind::Closed => g.stop = true,
                Err(e) => {
                    g.status.errors += 1;
                    g.status.last_error = Some((e.kind(), e.message().to_owned()));
                    if let Some(h) = g.hook.clone() {
                        drop(g);
                        h(&e);
                    }
                }
            }
        };
        // A stop asked for during a step (by a hook, or a close waiting for
        // this thread) skips the steps left.
        let stopping = || lock(&shared.0).stop;
        step(|s| s.flushes += 1, db.flush_if_older(opts.flush_after));
        if stopping() {
            continue;
        }
        if retention && last_retention.elapsed() >= opts.retention_every {
            last_retention = Instant::now();
            step(|s| s.retention_runs += 1, db.compact_retention_now().map(|()| true));
            if stopping() {
                continue;
            }
        }
        let merged = db.merge_small_segments(opts.pack_target_rows, opts.merge_min_segments);
        let n = *merged.as_ref().unwrap_or(&0) as u64;
        step(|_| {}, merged.map(|n| n > 0));
        lock(&shared.0).status.merges += n;
    }
}
