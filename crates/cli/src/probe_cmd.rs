//! `pinlab probe`: the supervisor re-runs this command as its worker (`--worker DIR`), which runs
//! the scenarios on the kernel; the supervisor cleans up after it whatever happens.

use crate::BadInput;
use pinlab_model::scenario::Scenario;
use pinlab_probe::run::{Input, Order};
use pinlab_report::probe::{probe_json, probe_text, summary, ProbeHeader};
use std::path::PathBuf;
use std::process::ExitCode;

pub struct Args {
    pub inputs: Vec<(Scenario, String)>,
    /// What `-` read from stdin, which the worker cannot read again.
    pub stdin_text: Option<String>,
    pub fs: Vec<String>,
    pub pin_matrix: bool,
    pub schedule: Option<String>,
    pub op_timeout: f64,
    pub json: bool,
    pub worker: Option<PathBuf>,
    pub design: String,
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

pub fn probe(a: Args) -> Result<ExitCode, BadInput> {
    if let Err(why) = pinlab_probe::supported() {
        return Err(BadInput(format!("error: {why}")));
    }
    // The pin matrix's backings; scenarios have files, so not anonymous memory.
    let backings: Vec<&str> = pinlab_probe::matrix::BACKINGS
        .into_iter()
        .filter(|b| a.pin_matrix || *b != "anon")
        .collect();
    for f in &a.fs {
        if !backings.contains(&f.as_str()) {
            return Err(BadInput(format!(
                "error: --fs {f}: not a backing the probe makes{}\n  = help: one of {}",
                if a.pin_matrix { "" } else { " for scenarios" },
                backings.join(", ")
            )));
        }
    }
    if !(a.op_timeout > 0.0 && a.op_timeout <= 600.0) {
        return Err(BadInput(
            "error: --op-timeout takes seconds, more than 0 and at most 600".into(),
        ));
    }
    let order = match &a.schedule {
        None => Order::Sequential,
        Some(s) => {
            if a.inputs.len() != 1 {
                return Err(BadInput(format!(
                    "error: --schedule orders the ops of one scenario; {} were given",
                    a.inputs.len()
                )));
            }
            let p = std::path::Path::new(s);
            if p.is_file() {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| BadInput(format!("error: cannot read {s}: {e}")))?;
                Order::Explain(text)
            } else {
                let sc = &a.inputs[0].0;
                pinlab_probe::run::schedule_for(sc, &Order::List(s.clone()))
                    .map_err(|e| BadInput(format!("error: {e}")))?;
                Order::List(s.clone())
            }
        }
    };
    let design = crate::parse_design(&a.design)?;
    let Some(dir) = a.worker.clone() else {
        // The supervisor: everything happens in the worker.
        return supervise(a.stdin_text.as_deref());
    };
    worker(a, dir, order, design)
}

/// Runs this command again as the worker, under the supervisor. What `-` read from stdin goes to
/// the worker in a private file (`--stdin-file`), removed afterwards.
#[cfg(target_os = "linux")]
fn supervise(stdin_text: Option<&str>) -> Result<ExitCode, BadInput> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let Some(text) = stdin_text else {
        return Ok(pinlab_probe::supervise::supervise(args));
    };
    let fail =
        |e: std::io::Error| BadInput(format!("error: cannot keep stdin for the worker: {e}"));
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
fn supervise(_: Option<&str>) -> Result<ExitCode, BadInput> {
    Ok(ExitCode::from(2))
}

#[cfg(target_os = "linux")]
fn worker(
    a: Args,
    dir: PathBuf,
    order: Order,
    design: pinlab_model::design::Design,
) -> Result<ExitCode, BadInput> {
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
        if matches!(&e.outcome, Outcome::Skipped { reason } if reason.starts_with(pinlab_probe::lab::NOT_ROOT))
        {
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
        crate::out::errln!("probe: {what}: {} ({secs:.2} s)", e.outcome.word());
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
    .map_err(|e| BadInput(format!("error: {e}")))?;
    if not_root > 0 {
        crate::out::errln!(
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
    let s = summary(&entries);
    Ok(if s.disagree > 0 {
        crate::out::errln!(
            "pinlab: {} run{} disagree{} with the model",
            s.disagree,
            if s.disagree == 1 { "" } else { "s" },
            if s.disagree == 1 { "s" } else { "" }
        );
        ExitCode::from(1)
    } else if s.agree == 0 {
        if not_root == 0 {
            crate::out::errln!(
                "pinlab: nothing ran: every run was skipped, each for the reason in the table"
            );
        }
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(not(target_os = "linux"))]
fn worker(
    _: Args,
    _: PathBuf,
    _: Order,
    _: pinlab_model::design::Design,
) -> Result<ExitCode, BadInput> {
    Err(BadInput("error: the probe runs on Linux only".into()))
}
