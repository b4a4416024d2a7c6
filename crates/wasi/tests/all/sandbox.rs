//! Escapes from a preopened directory: `..`, absolute paths, absolute and relative
//! symbolic links, chains of links, renames and hard links out of it. Each must fail,
//! and the directory beside the sandbox must be exactly as it was.

use std::collections::BTreeMap;
use std::path::Path;

use tarn_wasi::{DirPerms, FilePerms, WasiCtx};

use crate::{Guest, TempDir, errno};

/// `outside/` (a secret the guest must not reach) and `sandbox/` (preopened as `/`),
/// with links inside the sandbox that point out of it.
pub(crate) fn layout(root: &Path) {
    let outside = root.join("outside");
    let sandbox = root.join("sandbox");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::fs::write(sandbox.join("file.txt"), "inside").unwrap();
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, sandbox.join(name)).unwrap();
    };
    link("/etc", "abs");
    link(outside.to_str().unwrap(), "abs_outside");
    link("../outside", "up");
    link("c2", "c1");
    link("sub/c3", "c2");
    std::os::unix::fs::symlink("../../outside/secret.txt", sandbox.join("sub/c3")).unwrap();
    link("loop_b", "loop_a");
    link("loop_a", "loop_b");
}

/// Every file under `dir` with its contents (links by their target), to compare before
/// and after.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let ty = entry.file_type().unwrap();
        if ty.is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            files.insert(name, target.to_string_lossy().as_bytes().to_vec());
        } else if ty.is_dir() {
            for (sub, contents) in snapshot(&path) {
                files.insert(format!("{name}/{sub}"), contents);
            }
            files.entry(format!("{name}/")).or_default();
        } else {
            files.insert(name, std::fs::read(&path).unwrap());
        }
    }
    files
}

fn guest(root: &Path, dir_perms: DirPerms, file_perms: FilePerms) -> Guest {
    let mut builder = WasiCtx::builder();
    builder
        .preopened_dir(root.join("sandbox"), "/", dir_perms, file_perms)
        .unwrap();
    Guest::new(&mut builder)
}

const SANDBOX: i64 = 3;
const CREAT: i64 = 1;
const DIRECTORY: i64 = 2;

/// Paths that lead outside the sandbox, each by another route.
const ESCAPING_PATHS: &[&str] = &[
    "..",
    "../outside/secret.txt",
    "/etc/passwd",
    "/",
    "sub/../../outside/secret.txt",
    "abs/passwd",
    "abs",
    "abs_outside/secret.txt",
    "up/secret.txt",
    "up",
    "c1",
    "sub/c3",
    "./../sandbox/file.txt",
];

/// Paths whose parent directories lead outside, so even operations that do not follow a
/// final symbolic link must fail.
const THROUGH_PARENT: &[&str] = &[
    "../outside/secret.txt",
    "/etc/passwd",
    "sub/../../outside/secret.txt",
    "abs/passwd",
    "abs_outside/secret.txt",
    "up/secret.txt",
    "../outside",
];

#[test]
fn no_path_opens_anything_outside_the_preopen() {
    let tmp = TempDir::new("open");
    layout(tmp.path());
    let before = snapshot(&tmp.path().join("outside"));
    let mut guest = guest(tmp.path(), DirPerms::all(), FilePerms::all());
    for path in ESCAPING_PATHS {
        for follow in [true, false] {
            for oflags in [0, CREAT, DIRECTORY] {
                let result = guest.open(SANDBOX, path, oflags, follow);
                assert!(
                    result.is_err(),
                    "path_open({path:?}, follow {follow}, oflags {oflags}) succeeded"
                );
            }
        }
    }
    // A loop of links is an error, not a hang.
    assert!(guest.open(SANDBOX, "loop_a", 0, true).is_err());
    // What is inside stays reachable.
    assert!(guest.open(SANDBOX, "file.txt", 0, false).is_ok());
    assert!(guest.open(SANDBOX, "sub/../file.txt", 0, false).is_ok());
    assert_eq!(snapshot(&tmp.path().join("outside")), before);
}

#[test]
fn stat_readlink_and_directory_operations_stay_inside() {
    let tmp = TempDir::new("ops");
    layout(tmp.path());
    let before = snapshot(&tmp.path().join("outside"));
    let mut guest = guest(tmp.path(), DirPerms::all(), FilePerms::all());
    for path in ESCAPING_PATHS {
        let (ptr, len) = guest.path(path);
        assert_ne!(
            guest.call("path_filestat_get", &[SANDBOX, 1, ptr, len, 256]),
            0,
            "stat {path}"
        );
    }
    // Unlinking a link removes the link (inside); these reach through one to outside.
    for path in THROUGH_PARENT {
        let (ptr, len) = guest.path(path);
        assert_ne!(
            guest.call("path_unlink_file", &[SANDBOX, ptr, len]),
            0,
            "unlink {path}"
        );
        assert_ne!(
            guest.call("path_remove_directory", &[SANDBOX, ptr, len]),
            0,
            "rmdir {path}"
        );
        assert_ne!(
            guest.call("path_filestat_get", &[SANDBOX, 0, ptr, len, 256]),
            0,
            "lstat {path}"
        );
    }
    for path in ["../outside/new", "up/new", "abs_outside/new", "/new"] {
        let (ptr, len) = guest.path(path);
        assert_ne!(
            guest.call("path_create_directory", &[SANDBOX, ptr, len]),
            0,
            "mkdir {path}"
        );
    }
    // Renames and links out of the sandbox, and into it from outside, are refused.
    let pairs = [
        ("file.txt", "../outside/moved.txt"),
        ("file.txt", "up/moved.txt"),
        ("file.txt", "abs_outside/moved.txt"),
        ("up/secret.txt", "stolen.txt"),
        ("c1", "stolen.txt"),
    ];
    for (from, to) in pairs {
        let (from_ptr, from_len) = guest.put(1024, from);
        let (to_ptr, to_len) = guest.put(2048, to);
        let args = [SANDBOX, from_ptr, from_len, SANDBOX, to_ptr, to_len];
        let renamed = guest.call("path_rename", &args);
        if from == "c1" {
            // Renaming the link itself (not what it points at) is allowed; put it back.
            assert_eq!(renamed, 0, "rename {from} -> {to}");
            let back = [SANDBOX, to_ptr, to_len, SANDBOX, from_ptr, from_len];
            assert_eq!(guest.call("path_rename", &back), 0);
        } else {
            assert_ne!(renamed, 0, "rename {from} -> {to}");
        }
        let linked = guest.call(
            "path_link",
            &[SANDBOX, 0, from_ptr, from_len, SANDBOX, to_ptr, to_len],
        );
        if from == "c1" {
            // A hard link to the link itself stays inside; following it still fails.
            assert_eq!(linked, 0, "link {from} -> {to}");
            assert!(guest.open(SANDBOX, to, 0, true).is_err());
        } else {
            assert_ne!(linked, 0, "link {from} -> {to}");
        }
    }
    // A link to an absolute path is refused; one that climbs out may be made, but
    // following it goes nowhere.
    for (target, name) in [
        ("/etc/passwd", "mine_abs"),
        ("../outside/secret.txt", "mine_up"),
    ] {
        let (target_ptr, target_len) = guest.put(1024, target);
        let (link_ptr, link_len) = guest.put(2048, name);
        let made = guest.call(
            "path_symlink",
            &[target_ptr, target_len, SANDBOX, link_ptr, link_len],
        );
        if target.starts_with('/') {
            assert_ne!(made, 0, "symlink to {target}");
        }
        assert!(
            guest.open(SANDBOX, name, 0, true).is_err(),
            "following {name}"
        );
    }
    // The guest sees its own name for the preopen, never the host path.
    assert_eq!(guest.call("fd_prestat_get", &[SANDBOX, 256]), 0);
    assert_eq!(guest.read_u32(260), 1);
    assert_eq!(guest.call("fd_prestat_dir_name", &[SANDBOX, 300, 1]), 0);
    assert_eq!(guest.read_bytes(300, 1), b"/");
    assert_eq!(snapshot(&tmp.path().join("outside")), before);
}

#[test]
fn a_read_only_preopen_refuses_every_write() {
    let tmp = TempDir::new("read_only");
    layout(tmp.path());
    let before = snapshot(&tmp.path().join("sandbox"));
    let mut guest = guest(tmp.path(), DirPerms::READ, FilePerms::READ);
    assert_eq!(
        guest.open(SANDBOX, "new.txt", CREAT, false),
        Err(errno::NOTCAPABLE)
    );
    // Asking to write an existing file is refused; reading it works.
    let (ptr, len) = guest.path("file.txt");
    let write_rights = 1 << 6;
    let opened = guest.call(
        "path_open",
        &[SANDBOX, 0, ptr, len, 0, write_rights, 0, 0, 512],
    );
    assert_eq!(opened, errno::NOTCAPABLE);
    let read_rights = 1 << 1;
    let opened = guest.call(
        "path_open",
        &[SANDBOX, 0, ptr, len, 0, read_rights, 0, 0, 512],
    );
    assert_eq!(opened, 0);
    let fd = guest.read_u32(512);
    // Even with the descriptor, writing it is refused.
    guest.put(600, "overwrite");
    guest
        .memory
        .write(&mut guest.store, 700, &600u32.to_le_bytes())
        .unwrap();
    guest
        .memory
        .write(&mut guest.store, 704, &9u32.to_le_bytes())
        .unwrap();
    assert_eq!(
        guest.call("fd_write", &[i64::from(fd), 700, 1, 800]),
        errno::NOTCAPABLE
    );
    for op in [
        "path_create_directory",
        "path_unlink_file",
        "path_remove_directory",
    ] {
        let (ptr, len) = guest.path("sub");
        assert_eq!(
            guest.call(op, &[SANDBOX, ptr, len]),
            errno::NOTCAPABLE,
            "{op}"
        );
    }
    assert_eq!(snapshot(&tmp.path().join("sandbox")), before);
}

#[test]
fn bad_pointers_are_efault_never_a_crash() {
    let tmp = TempDir::new("pointers");
    layout(tmp.path());
    let mut guest = guest(tmp.path(), DirPerms::all(), FilePerms::all());
    let end = 65536;
    // A path that runs past the end of memory.
    assert_eq!(
        guest.call("path_create_directory", &[SANDBOX, end - 2, 10]),
        errno::FAULT
    );
    assert_eq!(
        guest.call("path_create_directory", &[SANDBOX, -1, 1]),
        errno::FAULT
    );
    // Results written past the end.
    assert_eq!(guest.call("fd_fdstat_get", &[1, end - 4]), errno::FAULT);
    assert_eq!(guest.call("random_get", &[end - 8, 16]), errno::FAULT);
    assert_eq!(
        guest.call("args_get", &[end, end]),
        0,
        "no arguments: nothing to write"
    );
    // An iovec array, or an iovec, outside memory.
    assert_eq!(guest.call("fd_write", &[1, end - 4, 1, 0]), errno::FAULT);
    guest
        .memory
        .write(&mut guest.store, 0, &(end as u32 - 1).to_le_bytes())
        .unwrap();
    guest
        .memory
        .write(&mut guest.store, 4, &8u32.to_le_bytes())
        .unwrap();
    assert_eq!(guest.call("fd_write", &[1, 0, 1, 16]), errno::FAULT);
    assert_eq!(
        guest.call("fd_write", &[1, 0, 0x2000_0000, 16]),
        errno::FAULT
    );
    // Descriptors that do not exist.
    assert_eq!(guest.call("fd_close", &[99]), errno::BADF);
    assert_eq!(guest.call("fd_fdstat_get", &[-1, 0]), errno::BADF);
    // Nothing was created by the failed calls.
    assert_eq!(guest.open(SANDBOX, "new", 0, false), Err(errno::NOENT));
    assert_eq!(
        guest.open(SANDBOX, "file.txt", CREAT | 4, false),
        Err(errno::EXIST)
    );
}
