//! The probe on this machine's kernel: the catalog and the pin matrix agree with the model of
//! `upstream`, exactly the scenarios that can run here run, another design disagrees, a backing
//! whose mkfs is missing is skipped with the package to install, and a probe killed mid-run
//! leaves nothing behind.
//!
//! These need root and loop devices (CI has both; `.ci/run` installs xfsprogs and btrfs-progs).
//! Where the machine cannot, each test says so visibly (`SKIPPED: TEST: REASON`, see
//! `common::skip`) and returns: never a pass that checked something. A missing mkfs is a skip of
//! the runs that need it, and a failure under `PINLAB_TEST_STRICT=1`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod common;
use common::{missing_mkfs, on_path, probe_cannot_run, skip, Skip};

// The probe's tests look at machine-wide state (mounts, loop devices, huge pages): one at a time.
static MACHINE: Mutex<()> = Mutex::new(());

fn pinlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pinlab"))
}

/// Returns from the test, saying why, when the probe cannot run here at all: not root, no loop
/// devices, no losetup.
macro_rules! require_machine {
    () => {
        if let Some(why) = probe_cannot_run() {
            skip(why);
            return;
        }
        if on_path("losetup").is_none() {
            skip(Skip::Missing("losetup not found (Debian: mount)".into()));
            return;
        }
    };
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Mounts, loop devices and folders the probe made that are still there.
fn leftovers() -> Vec<String> {
    let mut v = Vec::new();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    v.extend(
        mounts
            .lines()
            .filter(|l| l.contains("pinlab-probe."))
            .map(|l| format!("mount: {l}")),
    );
    if let Ok(o) = Command::new("losetup").arg("-a").output() {
        v.extend(
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| l.contains("pinlab-probe."))
                .map(|l| format!("loop: {l}")),
        );
    }
    if let Ok(rd) = std::fs::read_dir(std::env::temp_dir()) {
        v.extend(
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("pinlab-probe."))
                .map(|n| format!("folder: {n}")),
        );
    }
    v
}

fn nr_hugepages() -> String {
    std::fs::read_to_string("/proc/sys/vm/nr_hugepages").unwrap_or_default()
}

/// The catalog's runs that must run (and agree) on a machine with root, loop devices and the
/// three mkfs tools: every one the probe ran on this project's machine (Linux 6.x, x86_64).
const MUST_RUN: &[(&str, &str)] = &[
    ("anon-rdma-longterm-pin", "ext4"),
    ("anon-vmsplice-zero-page", "tmpfs"),
    ("btrfs-dio-dma-during-writeback", "btrfs"),
    ("btrfs-rdma-fixup-later-writeback", "btrfs"),
    ("btrfs-rdma-gup-bounce-enospc", "btrfs"),
    ("btrfs-rdma-redirty-late-enospc", "btrfs"),
    ("btrfs-rdma-redirty-new-extent", "btrfs"),
    ("ext4-dio-read-during-writeback", "ext4"),
    ("ext4-dio-reclaim-drops-buffers", "ext4"),
    ("ext4-dio-reclaim-unpin-warns", "ext4"),
    ("ext4-iouring-private-cow", "ext4"),
    ("ext4-rdma-private-cow-fsync", "ext4"),
    ("ext4-rdma-redirty-after-writeback", "ext4"),
    ("ext4-rdma-truncate-orphan", "ext4"),
    ("ext4-rdma-unpin-then-fsync", "ext4"),
    ("ext4-rdma-write-while-pinned", "ext4"),
    ("ext4-rdma-writeback-waits-forever", "ext4"),
    ("ext4-vfio-map-dma-shared", "ext4"),
    ("ext4-vmsplice-live", "ext4"),
    ("ext4-vmsplice-private-snapshot", "ext4"),
    ("ext4-vmsplice-truncate-orphan", "ext4"),
    ("hugetlbfs-iouring-longterm-pin", "hugetlbfs"),
    ("memfd-iouring-seal-write-busy", "memfd"),
    ("memfd-vmsplice-seal-write-busy", "memfd"),
    ("tmpfs-iouring-truncate-orphan", "tmpfs"),
    ("tmpfs-rdma-dma-after-unpin", "tmpfs"),
    ("tmpfs-rdma-longterm-pin", "tmpfs"),
    ("tmpfs-rdma-unpin-after-completion", "tmpfs"),
    ("tmpfs-vmsplice-write-after-splice", "tmpfs"),
    ("xfs-dio-reclaim-drops-buffers", "xfs"),
    ("xfs-freeze-stores-no-pin", "xfs"),
    ("xfs-rdma-fallocated-buffer", "xfs"),
    ("xfs-rdma-freeze", "xfs"),
    ("xfs-rdma-fsync-while-pinned", "xfs"),
    ("xfs-rdma-gup-bounce-invisible", "xfs"),
    ("xfs-rdma-punch-lease-revoked", "xfs"),
    ("xfs-two-fsyncs-no-pin", "xfs"),
];

const RO_PIN: &str =
    "a read-only long-term pin: io_uring, which stands for RDMA here, always pins with FOLL_WRITE";
const DAX: &str = "fs-DAX needs persistent memory (a /dev/pmem device)";
const INTEGRITY: &str = "`integrity` needs a block device with DIF/DIX protection information";
const ODP: &str = "rdma-odp needs an ODP-capable RDMA NIC";
const HMM: &str = "gpu-hmm needs a GPU driver using HMM";

/// The catalog's runs the probe skips on any machine, with (the start of) the reason it gives:
/// hardware it does not make, a pin the kernel does not offer, an order it cannot impose.
const MUST_SKIP: &[(&str, &str, &str)] = &[
    ("anon-rdma-ro-mapping-write-pin", "ext4", RO_PIN),
    ("btrfs-gpu-hmm-write-during-writeback", "btrfs", HMM),
    ("ext4-dax-rdma-truncate-reuse", "ext4-dax", DAX),
    (
        "ext4-dio-dma-after-munmap",
        "ext4",
        "O_DIRECT pins for one transfer: the probe runs `p`'s pin, transfers and unpin as one call",
    ),
    (
        "ext4-integrity-rdma-dma-during-writeback",
        "ext4",
        INTEGRITY,
    ),
    ("ext4-odp-dma-after-munmap", "ext4", ODP),
    ("ext4-odp-redirty-after-writeback", "ext4", ODP),
    ("ext4-rdma-ro-pin-reclaim", "ext4", RO_PIN),
    ("ext4-rdma-ro-private-unshare", "ext4", RO_PIN),
    ("ext4-rdma-ro-shared-pin", "ext4", RO_PIN),
    (
        "ext4-refs-pincount-false-positive",
        "ext4",
        "`refs=K` needs K references held by other processes",
    ),
    ("xfs-dax-dio-read-pin-hole", "xfs-dax", DAX),
    ("xfs-dax-dio-truncate", "xfs-dax", DAX),
    ("xfs-dax-rdma-freeze", "xfs-dax", DAX),
    (
        "xfs-dio-enospc-before-dma",
        "xfs",
        "along this order the model runs out of space (blocks=1)",
    ),
    ("xfs-gpu-hmm-mprotect-ro", "xfs", HMM),
    (
        "xfs-integrity-dio-read-during-writeback",
        "xfs",
        "`integrity` needs a block device with DIF/DIX protection information",
    ),
];

/// What a run of `pinlab probe --format json` must say for each (scenario, backing): `None`,
/// it ran and agrees; `Some(reason)`, skipped with a reason starting so.
type Expected = BTreeMap<(String, String), Option<String>>;

/// The catalog's expected runs when the disk filesystems in `missing` (fs, the probe's reason)
/// cannot be made: their runs that would run are skipped for that reason instead.
fn catalog_expected(missing: &[(&str, String)]) -> Expected {
    let mut want = Expected::new();
    for (scenario, backing) in MUST_RUN {
        let why = missing
            .iter()
            .find(|(fs, _)| fs == backing)
            .map(|(_, why)| why.clone());
        want.insert((scenario.to_string(), backing.to_string()), why);
    }
    for (scenario, backing, why) in MUST_SKIP {
        let old = want.insert(
            (scenario.to_string(), backing.to_string()),
            Some(why.to_string()),
        );
        assert!(old.is_none(), "{scenario} on {backing} is in both lists");
    }
    want
}

/// Every way the runs of `j` differ from `want`, one line each.
fn differences(j: &Value, want: &Expected) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = Expected::new();
    for r in j["runs"].as_array().expect("runs") {
        let key = (
            r["scenario"].as_str().unwrap_or("?").to_string(),
            r["backing"].as_str().unwrap_or("?").to_string(),
        );
        let got = match r["result"].as_str() {
            Some("agree") => None,
            Some("skipped") => Some(r["reason"].as_str().unwrap_or("").to_string()),
            _ => {
                problems.push(format!(
                    "{} on {}: {}",
                    key.0,
                    key.1,
                    serde_json::to_string_pretty(r).unwrap()
                ));
                continue;
            }
        };
        if seen.insert(key.clone(), got.clone()).is_some() {
            problems.push(format!("{} on {} ran twice", key.0, key.1));
        }
        match (want.get(&key), &got) {
            (None, _) => problems.push(format!(
                "{} on {} is in neither list of this test: add it to MUST_RUN or MUST_SKIP ({})",
                key.0,
                key.1,
                got.as_deref().unwrap_or("it ran")
            )),
            (Some(None), Some(why)) => problems.push(format!(
                "{} on {} must run here but was skipped: {why}",
                key.0, key.1
            )),
            (Some(Some(want)), None) => problems.push(format!(
                "{} on {} ran, but must be skipped ({want}): update the lists",
                key.0, key.1
            )),
            (Some(Some(want)), Some(why)) if !why.starts_with(want.as_str()) => problems.push(
                format!("{} on {} skipped for {why:?}, not {want:?}", key.0, key.1),
            ),
            _ => {}
        }
    }
    for (k, _) in want.iter().filter(|(k, _)| !seen.contains_key(*k)) {
        problems.push(format!("{} on {} is missing from the run", k.0, k.1));
    }
    problems
}

/// One line to stderr per run, each `probe: SCENARIO on BACKING: WORD (...)`.
fn assert_one_progress_line_per_run(out: &Output, j: &Value) {
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("probe: ")).collect();
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(lines.len(), runs.len(), "{err}");
    for (l, r) in lines.iter().zip(runs) {
        let head = format!(
            "probe: {} on {}: {}",
            r["scenario"].as_str().unwrap(),
            r["backing"].as_str().unwrap(),
            r["result"]
                .as_str()
                .unwrap()
                .replace("disagree", "DISAGREE")
        );
        assert!(l.starts_with(&head), "{l:?} is not {head:?}…");
    }
}

#[test]
fn exactly_the_catalog_scenarios_this_machine_can_run_run_and_agree_with_upstream() {
    let _m = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    require_machine!();
    let before = nr_hugepages();
    let missing = missing_mkfs();
    // `-q`: no progress line on stderr, which holds nothing then (cleanup notes would be there).
    let out = pinlab()
        .args(["-q", "probe", "--format", "json"])
        .output()
        .unwrap();
    let j = json(&out);
    assert_eq!(j["schema"], "pinlab.probe/1");
    let problems = differences(&j, &catalog_expected(&missing));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "-q");
    assert_eq!(leftovers(), Vec::<String>::new());
    assert_eq!(nr_hugepages(), before);
    for (_, why) in missing {
        skip(Skip::Missing(format!(
            "the catalog's runs on that filesystem: {why}"
        )));
    }
}

/// A folder holding links to the only programs the probe runs (losetup, mkfs.ext4), for a PATH
/// on which mkfs.xfs and mkfs.btrfs are not found.
fn path_without_xfs_and_btrfs_tools() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe-path-without-mkfs");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for tool in ["losetup", "mkfs.ext4"] {
        if let Some(p) = on_path(tool) {
            std::os::unix::fs::symlink(p, dir.join(tool)).unwrap();
        }
    }
    dir
}

#[test]
fn without_xfsprogs_and_btrfs_progs_the_probe_skips_those_backings_naming_the_package() {
    let _m = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    require_machine!();
    let dir = path_without_xfs_and_btrfs_tools();
    let out = pinlab()
        .args(["probe", "--format", "json"])
        .env("PATH", &dir)
        .output()
        .unwrap();
    let j = json(&out);
    let mut missing = vec![
        ("xfs", "mkfs.xfs not found (Debian: xfsprogs)".to_string()),
        (
            "btrfs",
            "mkfs.btrfs not found (Debian: btrfs-progs)".to_string(),
        ),
    ];
    missing.extend(missing_mkfs().into_iter().filter(|(fs, _)| *fs == "ext4"));
    let problems = differences(&j, &catalog_expected(&missing));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without -q, a line a run on stderr, the skips' too (their reasons are in the table).
    assert_one_progress_line_per_run(&out, &j);
    assert_eq!(leftovers(), Vec::<String>::new());
    // The table on stdout gives the reason on the run's line.
    let text = pinlab()
        .args([
            "-q",
            "probe",
            "--fs",
            "xfs,btrfs",
            "litmus/xfs-two-fsyncs-no-pin.litmus",
        ])
        .current_dir(common::root())
        .env("PATH", &dir)
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&text.stdout);
    for (fs, why) in &missing[..2] {
        assert!(
            t.lines()
                .any(|l| l.contains(&format!(" {fs} ")) && l.ends_with(&format!("skipped: {why}"))),
            "{t}"
        );
    }
    // Nothing ran: exit 2, and stderr says why.
    assert_eq!(text.status.code(), Some(2));
    let e = String::from_utf8_lossy(&text.stderr);
    assert!(e.contains("nothing ran"), "{e}");
}

#[test]
fn the_pin_matrix_agrees_with_the_model_of_upstream() {
    let _m = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    require_machine!();
    let missing = missing_mkfs();
    let out = pinlab()
        .args(["probe", "--pin-matrix", "--format", "json"])
        .output()
        .unwrap();
    let j = json(&out);
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 8 * 2 * 2 * 4);
    // Every cell runs and agrees, but on a disk filesystem whose mkfs is missing.
    let bad: Vec<String> = runs
        .iter()
        .filter(|r| {
            let why = missing
                .iter()
                .find(|(fs, _)| r["backing"] == *fs)
                .map(|(_, w)| w.as_str());
            match why {
                None => r["result"] != "agree",
                Some(w) => r["result"] != "skipped" || r["reason"] != w,
            }
        })
        .map(|r| {
            format!(
                "{} on {}: {} {}{}",
                r["scenario"], r["backing"], r["result"], r["reason"], r["differences"]
            )
        })
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The refusal the research measured, measured again (not copied): io_uring on a shared
    // writable ext4 mapping is refused, on tmpfs it is not.
    let cell = |backing: &str, label: &str| {
        runs.iter()
            .find(|r| r["backing"] == backing && r["scenario"] == label)
            .unwrap_or_else(|| panic!("no cell {label} on {backing}"))
    };
    let pin = |r: &Value| r["kernel"]["items"][0].clone();
    let label = "MAP_SHARED PROT_READ|PROT_WRITE io_uring";
    if !missing.iter().any(|(fs, _)| *fs == "ext4") {
        assert_eq!(pin(cell("ext4", label))[1]["value"], "EFAULT");
    }
    assert_eq!(pin(cell("tmpfs", label))[1]["value"], "ok");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_one_progress_line_per_run_of_the_matrix(&out, runs.len());
    assert_eq!(leftovers(), Vec::<String>::new());
    for (_, why) in missing {
        skip(Skip::Missing(format!(
            "the pin matrix on that filesystem: {why}"
        )));
    }
}

fn assert_one_progress_line_per_run_of_the_matrix(out: &Output, runs: usize) {
    let err = String::from_utf8_lossy(&out.stderr);
    let n = err
        .lines()
        .filter(|l| l.starts_with("probe: pin matrix "))
        .count();
    assert_eq!(n, runs, "{err}");
}

#[test]
fn a_design_that_is_not_this_kernel_disagrees_with_it() {
    let _m = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    require_machine!();
    if let Some((_, why)) = missing_mkfs().into_iter().find(|(fs, _)| *fs == "ext4") {
        skip(Skip::Missing(why));
        return;
    }
    let out = pinlab()
        .args(["probe", "--design", "legacy", "--catalog", "--fs", "ext4"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // legacy lets io_uring pin a shared ext4 mapping; this kernel refuses it with EFAULT.
    assert!(
        text.contains("differs: p: kernel EFAULT, model ok"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1));
}

fn write_scenarios(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    // A huge page first (so the reservation is changed), then a freeze the probe is killed in:
    // on ext4, whose mkfs is on more machines than xfs's.
    std::fs::write(
        dir.join("a-huge.litmus"),
        "litmus a-huge\nfs hugetlbfs\nfile f pages=1\nmmap m = f shared rw\nthread app {\n  store m[0] = A\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b-frozen.litmus"),
        "litmus b-frozen\nfs ext4\nfile f pages=1 data=F\nthread app {\n  freeze\n  write f[0] = A\n}\n",
    )
    .unwrap();
}

fn children_of(pid: u32) -> Vec<u32> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()) {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        // Fields after the command name (which is in parentheses): state, ppid, ...
        if let Some(rest) = stat.rsplit_once(") ").map(|x| x.1) {
            if rest.split(' ').nth(1) == Some(&pid.to_string()) {
                v.push(p);
            }
        }
    }
    v
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

/// Starts the probe on the two scenarios and waits until the filesystem is frozen with a write
/// blocked on it (the worst moment to die). Returns the supervisor and its worker's pid.
fn start_and_wait_frozen(dir: &Path) -> (Child, u32) {
    let mut child = pinlab()
        .arg("probe")
        .arg(dir)
        .args(["--op-timeout", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the probe ended ({}) before it froze ext4:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the probe never froze ext4"
        );
        let frozen = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("pinlab-probe."))
            .any(|e| {
                std::fs::read_to_string(e.path().join("journal"))
                    .map(|j| j.contains("frozen "))
                    .unwrap_or(false)
            });
        if frozen {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the write reach the freeze wait.
    std::thread::sleep(Duration::from_millis(300));
    let worker = children_of(child.id());
    assert_eq!(worker.len(), 1, "one worker");
    (child, worker[0])
}

fn wait_gone(pid: u32) {
    let start = Instant::now();
    while alive(pid) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{pid} never exited"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(pid: u32, sig: &str) {
    Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
}

fn killed_mid_run(who: &str, sig: &str) {
    let _m = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    require_machine!();
    if let Some((_, why)) = missing_mkfs().into_iter().find(|(fs, _)| *fs == "ext4") {
        skip(Skip::Missing(why));
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "pinlab-kill-test-{}-{who}{sig}",
        std::process::id()
    ));
    write_scenarios(&dir);
    let before = nr_hugepages();
    assert_eq!(
        leftovers(),
        Vec::<String>::new(),
        "a clean machine to start with"
    );
    let (mut sup, worker) = start_and_wait_frozen(&dir);
    match who {
        "worker" => kill(worker, sig),
        _ => kill(sup.id(), sig),
    }
    let _ = sup.wait();
    wait_gone(worker);
    // A supervisor killed with SIGKILL leaves the cleanup to its worker, which may still be
    // finishing it after its exit status is collected by init.
    let start = Instant::now();
    while !leftovers().is_empty() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        leftovers(),
        Vec::<String>::new(),
        "after killing the {who} with {sig}"
    );
    assert_eq!(nr_hugepages(), before, "huge page reservation restored");
}

#[test]
fn a_worker_killed_with_sigkill_leaves_nothing() {
    killed_mid_run("worker", "-KILL");
}

#[test]
fn a_probe_stopped_with_sigterm_leaves_nothing() {
    killed_mid_run("supervisor", "-TERM");
}

#[test]
fn a_probe_interrupted_with_ctrl_c_leaves_nothing() {
    killed_mid_run("supervisor", "-INT");
}

#[test]
fn a_supervisor_killed_with_sigkill_leaves_nothing() {
    killed_mid_run("supervisor", "-KILL");
}

/// `pinlab ARGS` as a user that is not root: as this test's own user if it is not root, else as
/// `nobody` through util-linux `setpriv`, from a copy of the binary that `nobody` can run. None
/// (after saying why) when it cannot be done.
fn as_non_root(args: &[&str]) -> Option<Output> {
    if !common::is_root() {
        return Some(pinlab().args(args).output().unwrap());
    }
    let Some(setpriv) = on_path("setpriv") else {
        skip(Skip::Missing(
            "setpriv not found (Debian: util-linux)".into(),
        ));
        return None;
    };
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("pinlab-nonroot-test.{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.join("pinlab");
    std::fs::copy(env!("CARGO_BIN_EXE_pinlab"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(args)
        .current_dir(&dir)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    Some(out)
}

#[test]
fn as_non_root_the_probe_says_why_in_one_line_and_q_silences_its_per_run_lines() {
    let _m = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    if !cfg!(target_os = "linux") {
        skip(Skip::Machine("the probe runs on Linux only".into()));
        return;
    }
    let Some(out) = as_non_root(&["probe", "--format", "json"]) else {
        return;
    };
    let j = json(&out);
    let (for_root, why) = why_not_root(&j);
    let runs = j["runs"].as_array().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    // The reason once, and a line for each run that was not skipped for it.
    assert_eq!(
        lines.iter().filter(|l| l.contains("root")).count(),
        1,
        "{err}"
    );
    assert_eq!(lines.last(), Some(&why.as_str()), "{err}");
    assert_eq!(lines.len(), runs.len() - for_root + 1, "{err}");
    let ran = j["summary"]["agree"].as_u64().unwrap();
    assert_eq!(
        out.status.code(),
        Some(if ran > 0 { 0 } else { 2 }),
        "{err}"
    );

    // -q: the reason alone. On ext4, which needs root, nothing runs: exit 2.
    let Some(q) = as_non_root(&["-q", "probe", "--fs", "ext4", "--format", "json"]) else {
        return;
    };
    let (_, why) = why_not_root(&json(&q));
    assert_eq!(String::from_utf8_lossy(&q.stderr), format!("{why}\n"));
    assert_eq!(q.status.code(), Some(2));
    assert_eq!(leftovers(), Vec::<String>::new());
}

/// How many runs of `j` were skipped for want of root, and the line that must say so.
fn why_not_root(j: &Value) -> (usize, String) {
    let runs = j["runs"].as_array().unwrap();
    let n = runs
        .iter()
        .filter(|r| {
            r["reason"]
                .as_str()
                .is_some_and(|w| w.starts_with("not root: "))
        })
        .count();
    assert!(n > 0, "no run needed root");
    (
        n,
        format!(
            "probe: not root: {n} of {} runs need root (loop devices, mounts, huge pages) and were skipped; run it as root: sudo env PATH=$PATH pinlab probe",
            runs.len()
        ),
    )
}
