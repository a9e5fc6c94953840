//! Everything the probe creates on the machine, written down before it is created, so that it can
//! be undone on every exit path: by the worker itself (normal end, Ctrl-C, SIGTERM, a panic
//! unwinding through `Drop`) and, from the same journal, by the supervisor process when the worker
//! died without cleaning up (SIGKILL, a crash).
//!
//! The journal is a text file in the probe's private folder, one action a line:
//! `image PATH`, `loop DEV IMAGE`, `mount PATH`, `frozen PATH`, `thawed PATH`, `umounted PATH`,
//! `detached DEV`, `hugepages ORIGINAL`, `hugepages-restored`. Cleanup only ever touches what the
//! journal names, and checks that it is still what the probe made (a loop device still backed by
//! the probe's image, a path still a mount point inside the private folder).

use crate::error::Unavailable;
use crate::sys;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const JOURNAL: &str = "journal";

/// The probe's private folder and its journal.
pub struct Sandbox {
    pub dir: PathBuf,
    journal: File,
    /// Undo everything when dropped (false in tests that inspect what is left).
    pub cleanup_on_drop: bool,
    /// Print only what the cleanup when dropped could not undo, not each thing it undid (`-q`).
    pub quiet: bool,
}

/// Creates a fresh private folder (mode 0700) under the temporary directory. It never reuses or
/// mounts over an existing path: `create_dir` fails if the name exists.
pub fn private_dir() -> io::Result<PathBuf> {
    let base = std::env::temp_dir();
    for i in 0..100u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let p = base.join(format!(
            "pinlab-probe.{}.{nanos:09}.{i}",
            std::process::id()
        ));
        match fs::DirBuilder::new().mode(0o700).create(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(
        "could not create a private temporary folder",
    ))
}

impl Sandbox {
    /// Opens (creating if needed) the journal of `dir`, a folder made by `private_dir`.
    pub fn open(dir: PathBuf) -> io::Result<Sandbox> {
        let journal = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(JOURNAL))?;
        Ok(Sandbox {
            dir,
            journal,
            cleanup_on_drop: true,
            quiet: false,
        })
    }

    /// Appends one action to the journal and makes it durable before the action happens.
    pub fn note(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.journal, "{line}")?;
        self.journal.sync_data()
    }

    /// A sparse image file of `mib` MiB, made with `mkfs` (time-bounded).
    pub fn make_image(
        &mut self,
        name: &str,
        mib: u64,
        mkfs: &[&str],
    ) -> Result<PathBuf, Unavailable> {
        let img = self.dir.join(format!("{name}.img"));
        self.note(&format!("image {}", img.display()))
            .map_err(|e| Unavailable::io("writing the journal", e))?;
        let f = File::create(&img)
            .map_err(|e| Unavailable::io(format!("cannot create {}", img.display()), e))?;
        f.set_len(mib << 20)
            .map_err(|e| Unavailable::io(format!("sizing {}", img.display()), e))?;
        drop(f);
        let mut args: Vec<String> = mkfs[1..].iter().map(|s| s.to_string()).collect();
        args.push(img.display().to_string());
        run_bounded(mkfs[0], &args, Duration::from_secs(120))?;
        Ok(img)
    }

    /// Attaches an image to a free loop device (losetup, direct I/O on, as the research setup).
    pub fn attach_loop(&mut self, img: &Path) -> Result<String, Unavailable> {
        let out = run_bounded(
            "losetup",
            &[
                "--find".into(),
                "--show".into(),
                "--direct-io=on".into(),
                img.display().to_string(),
            ],
            Duration::from_secs(30),
        )?;
        let dev = out.trim().to_string();
        if !dev.starts_with("/dev/loop") {
            return Err(Unavailable::Command(format!(
                "losetup printed `{dev}`, not a loop device"
            )));
        }
        // Written after the fact (losetup picks the device), but before anything uses it; a kill
        // in between leaves a loop device whose image cleanup still deletes.
        self.note(&format!("loop {dev} {}", img.display()))
            .map_err(|e| Unavailable::io("writing the journal", e))?;
        Ok(dev)
    }

    /// Mounts `src` on a new folder `name` inside the private folder.
    pub fn mount(
        &mut self,
        src: &str,
        name: &str,
        fstype: &str,
        data: &str,
    ) -> Result<PathBuf, Unavailable> {
        let target = self.dir.join(name);
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&target)
            .map_err(|e| Unavailable::io(format!("cannot create {}", target.display()), e))?;
        self.note(&format!("mount {}", target.display()))
            .map_err(|e| Unavailable::io("writing the journal", e))?;
        sys::mount(src, &target, fstype, data)
            .map_err(|e| Unavailable::io(format!("mount -t {fstype} {src}"), e))?;
        Ok(target)
    }

    /// Reserves `n` more huge pages (restored at cleanup). Returns how many are free afterwards.
    pub fn reserve_hugepages(&mut self, n: u64) -> Result<u64, Unavailable> {
        let orig = read_nr_hugepages()
            .map_err(|e| Unavailable::io(format!("cannot read {NR_HUGEPAGES}"), e))?;
        self.note(&format!("hugepages {orig}"))
            .map_err(|e| Unavailable::io("writing the journal", e))?;
        fs::write(NR_HUGEPAGES, format!("{}\n", orig + n))
            .map_err(|e| Unavailable::io(format!("cannot write {NR_HUGEPAGES}"), e))?;
        hugepages_free().map_err(|e| Unavailable::io("reading free huge pages", e))
    }

    pub fn freeze(&mut self, mount: &Path, dirfd: &File) -> io::Result<()> {
        self.note(&format!("frozen {}", mount.display()))?;
        sys::freeze(dirfd.as_raw_fd())
    }

    pub fn thaw(&mut self, mount: &Path, dirfd: &File) -> io::Result<()> {
        let r = sys::thaw(dirfd.as_raw_fd());
        self.note(&format!("thawed {}", mount.display()))?;
        r
    }

    /// Undoes everything the journal names. Returns what it did, for the supervisor's report.
    pub fn cleanup(&mut self) -> Vec<String> {
        cleanup_dir(&self.dir)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.cleanup_on_drop {
            for line in self.cleanup() {
                if !self.quiet || failed(&line) {
                    eprintln!("probe cleanup: {line}");
                }
            }
        }
    }
}

pub const NR_HUGEPAGES: &str = "/proc/sys/vm/nr_hugepages";

pub fn read_nr_hugepages() -> io::Result<u64> {
    fs::read_to_string(NR_HUGEPAGES)?
        .trim()
        .parse()
        .map_err(|_| io::Error::other("not a number"))
}

fn hugepages_free() -> io::Result<u64> {
    let m = fs::read_to_string("/proc/meminfo")?;
    m.lines()
        .find_map(|l| l.strip_prefix("HugePages_Free:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| io::Error::other("no HugePages_Free in /proc/meminfo"))
}

/// Whether `name` is an executable file in a folder of PATH: where `Command` looks for it.
pub fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|d| {
            fs::metadata(d.join(name))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Runs a command with a time bound; its stdout, or why it failed.
pub fn run_bounded(cmd: &str, args: &[String], limit: Duration) -> Result<String, Unavailable> {
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Unavailable::Command(if e.kind() == io::ErrorKind::NotFound {
                format!("`{cmd}` is not installed")
            } else {
                format!("cannot run `{cmd}`: {e}")
            })
        })?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Unavailable::Command(format!(
                    "`{cmd}` did not finish within {}s",
                    limit.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Unavailable::io(format!("waiting for `{cmd}`"), e)),
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Unavailable::io(format!("reading the output of `{cmd}`"), e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(Unavailable::Command(format!(
            "`{cmd} {}` failed: {}",
            args.join(" "),
            err.lines().next().unwrap_or("").trim()
        )))
    }
}

/// Whether a line of `cleanup_dir`'s report says something could not be undone.
pub fn failed(line: &str) -> bool {
    line.starts_with("COULD NOT") || line.starts_with("left ")
}

/// Mount points under `dir`, deepest first, from /proc/self/mountinfo.
fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return vec![];
    };
    let mut v: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(p.replace("\\040", " ")))
        .filter(|p| p.starts_with(dir) && p != dir)
        .collect();
    v.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    v.dedup();
    v
}

/// Undoes what the journal of `dir` names and deletes `dir`. Safe to run twice and after a
/// partial cleanup: each step checks what is still there.
pub fn cleanup_dir(dir: &Path) -> Vec<String> {
    let mut did = Vec::new();
    let journal = fs::read_to_string(dir.join(JOURNAL)).unwrap_or_default();
    let lines: Vec<(&str, &str)> = journal
        .lines()
        .filter_map(|l| l.split_once(' ').or(Some((l, ""))))
        .collect();
    // 1. Thaw what is still frozen (a frozen filesystem cannot be cleanly unmounted).
    did.extend(thaw_frozen_lines(&lines));
    // 2. Unmount every mount under the private folder (the journal's and any other: nothing else
    //    can be mounted there, the folder is the probe's own).
    for m in mounts_under(dir) {
        let ok = (0..20).any(|i| {
            if i > 0 {
                std::thread::sleep(Duration::from_millis(50));
            }
            sys::umount(&m, false).is_ok()
        });
        if ok {
            did.push(format!("unmounted {}", m.display()));
        } else if sys::umount(&m, true).is_ok() {
            did.push(format!("unmounted {} (lazily: it was busy)", m.display()));
        } else {
            did.push(format!("COULD NOT unmount {}", m.display()));
        }
    }
    // 3. Detach loop devices still backed by the probe's images.
    for (k, v) in &lines {
        if *k == "loop" {
            let Some((dev, img)) = v.split_once(' ') else {
                continue;
            };
            let name = dev.trim_start_matches("/dev/");
            let backing = fs::read_to_string(format!("/sys/block/{name}/loop/backing_file"))
                .unwrap_or_default();
            if backing.trim() == img {
                match run_bounded(
                    "losetup",
                    &["-d".into(), dev.to_string()],
                    Duration::from_secs(30),
                ) {
                    Ok(_) => did.push(format!("detached {dev}")),
                    Err(e) => did.push(format!("COULD NOT detach {dev}: {e}")),
                }
            }
        }
    }
    // 4. Restore the huge page reservation to what it was before the first change.
    if let Some((_, orig)) = lines.iter().find(|(k, _)| *k == "hugepages") {
        if !lines.iter().any(|(k, _)| *k == "hugepages-restored") {
            if let Ok(n) = orig.parse::<u64>() {
                if read_nr_hugepages().ok() != Some(n) {
                    match fs::write(NR_HUGEPAGES, format!("{n}\n")) {
                        Ok(()) => did.push(format!("restored nr_hugepages to {n}")),
                        Err(e) => did.push(format!("COULD NOT restore nr_hugepages to {n}: {e}")),
                    }
                }
            }
        }
    }
    // 5. Delete the folder, but never through a mount that is still there.
    if mounts_under(dir).is_empty() {
        if dir.exists() {
            let _ = fs::remove_dir_all(dir);
        }
    } else {
        did.push(format!(
            "left {} in place: something is still mounted under it",
            dir.display()
        ));
    }
    did
}

/// Thaws the filesystems the journal of `dir` says are frozen. The supervisor calls this as soon as
/// its worker's main thread is gone: a worker thread blocked in the kernel on a frozen filesystem
/// keeps the dead worker from being reaped until the filesystem is thawed.
pub fn thaw_frozen(dir: &Path) -> Vec<String> {
    let journal = fs::read_to_string(dir.join(JOURNAL)).unwrap_or_default();
    let lines: Vec<(&str, &str)> = journal
        .lines()
        .filter_map(|l| l.split_once(' ').or(Some((l, ""))))
        .collect();
    thaw_frozen_lines(&lines)
}

fn thaw_frozen_lines(lines: &[(&str, &str)]) -> Vec<String> {
    let mut did = Vec::new();
    for (k, v) in lines {
        if *k == "frozen" {
            let thawed_after = lines
                .iter()
                .rposition(|(k2, v2)| *k2 == "thawed" && v2 == v);
            let frozen_at = lines
                .iter()
                .rposition(|(k2, v2)| *k2 == "frozen" && v2 == v);
            if thawed_after < frozen_at {
                if let Ok(f) = File::open(v) {
                    if sys::thaw(f.as_raw_fd()).is_ok() {
                        did.push(format!("thawed {v}"));
                    }
                }
            }
        }
    }
    did.dedup();
    did
}
