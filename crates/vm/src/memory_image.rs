//! Copy-on-write memory images. A module's constant data segments (as
//! `environ::StaticInit` lays them out) are written once into an anonymous in-memory
//! file; every instance maps that file privately over the start of its memory, so a
//! memory with megabytes of initialised data costs one `mmap` instead of a copy, and a
//! page is copied only when the instance first writes to it.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use environ::{DefinedMemoryIndex, EntityVec, MemoryImageLayout, Module};

use crate::sys;

/// One memory's image: a file holding the bytes of `len` bytes of memory from
/// `offset`.
#[derive(Debug)]
pub struct MemoryImage {
    /// Unique for the life of the process, so a pooled memory slot can tell whether the
    /// image mapped into it is this one.
    id: u64,
    file: std::fs::File,
    offset: usize,
    len: usize,
}

/// Up to this many segments are written into an image one by one.
const FEW_SEGMENTS: usize = 16;
/// The unit in which an image of many segments is written.
const WRITE_CHUNK: usize = 64 << 10;

impl MemoryImage {
    /// Writes the image `layout` describes, or returns `None` where the host cannot
    /// map one (no in-memory files, or pages larger than a wasm page).
    fn new(module: &Module, layout: &MemoryImageLayout) -> io::Result<Option<Self>> {
        use std::os::unix::fs::FileExt;
        let too_large = || io::Error::other("memory image does not fit the address space");
        let offset = usize::try_from(layout.offset).map_err(|_| too_large())?;
        let len = usize::try_from(layout.len).map_err(|_| too_large())?;
        let page = sys::page_size();
        if offset % page != 0 || len % page != 0 {
            return Ok(None);
        }
        let Some(file) = sys::memory_file(len)? else {
            return Ok(None);
        };
        let segments = layout.segments.iter().map(|&(data, at)| {
            let bytes = &module.data_bytes[module.data[data].range.clone()];
            let position = at.checked_sub(layout.offset).ok_or_else(too_large)?;
            Ok::<_, io::Error>((bytes, position))
        });
        if layout.segments.len() <= FEW_SEGMENTS {
            for segment in segments {
                let (bytes, position) = segment?;
                file.write_all_at(bytes, position)?;
            }
        } else {
            // Many small segments (compilers emit thousands): lay them out in memory and
            // write the image in large chunks, skipping all-zero ones (the file reads as
            // zero there already), instead of one system call per segment.
            let mut image = vec![0; len];
            for segment in segments {
                let (bytes, position) = segment?;
                let start = usize::try_from(position).map_err(|_| too_large())?;
                let end = start.checked_add(bytes.len()).ok_or_else(too_large)?;
                image
                    .get_mut(start..end)
                    .ok_or_else(too_large)?
                    .copy_from_slice(bytes);
            }
            for (i, chunk) in image.chunks(WRITE_CHUNK).enumerate() {
                if chunk.iter().any(|&byte| byte != 0) {
                    file.write_all_at(chunk, (i * WRITE_CHUNK) as u64)?;
                }
            }
        }
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Ok(Some(Self {
            id,
            file,
            offset,
            len,
        }))
    }

    /// The image's process-wide identity.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The first byte of memory the image covers.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// How many bytes of memory the image covers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the image covers no bytes (never true of a made image).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Maps the image over the memory whose first byte is `base`.
    ///
    /// # Safety
    ///
    /// `base + offset .. base + offset + len` must be part of a mapping the caller owns,
    /// with no reference into it.
    pub(crate) unsafe fn map_into(&self, base: *mut u8) -> io::Result<()> {
        // SAFETY: the caller's contract; the file is `len` bytes long.
        unsafe { sys::mmap_file_fixed(base.add(self.offset), self.len, &self.file) }
    }
}

/// The images of a module's defined memories, made once per module and shared by its
/// instances.
#[derive(Debug, Default)]
pub struct MemoryImages {
    images: EntityVec<DefinedMemoryIndex, Option<MemoryImage>>,
}

impl MemoryImages {
    /// Makes the image of every memory of `module` that has an image layout.
    ///
    /// # Errors
    ///
    /// When the in-memory file cannot be created or written.
    pub fn new(module: &Module) -> io::Result<Self> {
        let mut images = EntityVec::new();
        for layout in module.static_init.memories.values() {
            let image = match layout {
                Some(layout) => MemoryImage::new(module, layout)?,
                None => None,
            };
            images.push(image);
        }
        Ok(Self { images })
    }

    /// The image of a defined memory, if it has one.
    pub fn get(&self, memory: DefinedMemoryIndex) -> Option<&MemoryImage> {
        self.images.get(memory)?.as_ref()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use environ::{Features, Tunables, translate_module};

    use super::*;
    use crate::LinearMemory;

    #[test]
    fn a_mapped_image_holds_the_segments_and_copies_on_write() {
        let wasm = wat::parse_str(
            r#"(module (memory 2) (data (i32.const 70000) "late") (data (i32.const 65536) "early"))"#,
        )
        .unwrap();
        let module = translate_module(&wasm, Features::default()).unwrap().module;
        let images = MemoryImages::new(&module).unwrap();
        let image = images.get(DefinedMemoryIndex::from_u32(0)).unwrap();
        assert_eq!((image.offset(), image.len()), (65536, 65536));
        let ty = module.memories.values().next().copied().unwrap();
        let tunables = Tunables::default_for_host();
        let mut first = LinearMemory::new(ty, &tunables, None, Some(image)).unwrap();
        let second = LinearMemory::new(ty, &tunables, None, Some(image)).unwrap();
        assert!(first.has_image());
        assert_eq!(&first.data()[65536..65541], b"early");
        assert_eq!(&first.data()[70000..70004], b"late");
        assert!(first.data()[..65536].iter().all(|&b| b == 0));
        first.data_mut()[70000] = b'L';
        assert_eq!(&second.data()[70000..70004], b"late");
    }

    #[test]
    fn an_image_larger_than_the_memory_is_refused() {
        let wasm = wat::parse_str(r#"(module (memory 2) (data (i32.const 65536) "x"))"#).unwrap();
        let module = translate_module(&wasm, Features::default()).unwrap().module;
        let images = MemoryImages::new(&module).unwrap();
        let image = images.get(DefinedMemoryIndex::from_u32(0)).unwrap();
        let small = environ::MemoryType {
            limits: environ::Limits {
                minimum: 1,
                maximum: None,
            },
            shared: false,
            memory64: false,
        };
        let tunables = Tunables::default_for_host();
        assert!(LinearMemory::new(small, &tunables, None, Some(image)).is_err());
    }
}
