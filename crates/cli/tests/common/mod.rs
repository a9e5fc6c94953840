//! What the command-line tests share: where the workspace is, running the binary, whether the
//! probe can run on this machine, and how a test that cannot run says so. Each test file uses a
//! part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root: the tests run `pinlab` from there, so `litmus/…` paths resolve.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the built `pinlab` with `args` from the workspace root.
pub fn pinlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pinlab"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run pinlab")
}

/// Runs `pinlab ARGS`, requires exit 0, and returns stdout.
pub fn ok_stdout(args: &[&str]) -> String {
    let o = pinlab(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "pinlab {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Why a test cannot run (all of it or a part of it) on this machine.
#[derive(Clone, Debug)]
pub enum Skip {
    /// The machine cannot run it whatever is installed: not Linux, not root, no loop devices, no
    /// pseudo-terminals. Never a failure.
    Machine(String),
    /// Something the test needs that an install provides is missing (`.ci/run` installs it as
    /// root): under `PINLAB_TEST_STRICT=1` this skip is a failure.
    Missing(String),
}

/// Whether skips of tests this machine could run are failures (`.ci/run` sets it as root, after
/// installing what the tests need).
pub fn strict() -> bool {
    std::env::var_os("PINLAB_TEST_STRICT").is_some_and(|v| v == "1")
}

/// Says, visibly in `cargo test`'s output, that the running test (or the part of it named in the
/// reason) was not checked and why: `SKIPPED: TEST: REASON`. libtest captures `print!` and
/// `eprint!` of passing tests, not a write to the stderr handle itself. Under
/// `PINLAB_TEST_STRICT=1` a `Skip::Missing` panics instead: the machine could have run the test.
/// The caller returns after it (or goes on without the part skipped).
pub fn skip(why: Skip) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let (reason, missing) = match &why {
        Skip::Machine(r) => (r, false),
        Skip::Missing(r) => (r, true),
    };
    if missing && strict() {
        panic!(
            "{test}: {reason}\nPINLAB_TEST_STRICT=1: this machine could run the test once that \
             is installed, so a skip is a failure"
        );
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {reason}");
}

pub fn is_root() -> bool {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().nth(1).map(str::to_string))
        })
        .unwrap_or_default();
    uid == "0"
}

/// Why the probe cannot run here, if it cannot: it needs Linux, root and loop devices.
pub fn probe_cannot_run() -> Option<Skip> {
    if !cfg!(target_os = "linux") {
        return Some(Skip::Machine("the probe runs on Linux only".into()));
    }
    if !is_root() {
        return Some(Skip::Machine(
            "not root: the probe needs root and loop devices".into(),
        ));
    }
    if !Path::new("/dev/loop-control").exists() {
        return Some(Skip::Machine(
            "no loop devices (/dev/loop-control is missing): the probe needs them".into(),
        ));
    }
    None
}

/// `name` on PATH, as the probe looks for its tools.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// The disk filesystems the probe makes on loop devices, each with its mkfs and the Debian
/// package that has it.
pub const MKFS: [(&str, &str, &str); 3] = [
    ("ext4", "mkfs.ext4", "e2fsprogs"),
    ("xfs", "mkfs.xfs", "xfsprogs"),
    ("btrfs", "mkfs.btrfs", "btrfs-progs"),
];

/// The disk filesystems whose mkfs is not on PATH, each with the probe's reason for skipping it
/// (`mkfs.xfs not found (Debian: xfsprogs)`).
pub fn missing_mkfs() -> Vec<(&'static str, String)> {
    MKFS.iter()
        .filter(|(_, tool, _)| on_path(tool).is_none())
        .map(|(fs, tool, pkg)| (*fs, format!("{tool} not found (Debian: {pkg})")))
        .collect()
}
