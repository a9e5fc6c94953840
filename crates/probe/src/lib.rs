//! pinlab-probe: runs litmus scenarios on the real running kernel and holds the model of `upstream`
//! to what the kernel did (as klitmus7 does for herd7's models).
//!
//! The kernel runs each op of a scenario as real system calls, in one chosen order of whole ops
//! (`schedule`); the model is asked about the same order (`predict`); both observe the same
//! things (`obs`): every pin's result, every register, the final condition's locations and what
//! read(2) returns for every file page. `docs/probe.md` says how each op and observable maps to
//! the kernel.
//!
//! The kernel side is Linux only and the only code of pinlab with `unsafe` (system calls on memory
//! the probe mapped itself); everything else here builds and is tested anywhere.

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

#[cfg(target_os = "linux")]
mod error;
pub use error::{BadSchedule, NotRun, Unavailable};
pub mod kernel;
#[cfg(target_os = "linux")]
pub mod lab;
pub mod matrix;
pub mod obs;
pub mod predict;
pub mod run;
#[cfg(target_os = "linux")]
pub mod sandbox;
pub mod schedule;
#[cfg(target_os = "linux")]
pub mod supervise;
#[cfg(target_os = "linux")]
mod sys;

pub use obs::{compare, Difference, Obs, Observations};
pub use predict::{predict, Prediction};
pub use schedule::{OpRef, Schedule};

/// Whether the probe can run here at all.
pub fn supported() -> Result<(), NotRun> {
    if cfg!(target_os = "linux") {
        Ok(())
    } else {
        Err(NotRun::NotLinux)
    }
}

/// The worker's whole run inside the private folder `dir` (made by the supervisor): sets up the
/// fault-catching accessor and the stop signals, runs `job` in a lab there, and cleans up (also on
/// a panic, through `Drop`; `quiet`: saying only what it could not undo). Returns the entries and whether a signal interrupted the run.
#[cfg(target_os = "linux")]
fn in_lab(
    dir: std::path::PathBuf,
    quiet: bool,
    job: impl FnOnce(&mut lab::Lab, std::sync::Arc<std::sync::atomic::AtomicBool>) -> Vec<run::Entry>,
) -> Result<(Vec<run::Entry>, bool), String> {
    sys::access_init().map_err(|e| format!("cannot install the fault handler: {e}"))?;
    let stop = supervise::stop_flag();
    let mut sandbox =
        sandbox::Sandbox::open(dir).map_err(|e| format!("cannot open the journal: {e}"))?;
    sandbox.quiet = quiet;
    let mut lab = lab::Lab::new(sandbox);
    let entries = job(&mut lab, stop.clone());
    drop(lab);
    Ok((entries, stop.load(std::sync::atomic::Ordering::SeqCst)))
}

/// The worker's run of scenarios (see `in_lab`).
#[allow(clippy::too_many_arguments)]
#[cfg(target_os = "linux")]
pub fn worker(
    dir: std::path::PathBuf,
    inputs: &[run::Input],
    backings: Option<&[String]>,
    order: &run::Order,
    design: pinlab_model::design::Design,
    bounds: kernel::Bounds,
    progress: run::Progress,
    quiet: bool,
) -> Result<(Vec<run::Entry>, bool), String> {
    in_lab(dir, quiet, |lab, stop| {
        run::probe(lab, inputs, backings, order, design, bounds, stop, progress)
    })
}

/// The worker's run of the pin matrix (see `in_lab`).
#[cfg(target_os = "linux")]
pub fn worker_matrix(
    dir: std::path::PathBuf,
    backings: Option<&[String]>,
    design: pinlab_model::design::Design,
    bounds: kernel::Bounds,
    progress: run::Progress,
    quiet: bool,
) -> Result<(Vec<run::Entry>, bool), String> {
    let cells = matrix::cells(backings)?;
    in_lab(dir, quiet, |lab, stop| {
        matrix::run(lab, &cells, design, bounds, stop, progress)
    })
}
