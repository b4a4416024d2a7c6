//! Hash-consing of function signatures: every `FuncType` with the same parameter and
//! result types is one shared allocation, process-wide.
//!
//! A concrete reference type holds the signature it names, so without sharing a chain
//! of types each naming the previous one twice would be a tree of exponential size, and
//! hashing or comparing it would take exponential time. Interned, a signature's children
//! are compared by address, so building, hashing and comparing one costs its own length.
//! The interner holds only weak references; dead entries are dropped as it grows.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::ValType;

/// The shared parts of a signature.
#[derive(Debug)]
pub(super) struct FuncTypeData {
    pub(super) params: Box<[ValType]>,
    pub(super) results: Box<[ValType]>,
}

/// Live signatures by structural hash.
struct Interner {
    buckets: HashMap<u64, Vec<Weak<FuncTypeData>>>,
    hasher: RandomState,
    entries: usize,
    prune_at: usize,
}

/// Below this many entries the interner never prunes.
const MIN_PRUNE: usize = 1024;

fn interner() -> &'static Mutex<Interner> {
    static INTERNER: OnceLock<Mutex<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        Mutex::new(Interner {
            buckets: HashMap::new(),
            hasher: RandomState::new(),
            entries: 0,
            prune_at: MIN_PRUNE,
        })
    })
}

/// The one shared signature with these types.
pub(super) fn intern(params: Box<[ValType]>, results: Box<[ValType]>) -> Arc<FuncTypeData> {
    let mut interner = interner().lock().unwrap_or_else(|e| e.into_inner());
    let hash = {
        let mut hasher = interner.hasher.build_hasher();
        params.hash(&mut hasher);
        results.hash(&mut hasher);
        hasher.finish()
    };
    let bucket = interner.buckets.entry(hash).or_default();
    let found = bucket
        .iter()
        .filter_map(Weak::upgrade)
        .find(|data| data.params == params && data.results == results);
    if let Some(data) = found {
        return data;
    }
    let data = Arc::new(FuncTypeData { params, results });
    bucket.push(Arc::downgrade(&data));
    interner.entries += 1;
    if interner.entries >= interner.prune_at {
        interner.buckets.retain(|_, bucket| {
            bucket.retain(|weak| weak.strong_count() > 0);
            !bucket.is_empty()
        });
        interner.entries = interner.buckets.values().map(Vec::len).sum();
        interner.prune_at = (interner.entries * 2).max(MIN_PRUNE);
    }
    data
}
