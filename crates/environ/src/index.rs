//! Typed indices, one type per index space.
//!
//! Every index space lists imports first, then definitions. `FuncIndex` counts both;
//! `DefinedFuncIndex` counts only the bodies this module provides. Converting between
//! the two goes through `Module` and returns `Option`, so an imported function can never
//! be mistaken for a body to compile.

use crate::entity::TypedIndex;

macro_rules! typed_indices {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub struct $name(u32);

        impl $name {
            /// Makes an index from its raw value.
            pub const fn from_u32(index: u32) -> Self {
                Self(index)
            }

            /// The raw value of this index.
            pub const fn as_u32(self) -> u32 {
                self.0
            }
        }

        impl TypedIndex for $name {
            fn new(index: usize) -> Self {
                Self(u32::try_from(index).expect("index space larger than u32"))
            }

            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

typed_indices! {
    /// A function in the module's function index space (imports first).
    FuncIndex;
    /// A function whose body this module defines.
    DefinedFuncIndex;
    /// A table in the module's table index space (imports first).
    TableIndex;
    /// A table this module defines.
    DefinedTableIndex;
    /// A linear memory in the module's memory index space (imports first).
    MemoryIndex;
    /// A linear memory this module defines.
    DefinedMemoryIndex;
    /// A defined memory that the instance owns (not shared with other threads); its
    /// `VMMemoryDefinition` lives inside the `VMContext`.
    OwnedMemoryIndex;
    /// A global in the module's global index space (imports first).
    GlobalIndex;
    /// A global this module defines.
    DefinedGlobalIndex;
    /// A type in the module's type section.
    TypeIndex;
    /// A data segment.
    DataIndex;
    /// An element segment.
    ElemIndex;
    /// An exception tag in the module's tag index space (imports first).
    TagIndex;
    /// A tag this module defines.
    DefinedTagIndex;
    /// A function that escapes the module (exported, placed in a table, referenced by
    /// `ref.func` or a global), and therefore has a `VMFuncRef` in the `VMContext`.
    FuncRefIndex;
}

/// An entity of any kind, as named by an import or an export.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum EntityIndex {
    /// A function.
    Function(FuncIndex),
    /// A table.
    Table(TableIndex),
    /// A linear memory.
    Memory(MemoryIndex),
    /// A global.
    Global(GlobalIndex),
    /// An exception tag.
    Tag(TagIndex),
}
