//! What the command-line tests share: where the workspace is, running the binary, and whether
//! the probe can run on this machine. Each test file uses a part of it.
#![allow(dead_code)]

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

/// Why the probe cannot run here, if it cannot: it needs Linux, root and loop devices.
pub fn probe_cannot_run() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some("the probe runs on Linux only".into());
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next().map(str::to_string))
        })
        .unwrap_or_default();
    if uid != "0" {
        return Some("not root".into());
    }
    if !Path::new("/dev/loop-control").exists() {
        return Some("no loop devices".into());
    }
    None
}
