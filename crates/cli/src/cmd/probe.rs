//! `pinlab probe`: runs scenarios on the kernel and compares with the model. The supervisor
//! re-runs this command as its worker (`--worker DIR`), which runs the scenarios on the kernel;
//! the supervisor cleans up after it whatever happens.

use super::{Format, CATALOG_HELP, PATHS_HELP};
use crate::error::CliError;
use crate::input::{self, Loaded, Stdin};
use crate::out::errln;
use pinlab_model::scenario::Scenario;
use pinlab_probe::run::{Input, Order};
use pinlab_report::probe::{probe_json, probe_text, summary, ProbeHeader};
use std::path::PathBuf;
use std::process::ExitCode;

// No doc comment: the subcommand's help is the variant's in `Cmd`.
#[derive(clap::Args)]
pub struct Args {
    #[arg(help = PATHS_HELP)]
    paths: Vec<PathBuf>,
    #[arg(long, help = CATALOG_HELP, conflicts_with = "pin_matrix")]
    catalog: bool,
    /// Backings to run each scenario on, comma-separated: ext4, xfs, btrfs, tmpfs, hugetlbfs,
    /// memfd, memfd-hugetlb (default: the scenario's own filesystem).
    #[arg(long, value_delimiter = ',')]
    fs: Vec<String>,
    /// The kernel selftest-style pin matrix: backing × MAP_SHARED/MAP_PRIVATE × PROT_READ/
    /// PROT_READ|PROT_WRITE × pin method (io_uring, O_DIRECT, vmsplice, process_vm_writev).
    #[arg(long, conflicts_with_all = ["paths", "schedule"])]
    pin_matrix: bool,
    /// The order of the ops (one file only): thread names, one per op (`app,flusher,app`; ops
    /// not listed run afterwards), or a file holding `pinlab explain --format json` output.
    #[arg(long)]
    schedule: Option<String>,
    /// How long an op may take before it counts as blocked, in seconds.
    #[arg(long, default_value_t = 3.0)]
    op_timeout: f64,
    /// How to print the runs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The design the model predicts with: `upstream` (Linux as it is, the default) or any
    /// other, to see where that design would behave differently from this kernel.
    #[arg(long, short = 'd', default_value = "upstream")]
    design: String,
    /// Internal: run as the supervised worker in this private folder.
    #[arg(long, hide = true)]
    worker: Option<PathBuf>,
    /// Internal: the file holding what the supervisor read from stdin for `-`.
    #[arg(long, hide = true, requires = "worker")]
    stdin_file: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let loaded = if a.pin_matrix {
        Loaded {
            scenarios: Vec::new(),
            failed: Vec::new(),
        }
    } else {
        let stdin = a.stdin_file.as_deref().map_or(Stdin::Process, Stdin::File);
        input::load(&a.paths, a.catalog, stdin)?
    };
    if let Some(s) = loaded.failure_summary() {
        return Err(CliError::Input(format!("pinlab: {s}")));
    }
    // The worker cannot read stdin again: the supervisor hands it what it read.
    let stdin_text = loaded
        .scenarios
        .iter()
        .find(|(sc, _)| sc.source == input::STDIN_NAME)
        .map(|(_, text)| text.clone());
    probe(Job {
        inputs: loaded.scenarios,
        stdin_text,
        fs: a.fs,
        pin_matrix: a.pin_matrix,
        schedule: a.schedule,
        op_timeout: a.op_timeout,
        json: a.format == Format::Json,
        worker: a.worker,
        design: a.design,
    })
}

/// What the probe was asked to do, its inputs read.
struct Job {
    inputs: Vec<(Scenario, String)>,
    /// What `-` read from stdin, which the worker cannot read again.
    stdin_text: Option<String>,
    fs: Vec<String>,
    pin_matrix: bool,
    schedule: Option<String>,
    op_timeout: f64,
    json: bool,
    worker: Option<PathBuf>,
    design: String,
}

fn kernel_name() -> String {
    let read = |f: &str| {
        std::fs::read_to_string(f)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "?".into())
    };
    format!(
        "Linux {} ({})",
        read("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    )
}

/// The order `--schedule` asks for, checked against the one scenario it orders.
fn order(a: &Job) -> Result<Order, CliError> {
    Ok(match &a.schedule {
        None => Order::Sequential,
        Some(s) => {
            if a.inputs.len() != 1 {
                return Err(CliError::Usage(format!(
                    "error: --schedule orders the ops of one scenario; {} were given",
                    a.inputs.len()
                )));
            }
            let p = std::path::Path::new(s);
            if p.is_file() {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| CliError::Input(format!("error: cannot read {s}: {e}")))?;
                Order::Explain(text)
            } else {
                let sc = &a.inputs[0].0;
                pinlab_probe::run::schedule_for(sc, &Order::List(s.clone()))
                    .map_err(|e| CliError::Usage(format!("error: {e}")))?;
                Order::List(s.clone())
            }
        }
    })
}

fn probe(a: Job) -> Result<ExitCode, CliError> {
    if let Err(why) = pinlab_probe::supported() {
        return Err(CliError::Probe(format!("error: {why}")));
    }
    // The pin matrix's backings; scenarios have files, so not anonymous memory.
    let backings: Vec<&str> = pinlab_probe::matrix::BACKINGS
        .into_iter()
        .filter(|b| a.pin_matrix || *b != "anon")
        .collect();
    for f in &a.fs {
        if !backings.contains(&f.as_str()) {
            return Err(CliError::Usage(format!(
                "error: --fs {f}: not a backing the probe makes{}\n  = help: one of {}",
                if a.pin_matrix { "" } else { " for scenarios" },
                backings.join(", ")
            )));
        }
    }
    if !(a.op_timeout > 0.0 && a.op_timeout <= 600.0) {
        return Err(CliError::Usage(
            "error: --op-timeout takes seconds, more than 0 and at most 600".into(),
        ));
    }
    let order = order(&a)?;
    let design = super::parse_design(&a.design)?;
    let Some(dir) = a.worker.clone() else {
        // The supervisor: everything happens in the worker.
        return supervise(a.stdin_text.as_deref());
    };
    worker(a, dir, order, design)
}

/// Runs this command again as the worker, under the supervisor. What `-` read from stdin goes to
/// the worker in a private file (`--stdin-file`), removed afterwards.
#[cfg(target_os = "linux")]
fn supervise(stdin_text: Option<&str>) -> Result<ExitCode, CliError> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let Some(text) = stdin_text else {
        return Ok(pinlab_probe::supervise::supervise(args));
    };
    let fail = |e: std::io::Error| {
        CliError::Probe(format!("error: cannot keep stdin for the worker: {e}"))
    };
    let dir = pinlab_probe::sandbox::private_dir().map_err(fail)?;
    let file = dir.join("stdin.litmus");
    let code = std::fs::write(&file, text).map_err(fail).map(|()| {
        args.push("--stdin-file".into());
        args.push(file.clone().into());
        pinlab_probe::supervise::supervise(args)
    });
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir(&dir);
    code
}

#[cfg(not(target_os = "linux"))]
fn supervise(_: Option<&str>) -> Result<ExitCode, CliError> {
    Ok(ExitCode::from(2))
}

#[cfg(target_os = "linux")]
fn worker(
    a: Job,
    dir: PathBuf,
    order: Order,
    design: pinlab_model::design::Design,
) -> Result<ExitCode, CliError> {
    let bounds = pinlab_probe::kernel::Bounds {
        op: std::time::Duration::from_secs_f64(a.op_timeout),
        ..Default::default()
    };
    let inputs: Vec<Input> = a
        .inputs
        .into_iter()
        .map(|(scenario, text)| Input { scenario, text })
        .collect();
    let backings = (!a.fs.is_empty()).then_some(a.fs.as_slice());
    let order_text = match &order {
        Order::Sequential => "one thread after another, in file order".to_string(),
        Order::List(l) => format!("--schedule {l}"),
        Order::Explain(_) => "the explain trace given".to_string(),
    };
    // A line a run on stderr as it ends (none with -q), but for runs skipped because the probe
    // is not root: those are counted and said once, below.
    use pinlab_probe::run::{Entry, Outcome};
    let quiet = crate::output::quiet();
    let mut not_root = 0usize;
    let mut progress = |e: &Entry, secs: f64| {
        if matches!(&e.outcome, Outcome::Skipped { not_root: true, .. }) {
            not_root += 1;
            return;
        }
        if quiet {
            return;
        }
        let what = if a.pin_matrix {
            format!("pin matrix {} {}", e.backing, e.scenario)
        } else {
            format!("{} on {}", e.scenario, e.backing)
        };
        errln!("probe: {what}: {} ({secs:.2} s)", e.outcome.word());
    };
    let (entries, interrupted) = if a.pin_matrix {
        pinlab_probe::worker_matrix(dir, backings, design, bounds, &mut progress, quiet)
    } else {
        pinlab_probe::worker(
            dir,
            &inputs,
            backings,
            &order,
            design,
            bounds,
            &mut progress,
            quiet,
        )
    }
    .map_err(|e| CliError::Probe(format!("error: {e}")))?;
    if not_root > 0 {
        errln!(
            "probe: not root: {not_root} of {} runs need root (loop devices, mounts, huge pages) and were skipped; run it as root: sudo env PATH=$PATH pinlab probe",
            entries.len()
        );
    }
    let header = ProbeHeader {
        kernel: kernel_name(),
        model: design.name(),
        order: if a.pin_matrix {
            "each cell's ops in order".into()
        } else {
            order_text
        },
    };
    crate::out::stdout(&if a.json {
        probe_json(&header, &entries)
    } else {
        probe_text(&header, &entries)
    })?;
    if interrupted {
        return Ok(ExitCode::from(130));
    }
    Ok(exit_code(&entries, not_root))
}

/// The probe's exit code: 1 a run disagrees, 2 none ran (saying why, unless every run was skipped
/// for want of root, which is said already), else 0.
#[cfg(target_os = "linux")]
fn exit_code(entries: &[pinlab_probe::run::Entry], not_root: usize) -> ExitCode {
    let s = summary(entries);
    if s.disagree > 0 {
        errln!(
            "pinlab: {} run{} disagree{} with the model",
            s.disagree,
            if s.disagree == 1 { "" } else { "s" },
            if s.disagree == 1 { "s" } else { "" }
        );
        ExitCode::from(1)
    } else if s.agree == 0 {
        if not_root == 0 {
            errln!("pinlab: nothing ran: every run was skipped, each for the reason in the table");
        }
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(not(target_os = "linux"))]
fn worker(
    _: Job,
    _: PathBuf,
    _: Order,
    _: pinlab_model::design::Design,
) -> Result<ExitCode, CliError> {
    Err(CliError::Probe(
        "error: the probe runs on Linux only".into(),
    ))
}
