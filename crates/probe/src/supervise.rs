//! The probe runs as two processes: this supervisor, which makes nothing itself, and a worker (the
//! same program, re-run with `--worker DIR`) that does everything and writes each action to the
//! journal in DIR first. Whatever happens to the worker (Ctrl-C, SIGTERM, a panic, SIGKILL, a
//! crash), the supervisor undoes what the journal names once the worker is gone. If the supervisor
//! itself is killed, the worker gets SIGTERM (PR_SET_PDEATHSIG) and cleans up on its own.

use crate::sandbox;
use crate::sys;
use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Signals that end a probe run early: both processes catch them, the worker cleans up and exits.
pub const STOP_SIGNALS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Registers the stop signals on a flag.
pub fn stop_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for s in STOP_SIGNALS {
        let _ = signal_hook::flag::register(s, flag.clone());
    }
    flag
}

/// Runs `args` (this program's arguments, without argv[0]) as the worker with `--worker DIR` and
/// cleans up after it. Returns the worker's exit code (2 if it died of a signal, 130 if the run
/// was interrupted).
pub fn supervise(args: Vec<OsString>) -> ExitCode {
    let dir = match sandbox::private_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("probe: cannot create a private temporary folder: {e}");
            return ExitCode::from(2);
        }
    };
    let stop = stop_flag();
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("probe: cannot find this program: {e}");
            let _ = std::fs::remove_dir(&dir);
            return ExitCode::from(2);
        }
    };
    let mut cmd = Command::new(exe);
    cmd.args(args).arg("--worker").arg(&dir);
    // SAFETY: the closure runs between fork and exec and only calls prctl, which is
    // async-signal-safe.
    unsafe {
        cmd.pre_exec(sys::set_parent_death_signal_term);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("probe: cannot start the worker: {e}");
            sandbox::cleanup_dir(&dir);
            return ExitCode::from(2);
        }
    };
    let mut forwarded: Option<Instant> = None;
    let mut killed = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(_) => break None,
        }
        // The worker's main thread has exited (or is being killed) but a thread of it is blocked
        // on a filesystem it froze: thaw it so the worker can be reaped.
        if killed || zombie(child.id()) {
            for d in sandbox::thaw_frozen(&dir) {
                eprintln!("probe: cleaned up after the worker: {d}");
            }
        }
        if stop.load(Ordering::SeqCst) {
            match forwarded {
                None => {
                    sys::terminate(child.id() as i32);
                    forwarded = Some(Instant::now());
                }
                // The worker's ops are time-bounded; one that is stuck past this is killed.
                Some(t) if t.elapsed() > Duration::from_secs(20) && !killed => {
                    let _ = child.kill();
                    killed = true;
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let did = sandbox::cleanup_dir(&dir);
    for d in &did {
        eprintln!("probe: cleaned up after the worker: {d}");
    }
    match status {
        Some(s) if forwarded.is_some() => {
            let _ = s;
            eprintln!("probe: interrupted");
            ExitCode::from(130)
        }
        Some(s) => match s.code() {
            Some(c) => ExitCode::from(c as u8),
            None => {
                eprintln!(
                    "probe: the worker died of signal {}",
                    s.signal().unwrap_or(0)
                );
                ExitCode::from(2)
            }
        },
        None => ExitCode::from(2),
    }
}

/// The process's main thread has exited (state Z in /proc/PID/stat) though it is not yet reaped.
fn zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|x| x.1.starts_with('Z')))
        .unwrap_or(false)
}
