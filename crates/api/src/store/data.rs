//! `Stored<T>` handles and the store's arenas. A handle is a store id plus an index, so it
//! is `Copy`, `Send` and `Sync`, and using it with the wrong store is caught by comparing
//! ids instead of being undefined behaviour.

use core::fmt;
use core::marker::PhantomData;
use core::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Identifies one store for its whole life; never reused.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) struct StoreId(NonZeroU64);

impl StoreId {
    /// A fresh id.
    pub(crate) fn allocate() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Self(NonZeroU64::new(id).expect("store ids do not wrap around in 2^64 stores"))
    }
}

/// A handle to an item of kind `T` in one store's arena.
pub(crate) struct Stored<T> {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
    marker: PhantomData<fn() -> T>,
}

impl<T> Stored<T> {
    pub(crate) fn new(store: StoreId, index: usize) -> Self {
        Self {
            store,
            index,
            marker: PhantomData,
        }
    }

    /// Checks that the handle belongs to `store`.
    pub(crate) fn check(&self, store: StoreId, what: &str) -> Result<usize> {
        if self.store == store {
            Ok(self.index)
        } else {
            Err(Error::msg(format!(
                "{what} used with a store it does not belong to"
            )))
        }
    }
}

impl<T> Clone for Stored<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Stored<T> {}

impl<T> PartialEq for Stored<T> {
    fn eq(&self, other: &Self) -> bool {
        self.store == other.store && self.index == other.index
    }
}

impl<T> Eq for Stored<T> {}

impl<T> fmt::Debug for Stored<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stored({}, {})", self.store.0, self.index)
    }
}

/// An arena of one kind of item, indexed by `Stored<T>` handles.
pub(crate) struct Arena<T> {
    items: Vec<T>,
}

impl<T> Arena<T> {
    pub(crate) fn new() -> Self {
        Self { items: Vec::new() }
    }

    pub(crate) fn push(&mut self, store: StoreId, item: T) -> Stored<T> {
        self.items.push(item);
        Stored::new(store, self.items.len() - 1)
    }

    /// The item, or an error naming `what` if the handle is from another store.
    pub(crate) fn get(&self, store: StoreId, handle: Stored<T>, what: &str) -> Result<&T> {
        let index = handle.check(store, what)?;
        Ok(&self.items[index])
    }

    /// The item for a handle already checked to belong to this store.
    ///
    /// # Panics
    ///
    /// If the handle is from another store: callers that cannot return an error document
    /// this panic.
    pub(crate) fn expect(&self, store: StoreId, handle: Stored<T>, what: &str) -> &T {
        match self.get(store, handle, what) {
            Ok(item) => item,
            Err(e) => panic!("{e}"),
        }
    }

    /// The item for writing, for a handle of this store.
    ///
    /// # Panics
    ///
    /// If the handle is from another store.
    pub(crate) fn get_mut(&mut self, store: StoreId, handle: Stored<T>) -> &mut T {
        match handle.check(store, "handle") {
            Ok(index) => &mut self.items[index],
            Err(e) => panic!("{e}"),
        }
    }

    pub(crate) fn iter(&self) -> core::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}
