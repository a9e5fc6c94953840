//! The explicit-state checker: explores every interleaving of a scenario's threads under a
//! design, breadth-first with state deduplication, so the first counterexample it finds for a
//! property is a shortest one.
//!
//! The model says what can happen (`Model::step`; the page-cache `World` is one model, toy models
//! in tests/engine.rs are others); this crate decides what to explore (`Checker`), keeps the
//! statistics, and turns what it saw into a verdict (docs/model.md#verdicts): `unsafe(...)` if any execution
//! violates a property, else `hang` if any execution waits forever, else `refused`, else
//! `revoked`, else `safe` — and `incomplete` whenever a limit cut the search short.

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod checker;
mod frontier;
pub mod memory;
mod model;
mod nodes;
pub mod oracle;
mod search;
mod visited;

pub use checker::Checker;
pub use model::{condition_locs, Model};

use pinlab_model::design::Design;
use pinlab_model::property::{Property, PropertySet};
use pinlab_model::scenario::Scenario;
use pinlab_model::state::State;
use pinlab_model::trace::Call;
pub use pinlab_model::verdict::VerdictKind;
use pinlab_model::{Reduction, Step, World};
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// Limits of one check. Every limit that is hit makes the verdict `incomplete`, and `Cut` says
/// which.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Distinct states to store at most.
    pub max_states: usize,
    /// Bytes the check may hold at its peak: visited set, path nodes and frontier together.
    pub max_bytes: usize,
    /// Wall-clock time the check may take.
    pub timeout: Option<Duration>,
    /// Worker threads the one check runs on. The result does not depend on it (except where a
    /// memory limit stops the check: workers hold buffers of their own).
    pub jobs: usize,
    /// The state-space reductions `check` applies (`World::with_reduction`); all by default.
    pub reduce: Reduction,
}

impl Default for Limits {
    /// No state or time limit; half the memory the process may use (`memory::default_total_budget`).
    fn default() -> Self {
        static DEFAULT_BYTES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        Limits {
            max_states: usize::MAX,
            max_bytes: *DEFAULT_BYTES.get_or_init(|| {
                usize::try_from(memory::default_total_budget()).unwrap_or(usize::MAX)
            }),
            timeout: None,
            jobs: 1,
            reduce: Reduction::all(),
        }
    }
}

/// Why a check stopped before it had seen every execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// It had stored `limit` distinct states (`--max-states`).
    States { limit: usize },
    /// The next step would have taken it past `limit` bytes (`--max-memory`).
    Memory { limit: usize },
    /// The allocator refused `wanted` bytes the budget allowed: the process's own limits
    /// (`ulimit -v`, a cgroup) are smaller than the budget.
    Allocator { wanted: usize },
    /// It ran for `limit` (`--timeout`).
    Timeout { limit: Duration },
}

impl Cut {
    /// `the memory limit (512.0 MiB)`: what stopped the check, for a sentence.
    pub fn text(&self) -> String {
        match self {
            Cut::States { limit } => format!("the state limit ({limit} states, --max-states)"),
            Cut::Memory { limit } => {
                format!("the memory limit ({}, --max-memory)", human_bytes(*limit as u64))
            }
            Cut::Allocator { wanted } => format!(
                "the allocator's refusal of {} (the process's ulimit or cgroup is below --max-memory)",
                human_bytes(*wanted as u64)
            ),
            Cut::Timeout { limit } => {
                format!("the time limit ({:.1} s, --timeout)", limit.as_secs_f64())
            }
        }
    }

    /// The option that raises this limit.
    pub fn option(&self) -> &'static str {
        match self {
            Cut::States { .. } => "--max-states",
            Cut::Memory { .. } | Cut::Allocator { .. } => "--max-memory",
            Cut::Timeout { .. } => "--timeout",
        }
    }
}

/// `512.0 MiB`: bytes for a person.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some execution violates these properties (never `bounded-wait`).
    Unsafe(PropertySet),
    Hang,
    Refused,
    Revoked,
    Safe,
    /// A limit was hit before every execution was seen; `found` is what was violated so far.
    Incomplete {
        found: PropertySet,
    },
}

impl Verdict {
    /// The verdict's kind, in the one vocabulary every report spells.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Unsafe(_) => VerdictKind::Unsafe,
            Verdict::Hang => VerdictKind::Hang,
            Verdict::Refused => VerdictKind::Refused,
            Verdict::Revoked => VerdictKind::Revoked,
            Verdict::Safe => VerdictKind::Safe,
            Verdict::Incomplete { .. } => VerdictKind::Incomplete,
        }
    }

    /// The herd-style cell text: `safe`, `unsafe(mkwrite-contract, durability)`, ...
    pub fn text(&self) -> String {
        match self {
            Verdict::Unsafe(ps) => format!(
                "{}({})",
                self.kind().name(),
                ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
            ),
            other => other.kind().name().into(),
        }
    }

    /// Does this verdict satisfy an `expect` line?
    pub fn matches(&self, e: &pinlab_model::scenario::ExpectedVerdict) -> bool {
        use pinlab_model::scenario::ExpectedVerdict as E;
        match (self, e) {
            (Verdict::Unsafe(_), E::UnsafeAny) => true,
            (Verdict::Unsafe(ps), E::Unsafe(want)) => *ps == PropertySet::from_slice(want),
            (Verdict::Hang, E::Hang)
            | (Verdict::Refused, E::Refused)
            | (Verdict::Revoked, E::Revoked)
            | (Verdict::Safe, E::Safe) => true,
            _ => false,
        }
    }
}

/// The herd-style answer to the final condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Always,
    Sometimes,
    Never,
}

impl Answer {
    pub fn text(self) -> &'static str {
        match self {
            Answer::Always => "Always",
            Answer::Sometimes => "Sometimes",
            Answer::Never => "Never",
        }
    }

    /// Is this the answer an `expect` line pins?
    pub fn is(self, e: pinlab_model::scenario::ExpectedAnswer) -> bool {
        use pinlab_model::scenario::ExpectedAnswer as E;
        matches!(
            (self, e),
            (Answer::Always, E::Always)
                | (Answer::Sometimes, E::Sometimes)
                | (Answer::Never, E::Never)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CondResult {
    pub answer: Answer,
    /// Distinct final outcomes (final states projected on the condition's locations) that
    /// satisfy the condition's body, and in all.
    pub positive: usize,
    pub outcomes: usize,
    /// Whether the quantified condition holds (exists: some; ~exists: none; forall: all).
    pub holds: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Distinct states stored.
    pub states: usize,
    pub transitions: usize,
    /// Depth of the deepest state (steps from the initial state).
    pub max_depth: usize,
    /// Distinct final states (every thread finished).
    pub final_states: usize,
    /// Distinct states where some thread waits forever.
    pub hung_states: usize,
    /// Bytes the check held at its peak: the visited set (fingerprints), the path nodes, the
    /// BFS frontier (the compressed states of two levels) and the workers' buffers, as its
    /// memory budget counts them.
    pub bytes: usize,
    /// What the design's mechanisms cost, summed over every transition explored (and over
    /// every attempt to step that waited on a `folio_maybe_dma_pinned()` false positive).
    pub cost: pinlab_model::cost::Cost,
    /// States the partial-order reduction expanded through one thread's step alone: each
    /// left the other threads' steps from it unexplored (`--no-reduce=por` explores them).
    pub por_states: usize,
}

/// A path from the initial state: the thread that took each step.
pub type Path = Vec<usize>;

#[derive(Clone, Debug)]
pub struct CheckResult {
    pub verdict: Verdict,
    pub violated: PropertySet,
    /// Per violated property, a shortest execution that violates it (its last step does).
    pub counterexamples: Vec<(Property, Path)>,
    /// A shortest execution that ends with a thread waiting forever.
    pub hang: Option<Path>,
    /// A shortest execution in which the design refused a pin.
    pub refused: Option<Path>,
    pub revoked: Option<Path>,
    pub condition: Option<CondResult>,
    pub stats: Stats,
    /// Whether every execution was seen (`cut` is `None`).
    pub complete: bool,
    /// The limit that cut the search short.
    pub cut: Option<Cut>,
}

impl CheckResult {
    /// The shortest path that shows `p` (for `bounded-wait`, the hang).
    pub fn path_for(&self, p: Property) -> Option<&Path> {
        if p == Property::BoundedWait {
            return self.hang.as_ref();
        }
        self.counterexamples
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, path)| path)
    }

    /// The trace `explain` shows by default: the shortest violation, else the hang, else the
    /// refusal, else the revocation.
    pub fn most_relevant(&self) -> Option<(Option<Property>, &Path)> {
        if let Some((p, path)) = self
            .counterexamples
            .iter()
            .min_by_key(|(p, path)| (path.len(), *p))
        {
            return Some((Some(*p), path));
        }
        if let Some(h) = &self.hang {
            return Some((Some(Property::BoundedWait), h));
        }
        self.refused
            .as_ref()
            .or(self.revoked.as_ref())
            .map(|p| (None, p))
    }
}

/// Checks `sc` under `design`, exhaustively unless `limits` cut it short.
pub fn check(sc: &Scenario, design: Design, limits: Limits) -> CheckResult {
    check_world(
        &World::new(sc, design).with_reduction(limits.reduce),
        limits,
    )
}

/// `check`, adding the distinct states it finds to `states` as it goes (every 65,536 states and
/// at the end, so a display can show a long check's progress); the result is `check`'s.
pub fn check_counting(
    sc: &Scenario,
    design: Design,
    limits: Limits,
    states: &AtomicUsize,
) -> CheckResult {
    Checker::new(&World::new(sc, design).with_reduction(limits.reduce))
        .limits(limits)
        .counting(states)
        .run()
}

/// Checks a world as built by the caller (the mutation tests build mutated ones), with the
/// reduction it was built with (of `limits.reduce`, only `por` applies).
pub fn check_world(world: &World, limits: Limits) -> CheckResult {
    Checker::new(world).limits(limits).run()
}

/// One step of a replayed path, with everything `explain` shows.
#[derive(Clone, Debug)]
pub struct TraceStep {
    pub thread: usize,
    /// The litmus op this step belongs to (index into the thread's ops).
    pub op: usize,
    /// The kernel calls the step made, as data (`pinlab_model::trace`); each has its sentence.
    pub calls: Vec<Call>,
    pub changes: Vec<String>,
    pub violations: Vec<(Property, String)>,
    pub refused: bool,
    /// The state after the step (what the sequence diagram draws the page and disk lanes from).
    pub after: State,
}

/// Replays `path` with tracing on. Paths come from `check`, so every step is enabled.
pub fn replay(sc: &Scenario, design: Design, path: &[usize]) -> (Vec<TraceStep>, State) {
    let world = World::new(sc, design);
    let mut s = world.init();
    let mut out = Vec::new();
    for &t in path {
        let op = s.threads[t].pc as usize;
        match world.step(&s, t, true) {
            Step::Done(next, info) => {
                let changes = world.describe_changes(&s, &next);
                out.push(TraceStep {
                    thread: t,
                    op,
                    calls: info.calls,
                    changes,
                    violations: info.why,
                    refused: info.refused,
                    after: next.clone(),
                });
                s = next;
            }
            Step::Blocked | Step::Finished => {
                panic!("replayed path is not an execution of this scenario")
            }
        }
    }
    (out, s)
}

/// Which threads are waiting (not finished, no step possible) in `s`.
pub fn waiting_threads(sc: &Scenario, design: Design, s: &State) -> Vec<usize> {
    let world = World::new(sc, design);
    (0..sc.threads.len())
        .filter(|&t| matches!(world.step(s, t, false), Step::Blocked))
        .collect()
}
