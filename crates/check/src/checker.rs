//! The builder: one check of one model, its limits set by name, and the search's findings
//! turned into a verdict.

use crate::model::Model;
use crate::{search, Answer, CheckResult, CondResult, Limits, Path, Verdict};
use pinlab_model::property::Property;
use pinlab_model::scenario::Quantifier;
use pinlab_model::Reduction;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// One check of `model`: `Checker::new(&world).max_memory(1 << 30).jobs(2).run()`.
///
/// Unset limits are `Limits::default()`'s: no state or time limit, half the process's memory,
/// one worker, every reduction.
#[derive(Clone, Debug)]
pub struct Checker<'c, M> {
    model: M,
    limits: Limits,
    counter: Option<&'c AtomicUsize>,
}

impl<'c, M: Model> Checker<'c, M> {
    pub fn new(model: M) -> Self {
        Checker {
            model,
            limits: Limits::default(),
            counter: None,
        }
    }

    /// Every limit at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Distinct states to store at most (`--max-states`).
    pub fn max_states(mut self, n: usize) -> Self {
        self.limits.max_states = n;
        self
    }

    /// Bytes the check may hold at its peak (`--max-memory`).
    pub fn max_memory(mut self, bytes: usize) -> Self {
        self.limits.max_bytes = bytes;
        self
    }

    /// Wall-clock time the check may take (`--timeout`).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.limits.timeout = Some(t);
        self
    }

    /// Worker threads (`-j`); the result does not depend on it.
    pub fn jobs(mut self, n: usize) -> Self {
        self.limits.jobs = n;
        self
    }

    /// The reductions the engine applies: of these it reads only `por` (whether to follow the
    /// model's `por_thread`). The canonicalizing ones are the model's, chosen when it is
    /// built (`World::with_reduction`).
    pub fn reduce(mut self, r: Reduction) -> Self {
        self.limits.reduce = r;
        self
    }

    /// Adds the distinct states found to `states` as the check goes (every 65,536 states and at
    /// the end), for a progress display.
    pub fn counting(mut self, states: &'c AtomicUsize) -> Self {
        self.counter = Some(states);
        self
    }

    /// Explores every interleaving (unless a limit cuts the search short) and gives the verdict.
    pub fn run(&self) -> CheckResult {
        explore(&self.model, self.limits, self.counter)
    }
}

fn explore<M: Model>(model: &M, limits: Limits, counter: Option<&AtomicUsize>) -> CheckResult {
    let started = std::time::Instant::now();
    let search::Found {
        stats,
        violated,
        counterexamples,
        hang,
        refused: refused_path,
        revoked,
        outcomes: total,
        positive,
        cut,
    } = search::search(model, limits, counter);
    // The partial-order reduction keeps every verdict, violation and final outcome, but not
    // the shortest paths to them (a step it followed alone may come first where another thread
    // got there sooner): those come from the same search without it.
    let (counterexamples, hang, refused_path, revoked) = if stats.por_states > 0
        && cut.is_none()
        && (!counterexamples.is_empty()
            || hang.is_some()
            || refused_path.is_some()
            || revoked.is_some())
    {
        let plain = Limits {
            reduce: Reduction {
                por: false,
                ..limits.reduce
            },
            // What is left of the check's time.
            timeout: limits.timeout.map(|t| t.saturating_sub(started.elapsed())),
            ..limits
        };
        let f = search::search(model, plain, None);
        if f.cut.is_none() {
            (f.counterexamples, f.hang, f.refused, f.revoked)
        } else {
            (counterexamples, hang, refused_path, revoked)
        }
    } else {
        (counterexamples, hang, refused_path, revoked)
    };
    // Paths name the quotient's threads (thread symmetry): report the model's.
    let real = |p: Path| model.real_path(&p);
    let counterexamples: Vec<(Property, Path)> = counterexamples
        .into_iter()
        .map(|(p, path)| (p, real(path)))
        .collect();
    let (hang, refused_path, revoked) = (hang.map(real), refused_path.map(real), revoked.map(real));

    let condition = model.condition().map(|q| {
        let answer = if total > 0 && positive == total {
            Answer::Always
        } else if positive > 0 {
            Answer::Sometimes
        } else {
            Answer::Never
        };
        let holds = match q {
            Quantifier::Exists => positive > 0,
            Quantifier::NotExists => positive == 0,
            Quantifier::Forall => positive == total,
        };
        CondResult {
            answer,
            positive,
            outcomes: total,
            holds,
        }
    });

    let mut unsafe_props = violated;
    unsafe_props.0 &= !Property::BoundedWait.bit();
    let verdict = if cut.is_some() {
        Verdict::Incomplete { found: violated }
    } else if !unsafe_props.is_empty() {
        Verdict::Unsafe(unsafe_props)
    } else if hang.is_some() {
        Verdict::Hang
    } else if refused_path.is_some() {
        Verdict::Refused
    } else if revoked.is_some() {
        Verdict::Revoked
    } else {
        Verdict::Safe
    };
    CheckResult {
        verdict,
        violated,
        counterexamples,
        hang,
        refused: refused_path,
        revoked,
        condition,
        stats,
        complete: cut.is_none(),
        cut,
    }
}
