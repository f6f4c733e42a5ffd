//! The table of live `nts_db` handles.
//!
//! An `nts_db *` handed to C is a token, never dereferenced: its low
//! [`SLOT_BITS`] bits pick a slot of a static table and the rest is a
//! generation number drawn from a global counter. A slot holds its
//! database and generation behind its own `RwLock`:
//! - every call read-locks the slot of its token and checks the generation,
//!   so a closed, stale or made-up handle gives `NTS_ERR_CLOSED`, never a
//!   use-after-free, and concurrent calls on one handle run in parallel
//!   (the engine then serializes writes itself);
//! - `nts_close` write-locks the slot, so it waits for calls on that handle
//!   already running, then takes the database out and closes it.
//!
//! Generations are never reused on 64-bit targets (2^52 opens), so a stale
//! handle can never alias a newer one (no ABA). On 32-bit targets the
//! generation has 20 bits: a handle stale for more than ~10^6 later opens
//! could alias a new handle in the same slot (the residual ABA caveat).
//!
//! Compared with a global `Mutex<HashSet<address>>`, this needs no global
//! lock, no hashing and no reference count per call, and no caller pointer
//! is ever dereferenced.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use super::boundary::{FfiError, FfiResult};
use super::status::{NTS_ERR_CLOSED, NTS_ERR_INVALID_ARGUMENT, NTS_ERR_TOO_LARGE};
use crate::{NanoTsDb, NanoTsDbShared};

/// An open database (opaque). Returned by `nts_open`, released by
/// `nts_close`. May be used from several threads at once.
pub struct nts_db {
    _opaque: [u8; 0],
}

/// Bits of a token that select the slot.
const SLOT_BITS: u32 = 12;
/// Most handles open at the same time.
pub(crate) const MAX_OPEN_HANDLES: usize = 1 << SLOT_BITS;

type Slot = RwLock<Option<(usize, NanoTsDbShared)>>;

static SLOTS: [Slot; MAX_OPEN_HANDLES] = [const { RwLock::new(None) }; MAX_OPEN_HANDLES];
/// Free slot indices; `None` until the first open fills it.
static FREE: Mutex<Option<Vec<usize>>> = Mutex::new(None);
static NEXT_GENERATION: AtomicUsize = AtomicUsize::new(1);

fn slot_of(token: usize) -> (usize, usize) {
    (token & (MAX_OPEN_HANDLES - 1), token >> SLOT_BITS)
}

fn read_slot(i: usize) -> RwLockReadGuard<'static, Option<(usize, NanoTsDbShared)>> {
    // A panic never happens while a slot is write-locked (see `unregister`),
    // but never let poisoning turn into a panic at the boundary either.
    SLOTS[i].read().unwrap_or_else(|e| e.into_inner())
}

/// Stores an open database in a free slot and returns its token.
pub(crate) fn register(db: NanoTsDbShared) -> FfiResult<*mut nts_db> {
    let index = {
        let mut free = FREE.lock().unwrap_or_else(|e| e.into_inner());
        let free = free.get_or_insert_with(|| (0..MAX_OPEN_HANDLES).rev().collect());
        free.pop().ok_or_else(|| {
            FfiError::new(NTS_ERR_TOO_LARGE, format!("too many open handles (at most {MAX_OPEN_HANDLES})"))
        })?
    };
    let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed) & (usize::MAX >> SLOT_BITS);
    let generation = generation.max(1); // the token is never NULL
    let token = (generation << SLOT_BITS) | index;
    *SLOTS[index].write().unwrap_or_else(|e| e.into_inner()) = Some((generation, db));
    Ok(std::ptr::without_provenance_mut(token))
}

/// A live database, borrowed for one call: holds its slot's read lock, so
/// `nts_close` cannot take it away meanwhile.
pub(crate) struct DbRef {
    guard: RwLockReadGuard<'static, Option<(usize, NanoTsDbShared)>>,
}

impl std::ops::Deref for DbRef {
    type Target = NanoTsDb;

    fn deref(&self) -> &NanoTsDb {
        self.shared()
    }
}

impl DbRef {
    /// The shared handle (for maintenance status and hooks).
    pub(crate) fn shared(&self) -> &NanoTsDbShared {
        match &*self.guard {
            Some((_, db)) => db,
            // `lookup` only builds a DbRef over an occupied slot, and the
            // read lock keeps it occupied.
            None => unreachable!("DbRef over an empty slot"),
        }
    }
}

/// The database behind a live token.
pub(crate) fn lookup(db: *const nts_db) -> FfiResult<DbRef> {
    if db.is_null() {
        return Err(FfiError::new(NTS_ERR_INVALID_ARGUMENT, "db is NULL"));
    }
    let (index, generation) = slot_of(db.addr());
    let guard = read_slot(index);
    match &*guard {
        Some((g, _)) if *g == generation => Ok(DbRef { guard }),
        _ => Err(closed()),
    }
}

/// Takes the database of a live token out of its slot, waiting for calls on
/// it that are still running, and frees the slot.
pub(crate) fn unregister(db: *const nts_db) -> FfiResult<NanoTsDbShared> {
    let (index, generation) = slot_of(db.addr());
    let taken = {
        let mut slot = SLOTS[index].write().unwrap_or_else(|e| e.into_inner());
        match &*slot {
            Some((g, _)) if *g == generation => slot.take().map(|(_, d)| d),
            _ => None,
        }
    };
    let db = taken.ok_or_else(closed)?;
    FREE.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(Vec::new).insert(0, index); // reuse slots round-robin, oldest free first
    Ok(db)
}

fn closed() -> FfiError {
    FfiError::new(NTS_ERR_CLOSED, "the nts_db handle is closed (or was never returned by nts_open)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_and_made_up_tokens_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let db = NanoTsDbShared::open(dir.path().join("h.ntt"), crate::NanoTsOptions::default()).unwrap();
        let h = register(db).unwrap();
        assert!(lookup(h).is_ok());
        let d = unregister(h).unwrap();
        d.close().unwrap();
        assert_eq!(lookup(h).err().unwrap().status, NTS_ERR_CLOSED);
        assert_eq!(unregister(h).unwrap_err().status, NTS_ERR_CLOSED);
        let fake = std::ptr::without_provenance::<nts_db>(usize::MAX);
        assert_eq!(lookup(fake).err().unwrap().status, NTS_ERR_CLOSED);
        // A new handle never equals the stale one.
        let db2 = NanoTsDbShared::open(dir.path().join("h.ntt"), crate::NanoTsOptions::default()).unwrap();
        let h2 = register(db2).unwrap();
        assert_ne!(h, h2);
        assert_eq!(lookup(h).err().unwrap().status, NTS_ERR_CLOSED);
        unregister(h2).unwrap();
    }
}
