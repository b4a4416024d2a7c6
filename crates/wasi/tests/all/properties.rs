//! Random paths and random pointers fed to the WASI layer: never a panic or a trap,
//! only errnos, and never a change outside the preopened directory.

use std::cell::RefCell;

use proptest::prelude::*;
use tarn_wasi::{DirPerms, FilePerms, WasiCtx};

use crate::sandbox::{layout, snapshot};
use crate::{FUNCTIONS, Guest, TempDir};

/// Paths made of the components most likely to escape: `..`, `.`, empty components,
/// absolute starts, and the layout's links out of the sandbox.
fn path() -> impl Strategy<Value = String> {
    let component = prop::sample::select(vec![
        "..",
        ".",
        "",
        "sub",
        "file.txt",
        "abs",
        "abs_outside",
        "up",
        "c1",
        "c2",
        "loop_a",
        "outside",
        "secret.txt",
        "new",
        "mine",
        "/",
        "etc",
        "passwd",
    ]);
    (any::<bool>(), prop::collection::vec(component, 1..6)).prop_map(|(absolute, parts)| {
        let path = parts.join("/");
        if absolute { format!("/{path}") } else { path }
    })
}

/// Operations that take one path beneath the sandbox.
const PATH_OPS: &[&str] = &[
    "open",
    "open_create",
    "path_create_directory",
    "path_filestat_get",
    "path_unlink_file",
    "path_remove_directory",
    "path_readlink",
    "rename_to",
    "rename_from",
    "link_to",
    "symlink_at",
];

fn run_path_op(guest: &mut Guest, op: &str, path: &str) -> i32 {
    let (ptr, len) = guest.path(path);
    let (other_ptr, other_len) = guest.put(4096, "file.txt");
    match op {
        "open" => guest.open(3, path, 0, true).err().unwrap_or(0),
        "open_create" => guest.open(3, path, 1 | 8, false).err().unwrap_or(0),
        "path_filestat_get" => guest.call(op, &[3, 1, ptr, len, 8192]),
        "path_readlink" => guest.call(op, &[3, ptr, len, 8192, 64, 8300]),
        "rename_to" => guest.call("path_rename", &[3, other_ptr, other_len, 3, ptr, len]),
        "rename_from" => guest.call("path_rename", &[3, ptr, len, 3, other_ptr, other_len]),
        "link_to" => guest.call("path_link", &[3, 0, other_ptr, other_len, 3, ptr, len]),
        "symlink_at" => guest.call("path_symlink", &[other_ptr, other_len, 3, ptr, len]),
        _ => guest.call(op, &[3, ptr, len]),
    }
}

#[test]
fn random_paths_never_reach_outside_the_preopen() {
    let tmp = TempDir::new("random_paths");
    layout(tmp.path());
    let outside = tmp.path().join("outside");
    let before = snapshot(&outside);
    let guest = RefCell::new({
        let mut builder = WasiCtx::builder();
        builder
            .preopened_dir(
                tmp.path().join("sandbox"),
                "/",
                DirPerms::all(),
                FilePerms::all(),
            )
            .unwrap();
        Guest::new(&mut builder)
    });
    proptest!(ProptestConfig::with_cases(512), |(
        ops in prop::collection::vec((prop::sample::select(PATH_OPS), path()), 1..8)
    )| {
        let mut guest = guest.borrow_mut();
        for (op, path) in &ops {
            run_path_op(&mut guest, op, path);
        }
        prop_assert_eq!(&snapshot(&outside), &before);
    });
}

#[test]
fn random_pointers_and_lengths_are_errnos_not_crashes() {
    let tmp = TempDir::new("random_pointers");
    layout(tmp.path());
    let before = snapshot(&tmp.path().join("outside"));
    let guest = RefCell::new({
        let mut builder = WasiCtx::builder();
        builder
            .arg("prog")
            .env("K", "V")
            .preopened_dir(
                tmp.path().join("sandbox"),
                "/",
                DirPerms::all(),
                FilePerms::all(),
            )
            .unwrap();
        Guest::new(&mut builder)
    });
    // Pointers near the edges of memory and anywhere, lengths small and huge; the
    // descriptor is usually a real one so the pointers are actually used.
    let value = prop_oneof![
        0i64..16,
        65_400i64..65_600,
        any::<u32>().prop_map(i64::from),
        Just(-1i64),
    ];
    proptest!(ProptestConfig::with_cases(2048), |(
        function in 0..FUNCTIONS.len(),
        mut args in prop::collection::vec(value, 9),
        fd in prop_oneof![Just(3i64), 0i64..5],
    )| {
        let (name, params) = FUNCTIONS[function];
        if name == "poll_oneoff" || name == "fd_read" {
            // These may block on the host's stdin; they get their own tests.
            return Ok(());
        }
        args.truncate(params.len());
        if !name.starts_with("path_symlink") && !name.starts_with("random") {
            args[0] = fd;
        }
        let mut guest = guest.borrow_mut();
        let errno = guest.call(name, &args);
        prop_assert!((0..=76).contains(&errno), "{name}({args:?}) returned {errno}");
    });
    assert_eq!(snapshot(&tmp.path().join("outside")), before);
}
