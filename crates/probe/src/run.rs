//! A probe run: scenarios × backings, each run on the kernel and asked of the model of `upstream`
//! in the same order, compared observable by observable.

use crate::error::{BadSchedule, NotRun};
use crate::obs::{compare, Observations};
// What a run found is plain data (pinlab-probe-data), which the report renders.
use crate::predict::predict;
use crate::schedule::Schedule;
use pinlab_model::design::Design;
use pinlab_model::fs::{FsKind, ProbeBacking};
use pinlab_model::scenario::Scenario;
pub use pinlab_probe_data::{Compared, Entry, Outcome};

/// A scenario to probe: parsed, with its text (lowered again for another backing's filesystem).
pub struct Input {
    pub scenario: Scenario,
    pub text: String,
}

/// How the schedule is chosen.
#[derive(Clone, Debug)]
pub enum Order {
    /// One thread after another, in file order.
    Sequential,
    /// `--schedule app,flusher,...`
    List(String),
    /// `--schedule trace.json`: the output of `pinlab explain --format json`.
    Explain(String),
}

/// The backing a scenario runs on by default: the one its filesystem names (`FsRules::probe`).
pub fn own_backing(sc: &Scenario) -> Result<&'static str, NotRun> {
    use crate::lab::BackingKind as K;
    Ok(match sc.fs.kind.rules().probe {
        ProbeBacking::Ext4 => K::Ext4,
        ProbeBacking::Xfs => K::Xfs,
        ProbeBacking::Btrfs => K::Btrfs,
        ProbeBacking::Tmpfs => K::Tmpfs,
        ProbeBacking::Hugetlbfs => K::Hugetlbfs,
        ProbeBacking::Memfd => K::Memfd,
        ProbeBacking::Skip(why) => return Err(NotRun::Skip(why)),
    }
    .name())
}

/// The scenario lowered for filesystem `fs` instead of its own (the rest as written); the
/// lowering's first error if the scenario does not fit that filesystem.
pub fn retarget(input: &Input, fs: FsKind) -> Result<Scenario, NotRun> {
    if input.scenario.fs.kind == fs {
        return Ok(input.scenario.clone());
    }
    let opts = pinlab_litmus::LowerOptions { fs: Some(fs) };
    pinlab_litmus::parse_with(&input.scenario.source, &input.text, opts).map_err(|d| {
        NotRun::DoesNotFit {
            fs: fs.name(),
            why: d
                .errors
                .first()
                .map_or_else(|| "does not parse".to_string(), |e| e.message.clone()),
        }
    })
}

pub fn schedule_for(sc: &Scenario, order: &Order) -> Result<Schedule, BadSchedule> {
    match order {
        Order::Sequential => Ok(Schedule::sequential(sc)),
        Order::List(l) => Schedule::from_list(sc, l),
        Order::Explain(j) => Schedule::from_explain_json(sc, j),
    }
}

/// Whether the model's run along `schedule` depends on running out of space: the probe does not
/// fill the real filesystem to the scenario's `blocks=N`, so such a run is not comparable.
pub fn depends_on_space(sc: &Scenario, schedule: &Schedule, design: Design) -> bool {
    let mut roomy = sc.clone();
    roomy.fs.blocks = pinlab_litmus::MAX_BLOCKS as u8;
    predict(sc, design, schedule).obs != predict(&roomy, design, schedule).obs
}

/// Compares a kernel run with the model's prediction for the same order.
pub fn judge(
    sc: &Scenario,
    schedule: &Schedule,
    design: Design,
    kernel: Observations,
    notes: Vec<String>,
) -> Outcome {
    let p = predict(sc, design, schedule);
    let (differences, unobserved) = compare(&kernel, &p.obs);
    let c = Compared {
        kernel,
        model: p.obs,
        differences,
        unobserved,
        notes,
        model_violations: p.violated.iter().map(|x| x.name()).collect(),
    };
    if c.differences.is_empty() {
        Outcome::Agree(c)
    } else {
        Outcome::Disagree(c)
    }
}

/// Called with each run as it ends and the seconds it took (the CLI's progress lines).
pub type Progress<'a> = &'a mut dyn FnMut(&Entry, f64);

/// Runs every input on each backing asked for (its own filesystem's by default).
#[cfg(target_os = "linux")]
#[allow(clippy::too_many_arguments)]
pub fn probe(
    lab: &mut crate::lab::Lab,
    inputs: &[Input],
    backings: Option<&[String]>,
    order: &Order,
    design: Design,
    bounds: crate::kernel::Bounds,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    progress: Progress,
) -> Vec<Entry> {
    use crate::lab::BackingKind;
    let mut out = Vec::new();
    let mut tag = 0;
    for input in inputs {
        let own = own_backing(&input.scenario);
        let list: Vec<Result<String, NotRun>> = match backings {
            Some(b) => b.iter().map(|s| Ok(s.clone())).collect(),
            None => vec![own.map(str::to_string)],
        };
        for b in list {
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return out;
            }
            tag += 1;
            let backing = b
                .clone()
                .unwrap_or_else(|_| input.scenario.fs.kind.name().to_string());
            let t0 = std::time::Instant::now();
            let mut entry = Entry {
                scenario: input.scenario.name.clone(),
                source: input.scenario.source.clone(),
                backing: backing.clone(),
                schedule: vec![],
                schedule_notes: vec![],
                outcome: Outcome::skipped(String::new()),
            };
            let r = (|| -> Result<Outcome, NotRun> {
                b?;
                let kind = BackingKind::from_name(&backing)
                    .ok_or_else(|| NotRun::UnknownBacking(backing.clone()))?;
                let fs = kind.model_fs();
                let sc = retarget(input, fs)?;
                let schedule = schedule_for(&sc, order)?;
                entry.schedule = schedule
                    .ops
                    .iter()
                    .map(|o| sc.threads[o.thread].name.clone())
                    .collect();
                entry.schedule_notes = schedule.notes.clone();
                Ok(run_one(
                    lab,
                    &sc,
                    kind,
                    &schedule,
                    design,
                    bounds,
                    stop.clone(),
                    tag,
                ))
            })();
            entry.outcome = r.unwrap_or_else(|e| e.into());
            progress(&entry, t0.elapsed().as_secs_f64());
            out.push(entry);
        }
    }
    out
}

/// Runs one scenario on the kernel in `schedule`'s order and judges it against the model.
#[cfg(target_os = "linux")]
#[allow(clippy::too_many_arguments)]
pub fn run_one(
    lab: &mut crate::lab::Lab,
    sc: &Scenario,
    kind: crate::lab::BackingKind,
    schedule: &Schedule,
    design: Design,
    bounds: crate::kernel::Bounds,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    tag: usize,
) -> Outcome {
    if depends_on_space(sc, schedule, design) {
        return Outcome::skipped(format!(
            "along this order the model runs out of space (blocks={}); the probe does not fill the real filesystem to match",
            sc.fs.blocks
        ));
    }
    match crate::kernel::run(lab, sc, kind, schedule, bounds, stop, tag) {
        Ok(k) => judge(sc, schedule, design, k.obs, k.notes),
        Err(e) => e.into(),
    }
}
