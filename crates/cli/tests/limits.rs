//! Memory and time are bounded: with default flags no scenario the parser accepts can take the
//! process past its share of the machine, a check that hits a limit says `incomplete` and names
//! the limit, and oversized input is refused before it is parsed.

mod common;
use common::*;
use std::io::Write;
use std::process::Command;

/// The largest scenario the parser accepts: every limit at its maximum — threads, ops, files,
/// mappings, pages — each thread storing to every file's pages and syncing them, so the state
/// space is far beyond any machine.
fn biggest() -> String {
    use pinlab_litmus::{MAX_FILES, MAX_MAPS, MAX_OPS, MAX_PAGES, MAX_THREADS, MAX_VALUES};
    let mut s =
        String::from("litmus biggest\ndoc \"every parser limit at its maximum\"\nfs ext4\n");
    for f in 0..MAX_FILES {
        s += &format!("file f{f} pages={MAX_PAGES}\n");
    }
    for m in 0..MAX_MAPS {
        s += &format!("mmap m{m} = f{} shared rw\n", m % MAX_FILES);
    }
    let per = MAX_OPS / MAX_THREADS;
    let mut v = 0;
    for t in 0..MAX_THREADS {
        s += &format!("thread t{t} {{\n");
        for i in 0..per {
            if i % 5 == 0 {
                s += &format!("  fsync f{}\n", (t + i) % MAX_FILES);
            } else {
                v += 1;
                s += &format!(
                    "  store m{}[{}] = V{}\n",
                    (t * 3 + i) % MAX_MAPS,
                    (i * 7 + t) as u64 % MAX_PAGES,
                    v % MAX_VALUES
                );
            }
        }
        s += "}\n";
    }
    s
}

/// A scenario whose states are small and many: six threads storing to eight pages, 24 stores
/// each. The checker keeps about 12 bytes a state, so a budget of tens of MiB is millions of
/// states — the biggest scenario's large states would take minutes to fill it.
fn wide() -> String {
    let mut s = String::from(
        "litmus wide\ndoc \"six threads storing to eight pages\"\nfs ext4\nfile f pages=8\nmmap m = f shared rw\n",
    );
    for t in 0..6 {
        s += &format!("thread t{t} {{\n");
        for i in 0..24 {
            s += &format!("  store m[{}] = V{}\n", (t + i) % 8, (t * 5 + i) % 26);
        }
        s += "}\n";
    }
    s
}

fn write_temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = root().join("target/limits-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_biggest_scenario_is_legal_and_at_every_limit() {
    let text = biggest();
    pinlab_litmus::parse("biggest.litmus", &text).expect("the biggest scenario parses");
    // One more op is refused: it really is at the op limit.
    let more = text.replacen("thread t0 {\n", "thread t0 {\n  fsync f0\n", 1);
    let e = pinlab_litmus::parse("more.litmus", &more).unwrap_err();
    assert!(
        e.render(&more).contains("operations"),
        "{}",
        e.render(&more)
    );
}

/// With no memory flag, under an address-space limit of 192 MiB, the check stops at its default
/// budget — half that — and says so: it is neither killed nor aborted by a refused allocation.
/// (One thread: every thread's allocator arena takes address space a budget cannot see; with
/// more, a refused allocation ends the check instead, as `incomplete` all the same. At 128 MiB the
/// other half was once not enough on a loaded machine, where the allocator hands freed segments
/// back to the kernel later: two workspace runs at load 13 stopped on a refused 224 KiB
/// allocation, and no run here reproduced it since.)
#[test]
fn a_check_stops_at_the_default_budget_instead_of_running_out() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        skip(Skip::Missing("no prlimit (Debian: util-linux)".into()));
        return;
    }
    let f = write_temp("wide.litmus", &wide());
    // Half of it is what the program and its allocator reserve (a third was not always enough).
    let limit: u64 = 192 << 20;
    let o = Command::new("prlimit")
        .arg(format!("--as={limit}"))
        .arg(env!("CARGO_BIN_EXE_pinlab"))
        .args(["check", "-d", "legacy", "-j", "1"])
        .arg(&f)
        .output()
        .expect("run prlimit");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code().is_some(),
        "pinlab was killed by a signal ({:?}): {err}",
        o.status
    );
    assert!(out.contains("legacy  incomplete"), "{out}\n{err}");
    assert!(
        out.contains("stopped at the memory limit (96.0 MiB, --max-memory)"),
        "the default budget is half the address space: {out}\n{err}"
    );
}

/// An explicit budget is each check's share: the check stops within it, and JSON says which
/// limit cut it and what the check held at its peak.
#[test]
fn max_memory_cuts_a_check_short_and_json_says_so() {
    let f = write_temp("biggest-json.litmus", &biggest());
    let o = pinlab(&[
        "check",
        "-d",
        "legacy",
        "--max-memory",
        "8M",
        "--format",
        "json",
        f.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cell = &v["scenarios"][0]["cells"][0];
    assert_eq!(cell["kind"], "incomplete");
    let st = &cell["stats"];
    assert_eq!(st["complete"], false);
    assert_eq!(st["cut"]["limit"], "memory");
    assert!(st["cut"]["text"].as_str().unwrap().contains("8.0 MiB"));
    let bytes = st["bytes"].as_u64().unwrap();
    assert!(
        bytes <= 8 << 20,
        "the check held {bytes} bytes, over its 8 MiB"
    );
    assert!(
        bytes > 4 << 20,
        "it stopped at {bytes} bytes, far below its 8 MiB"
    );
    assert!(st["bytes_per_state"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_timeout_is_incomplete_never_safe() {
    let f = write_temp("biggest-timeout.litmus", &biggest());
    let o = pinlab(&[
        "check",
        "-d",
        "legacy",
        "--timeout",
        "300ms",
        f.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("legacy  incomplete"), "{out}");
    assert!(
        out.contains("stopped at the time limit (0.3 s, --timeout)"),
        "{out}"
    );
}

#[test]
fn a_complete_check_reports_its_memory() {
    let o = pinlab(&[
        "check",
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "-d",
        "legacy",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let st = &v["scenarios"][0]["cells"][0]["stats"];
    assert_eq!(st["cut"], serde_json::Value::Null);
    let (bytes, states) = (
        st["bytes"].as_u64().unwrap(),
        st["states"].as_u64().unwrap(),
    );
    assert!(bytes > 16 * states, "{bytes} bytes for {states} states");
    // The stderr summary gives the process's peak RSS per state.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("peak RSS") && err.contains("bytes/state"),
        "{err}"
    );
}

#[test]
fn bad_limits_are_usage_errors() {
    for (args, want) in [
        (["--max-memory", "4X"], "unknown unit `X`"),
        (["--timeout", "soon"], "not a duration"),
    ] {
        let mut a = vec!["check", "litmus/ext4-rdma-redirty-after-writeback.litmus"];
        a.extend(args);
        let o = pinlab(&a);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains(want));
    }
}

/// The memory cgroup of this process, v1 or v2, if this process may make a child in it.
fn memory_cgroup() -> Option<(std::path::PathBuf, bool)> {
    let cg = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in cg.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, ctl, path) = (parts.next()?, parts.next()?, parts.next()?);
        let rel = path.trim_start_matches('/');
        if ctl.split(',').any(|c| c == "memory") {
            let d = std::path::Path::new("/sys/fs/cgroup/memory").join(rel);
            if d.join("memory.limit_in_bytes").exists() {
                return Some((d, true));
            }
        }
        if ctl.is_empty() {
            let d = std::path::Path::new("/sys/fs/cgroup").join(rel);
            let ctl = std::fs::read_to_string(d.join("cgroup.subtree_control")).unwrap_or_default();
            if ctl.split_whitespace().any(|c| c == "memory") {
                return Some((d, false));
            }
        }
    }
    None
}

/// Under a memory cgroup of 96 MiB — what a container or `systemd-run -p MemoryMax=` gives —
/// the default budget is half the cgroup's limit, and the kernel never has to OOM-kill.
#[test]
fn under_a_memory_cgroup_the_default_budget_is_half_its_limit() {
    let Some((parent, v1)) = memory_cgroup() else {
        skip(Skip::Machine(
            "no memory cgroup this process may make a child in".into(),
        ));
        return;
    };
    let dir = parent.join(format!("pinlab-limits-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir(&dir) {
        skip(Skip::Machine(format!(
            "cannot create {}: {e}",
            dir.display()
        )));
        return;
    }
    let limit: u64 = 96 << 20;
    let (limit_file, events) = if v1 {
        ("memory.limit_in_bytes", "memory.oom_control")
    } else {
        ("memory.max", "memory.events")
    };
    std::fs::write(dir.join(limit_file), limit.to_string()).expect("set the cgroup's limit");
    let f = write_temp("wide-cgroup.litmus", &wide());
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}/cgroup.procs && exec \"$0\" check -d legacy \"$1\"",
            dir.display()
        ))
        .arg(env!("CARGO_BIN_EXE_pinlab"))
        .arg(&f)
        .output()
        .expect("run pinlab in the cgroup");
    let ev = std::fs::read_to_string(dir.join(events)).unwrap_or_default();
    let _ = std::fs::remove_dir(&dir);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code().is_some(),
        "killed: {:?}\n{ev}\n{err}",
        o.status
    );
    let kills: u64 = ev
        .lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert_eq!(kills, 0, "the OOM killer ran in the cgroup: {ev}");
    assert!(
        out.contains("stopped at the memory limit (48.0 MiB, --max-memory)"),
        "{out}\n{err}"
    );
}

/// A 22 MB input — a file or an endless stdin — is refused after reading a mebibyte, with one
/// line that says why, exit 2.
#[test]
fn an_oversized_input_is_refused_before_it_is_parsed() {
    let line = "  store m[0] = A\n";
    let big = format!(
        "litmus big\nfs ext4\n{}",
        line.repeat(22_000_000 / line.len())
    );
    let f = write_temp("big.litmus", &big);
    let o = pinlab(&["check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is larger than 1024 KiB"), "{err}");
    // One reason, not a diagnostic per line of the file.
    assert!(!err.contains("big.litmus:3:"), "{err}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_pinlab"))
        .args(["check", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // pinlab stops reading after a mebibyte: the write then fails with EPIPE, which is fine.
    let _ = stdin.write_all(big.as_bytes());
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("<stdin> is larger than 1024 KiB"));
}
