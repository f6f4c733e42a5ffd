//! The registry of live `nts_db` handles.
//!
//! An `nts_db *` handed to C is a token, not an address: it is never
//! dereferenced. Tokens come from a counter and are never reused (2^60
//! opens on 64-bit targets before it would wrap), so a stale pointer can
//! never alias a newer handle (no ABA), and a garbage pointer is rejected
//! with `NTS_ERR_CLOSED` instead of being dereferenced.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

use super::boundary::{FfiError, FfiResult};
use super::status::{NTS_ERR_CLOSED, NTS_ERR_INVALID_ARGUMENT};
use crate::NanoTsDb;

/// An open database (opaque). Returned by `nts_open`, released by
/// `nts_close`. May be used from several threads at once.
pub struct nts_db {
    _opaque: [u8; 0],
}

/// Multiplicative hash for the (unique, counter-generated) token keys.
#[derive(Default)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Map = HashMap<usize, Arc<NanoTsDb>, BuildHasherDefault<TokenHasher>>;

static LIVE: LazyLock<RwLock<Map>> = LazyLock::new(|| RwLock::new(Map::default()));
static NEXT_TOKEN: AtomicUsize = AtomicUsize::new(1);

/// Registers an open database and returns its new token.
pub(crate) fn register(db: NanoTsDb) -> *mut nts_db {
    // Tokens are multiples of 16 so they look like aligned pointers to
    // tools that print them; 0 (NULL) is never produced.
    let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed) << 4;
    LIVE.write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(token, Arc::new(db));
    std::ptr::without_provenance_mut(token)
}

/// The database behind a live token.
pub(crate) fn lookup(db: *const nts_db) -> FfiResult<Arc<NanoTsDb>> {
    if db.is_null() {
        return Err(FfiError::new(NTS_ERR_INVALID_ARGUMENT, "db is NULL"));
    }
    LIVE.read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&db.addr())
        .cloned()
        .ok_or_else(closed)
}

/// Removes a token from the registry, returning its database.
pub(crate) fn unregister(db: *const nts_db) -> FfiResult<Arc<NanoTsDb>> {
    LIVE.write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&db.addr())
        .ok_or_else(closed)
}

fn closed() -> FfiError {
    FfiError::new(
        NTS_ERR_CLOSED,
        "the nts_db handle is closed (or was never returned by nts_open)",
    )
}
