//! tarn-wasi's integration tests: the sandbox against escape attempts, random paths and
//! pointers, and the embedding API (pipes, exit statuses, permissions).
//!
//! Most tests drive the WASI functions directly through [`Guest`]: a module that
//! imports each function and exports a wrapper with the same signature, so a test can
//! call any function with any arguments, pointers included.

mod api;
mod properties;
mod sandbox;

use std::path::{Path, PathBuf};

use tarn::{Engine, Instance, Linker, Memory, Module, Store, Val};
use tarn_wasi::{WasiCtx, WasiCtxBuilder};

/// The functions [`Guest`] can call: name and parameter types (`i` = i32, `I` = i64).
const FUNCTIONS: &[(&str, &str)] = &[
    ("fd_close", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_filestat_get", "ii"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_read", "iiii"),
    ("fd_readdir", "iiiIi"),
    ("fd_write", "iiii"),
    ("fd_seek", "iIii"),
    ("path_create_directory", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"),
    ("path_readlink", "iiiiii"),
    ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_unlink_file", "iii"),
    ("poll_oneoff", "iiii"),
    ("random_get", "ii"),
    ("args_get", "ii"),
    ("environ_get", "ii"),
    ("clock_time_get", "iIi"),
];

/// A guest whose exports call WASI functions with the arguments a test gives.
struct Guest {
    store: Store<WasiCtx>,
    instance: Instance,
    memory: Memory,
}

/// Where [`Guest::path`] puts strings in guest memory.
const SCRATCH: u32 = 1024;

impl Guest {
    fn new(builder: &mut WasiCtxBuilder) -> Self {
        let mut wat = String::from("(module\n");
        for (name, params) in FUNCTIONS {
            let types: Vec<&str> = params
                .chars()
                .map(|c| if c == 'I' { "i64" } else { "i32" })
                .collect();
            let types = types.join(" ");
            wat += &format!(
                "(import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {types}) (result i32)))\n"
            );
        }
        wat += "(memory (export \"memory\") 1)\n";
        for (name, params) in FUNCTIONS {
            let types: Vec<&str> = params
                .chars()
                .map(|c| if c == 'I' { "i64" } else { "i32" })
                .collect();
            let gets: String = (0..params.len())
                .map(|i| format!("local.get {i} "))
                .collect();
            wat += &format!(
                "(func (export \"{name}\") (param {}) (result i32) {gets} call ${name})\n",
                types.join(" ")
            );
        }
        wat += ")";
        let engine = Engine::default();
        let module = Module::new(&engine, &wat).expect("the guest module is valid");
        let mut linker = Linker::new(&engine);
        tarn_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx).unwrap();
        let mut store = Store::new(&engine, builder.build());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        Self {
            store,
            instance,
            memory,
        }
    }

    /// Calls the WASI function `name` with `args` and returns its errno.
    fn call(&mut self, name: &str, args: &[i64]) -> i32 {
        let (_, params) = FUNCTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} is not in FUNCTIONS"));
        assert_eq!(params.len(), args.len(), "{name} takes {params} arguments");
        let vals: Vec<Val> = params
            .chars()
            .zip(args)
            .map(|(ty, arg)| {
                if ty == 'I' {
                    Val::I64(*arg)
                } else {
                    Val::I32(*arg as i32)
                }
            })
            .collect();
        let func = self.instance.get_func(&mut self.store, name).unwrap();
        let mut result = [Val::I32(-1)];
        func.call(&mut self.store, &vals, &mut result)
            .unwrap_or_else(|e| panic!("{name} failed instead of returning an errno: {e}"));
        result[0].i32().unwrap()
    }

    /// Writes `s` at `at` in guest memory and returns `(pointer, length)`.
    fn put(&mut self, at: u32, s: &str) -> (i64, i64) {
        self.memory
            .write(&mut self.store, at as usize, s.as_bytes())
            .unwrap();
        (i64::from(at), s.len() as i64)
    }

    /// Writes `path` to scratch memory and returns `(pointer, length)`.
    fn path(&mut self, path: &str) -> (i64, i64) {
        self.put(SCRATCH, path)
    }

    fn read_u32(&mut self, at: u32) -> u32 {
        let mut bytes = [0; 4];
        self.memory
            .read(&self.store, at as usize, &mut bytes)
            .unwrap();
        u32::from_le_bytes(bytes)
    }

    fn read_bytes(&mut self, at: u32, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        self.memory
            .read(&self.store, at as usize, &mut bytes)
            .unwrap();
        bytes
    }

    /// `path_open` of `path` beneath descriptor `fd` with `oflags`, asking for every
    /// right; the new descriptor or the errno.
    fn open(&mut self, fd: i64, path: &str, oflags: i64, follow: bool) -> Result<u32, i32> {
        let (ptr, len) = self.path(path);
        let errno = self.call(
            "path_open",
            &[fd, i64::from(follow), ptr, len, oflags, -1, -1, 0, 512],
        );
        if errno == 0 {
            Ok(self.read_u32(512))
        } else {
            Err(errno)
        }
    }
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "tarn-wasi-{}-{name}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::remove_dir_all(&path).ok();
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Errno values the tests name.
mod errno {
    pub(crate) const BADF: i32 = 8;
    pub(crate) const EXIST: i32 = 20;
    pub(crate) const FAULT: i32 = 21;
    pub(crate) const NOENT: i32 = 44;
    pub(crate) const NOTCAPABLE: i32 = 76;
}
