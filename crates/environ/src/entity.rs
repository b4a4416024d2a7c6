//! `EntityVec`: a vector indexed by one typed index, so a `FuncIndex` can never index a
//! table of globals by mistake.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Index, IndexMut};

/// A typed index: a newtype around `u32` that names one index space.
pub trait TypedIndex: Copy + Eq + Ord + fmt::Debug {
    /// Makes an index from its position in a vector.
    ///
    /// # Panics
    ///
    /// If `index` does not fit in `u32`; index spaces are bounded far below that by
    /// wasmparser's implementation limits, so this is a bug in the caller.
    fn new(index: usize) -> Self;

    /// The position this index names.
    fn index(self) -> usize;
}

/// A `Vec<V>` indexed by `K`.
#[derive(Clone, PartialEq, Eq)]
pub struct EntityVec<K, V> {
    elements: Vec<V>,
    key: PhantomData<fn(K) -> K>,
}

impl<K: TypedIndex, V> EntityVec<K, V> {
    /// An empty vector.
    pub const fn new() -> Self {
        Self {
            elements: Vec::new(),
            key: PhantomData,
        }
    }

    /// An empty vector with room for `capacity` elements.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            elements: Vec::with_capacity(capacity),
            key: PhantomData,
        }
    }

    /// Appends `value` and returns its index.
    pub fn push(&mut self, value: V) -> K {
        let key = K::new(self.elements.len());
        self.elements.push(value);
        key
    }

    /// The element at `key`, if there is one.
    pub fn get(&self, key: K) -> Option<&V> {
        self.elements.get(key.index())
    }

    /// The element at `key` for writing, if there is one.
    pub fn get_mut(&mut self, key: K) -> Option<&mut V> {
        self.elements.get_mut(key.index())
    }

    /// How many elements there are.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The index the next `push` will return.
    pub fn next_key(&self) -> K {
        K::new(self.elements.len())
    }

    /// Every `(index, element)` pair in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (K, &V)> + DoubleEndedIterator {
        self.elements
            .iter()
            .enumerate()
            .map(|(i, value)| (K::new(i), value))
    }

    /// Every element in order.
    pub fn values(&self) -> core::slice::Iter<'_, V> {
        self.elements.iter()
    }

    /// Every index in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = K> + DoubleEndedIterator + use<K, V> {
        (0..self.elements.len()).map(K::new)
    }

    /// The elements as a plain slice.
    pub fn as_slice(&self) -> &[V] {
        &self.elements
    }
}

impl<K: TypedIndex, V> Default for EntityVec<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: TypedIndex, V> Index<K> for EntityVec<K, V> {
    type Output = V;

    fn index(&self, key: K) -> &V {
        &self.elements[key.index()]
    }
}

impl<K: TypedIndex, V> IndexMut<K> for EntityVec<K, V> {
    fn index_mut(&mut self, key: K) -> &mut V {
        &mut self.elements[key.index()]
    }
}

impl<K: TypedIndex, V> IntoIterator for EntityVec<K, V> {
    type Item = V;
    type IntoIter = std::vec::IntoIter<V>;

    fn into_iter(self) -> Self::IntoIter {
        self.elements.into_iter()
    }
}

impl<K: TypedIndex, V> FromIterator<V> for EntityVec<K, V> {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        Self {
            elements: iter.into_iter().collect(),
            key: PhantomData,
        }
    }
}

impl<K: TypedIndex, V: fmt::Debug> fmt::Debug for EntityVec<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
