//! The explicit-state checker: explores every interleaving of a scenario's threads under a
//! design, breadth-first with state deduplication, so the first counterexample it finds for a
//! property is a shortest one.
//!
//! The model says what can happen (`World::step`); this crate decides what to explore, keeps the
//! statistics, and turns what it saw into a verdict (DESIGN §3): `unsafe(...)` if any execution
//! violates a property, else `hang` if any execution waits forever, else `refused`, else
//! `revoked`, else `safe` — and `incomplete` whenever a limit cut the search short.

pub mod oracle;

use pinlab_model::design::Design;
use pinlab_model::property::{Property, PropertySet};
use pinlab_model::scenario::{CondExpr, Loc, Observed, Quantifier, Scenario};
use pinlab_model::state::State;
use pinlab_model::{Step, StepInto, World};
use rustc_hash::FxHashSet;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Limits of one check. Every limit that is hit makes the verdict `incomplete`.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_states: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_states: 20_000_000,
        }
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
    /// The herd-style cell text: `safe`, `unsafe(mkwrite-contract, durability)`, ...
    pub fn text(&self) -> String {
        match self {
            Verdict::Unsafe(ps) => format!(
                "unsafe({})",
                ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
            ),
            Verdict::Hang => "hang".into(),
            Verdict::Refused => "refused".into(),
            Verdict::Revoked => "revoked".into(),
            Verdict::Safe => "safe".into(),
            Verdict::Incomplete { .. } => "incomplete".into(),
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
    /// Bytes the stored states take: fingerprint table and path nodes.
    pub bytes: usize,
    /// What the design's mechanisms cost, summed over every transition explored (and over
    /// every attempt to step that waited on a `folio_maybe_dma_pinned()` false positive).
    pub cost: pinlab_model::cost::Cost,
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
    pub complete: bool,
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

struct Node {
    parent: u32,
    thread: u8,
    depth: u32,
}

/// Fingerprints are already uniformly distributed: their low 64 bits are the hash.
#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ *b as u64;
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

fn push_record(arena: &mut Vec<u8>, id: u32, state: &[u8]) {
    arena.extend_from_slice(&id.to_le_bytes());
    arena.extend_from_slice(&(state.len() as u16).to_le_bytes());
    arena.extend_from_slice(state);
}

fn path_to(nodes: &[Node], mut id: u32) -> Path {
    let mut p = Vec::new();
    while id != 0 {
        let n = &nodes[id as usize];
        p.push(n.thread as usize);
        id = n.parent;
    }
    p.reverse();
    p
}

/// Checks `sc` under `design`, exhaustively unless `limits` cut it short.
pub fn check(sc: &Scenario, design: Design, limits: Limits) -> CheckResult {
    check_world(&World::new(sc, design), limits)
}

/// `check`, adding the distinct states it finds to `states` as it goes (every 65,536 states and
/// at the end, so a display can show a long check's progress); the result is `check`'s.
pub fn check_counting(
    sc: &Scenario,
    design: Design,
    limits: Limits,
    states: &AtomicUsize,
) -> CheckResult {
    explore(&World::new(sc, design), limits, Some(states))
}

/// Checks a world as built by the caller (the mutation tests build mutated ones).
pub fn check_world(world: &World, limits: Limits) -> CheckResult {
    explore(world, limits, None)
}

fn explore(world: &World, limits: Limits, counter: Option<&AtomicUsize>) -> CheckResult {
    // What has been added to `counter` so far.
    let mut published = 0;
    let sc = world.sc;
    let init = world.init();
    let mut stats = Stats::default();
    // States are deduplicated by a 128-bit fingerprint of their flat encoding (xxh3-128), as
    // stateright and SPIN's hash compaction do: two distinct states merge only on a 128-bit
    // collision (probability about n^2 / 2^129 for n states: below 1e-20 for a billion states).
    let mut seen: HashSet<u128, BuildHasherDefault<FingerprintHasher>> = HashSet::default();
    let mut nodes = vec![Node {
        parent: 0,
        thread: 0,
        depth: 0,
    }];
    // The frontier is breadth-first by levels, each level one byte arena of
    // (node id: u32, length: u16, encoded state) records: no allocation per state.
    let mut level: Vec<u8> = Vec::new();
    let mut next_level: Vec<u8> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(256);
    init.encode(&mut buf);
    seen.insert(xxhash_rust::xxh3::xxh3_128(&buf));
    push_record(&mut level, 0, &buf);

    let mut violated = PropertySet::default();
    let mut counterexamples: Vec<(Property, Path)> = Vec::new();
    let mut hang = None;
    let mut refused = None;
    let mut revoked = None;
    let mut complete = true;
    let locs: Vec<Loc> = sc
        .condition
        .as_ref()
        .map(|c| condition_locs(&c.expr))
        .unwrap_or_default();
    let mut outcomes: FxHashSet<Vec<Observed>> = FxHashSet::default();
    let nthreads = sc.actors();
    let mut s = init.clone();
    let mut next = init;

    while !level.is_empty() {
        let mut at = 0;
        while at < level.len() {
            let id = u32::from_le_bytes(level[at..at + 4].try_into().unwrap());
            let len = u16::from_le_bytes([level[at + 4], level[at + 5]]) as usize;
            s.decode_from(&level[at + 6..at + 6 + len]);
            at += 6 + len;
            let depth = nodes[id as usize].depth;
            stats.max_depth = stats.max_depth.max(depth as usize);
            let mut moved = false;
            for t in 0..nthreads {
                let info = match world.step_into(&s, t, &mut next, false) {
                    StepInto::Done(i) => i,
                    StepInto::Blocked(fp) => {
                        stats.cost.false_positives += fp;
                        continue;
                    }
                    StepInto::Finished => continue,
                };
                moved = true;
                stats.transitions += 1;
                stats.cost.add(&info.cost);
                for p in info.violations.iter() {
                    if !violated.contains(p) {
                        violated.insert(p);
                        let mut path = path_to(&nodes, id);
                        path.push(t);
                        counterexamples.push((p, path));
                    }
                }
                if info.refused && refused.is_none() {
                    let mut path = path_to(&nodes, id);
                    path.push(t);
                    refused = Some(path);
                }
                if info.revoked && revoked.is_none() {
                    let mut path = path_to(&nodes, id);
                    path.push(t);
                    revoked = Some(path);
                }
                buf.clear();
                next.encode(&mut buf);
                let fp = xxhash_rust::xxh3::xxh3_128(&buf);
                if seen.len() >= limits.max_states {
                    if !seen.contains(&fp) {
                        complete = false;
                    }
                    continue;
                }
                if !seen.insert(fp) {
                    continue;
                }
                let nid = nodes.len() as u32;
                nodes.push(Node {
                    parent: id,
                    thread: t as u8,
                    depth: depth + 1,
                });
                if nid & 0xFFFF == 0 {
                    if let Some(c) = counter {
                        c.fetch_add(seen.len() - published, Ordering::Relaxed);
                        published = seen.len();
                    }
                }
                push_record(&mut next_level, nid, &buf);
            }
            if !moved {
                if world.finished(&s) {
                    stats.final_states += 1;
                    if sc.condition.is_some() {
                        outcomes.insert(locs.iter().map(|l| world.observe(&s, *l)).collect());
                    }
                } else {
                    stats.hung_states += 1;
                    violated.insert(Property::BoundedWait);
                    if hang.is_none() {
                        hang = Some(path_to(&nodes, id));
                    }
                }
            }
        }
        std::mem::swap(&mut level, &mut next_level);
        next_level.clear();
    }
    stats.states = seen.len();
    if let Some(c) = counter {
        c.fetch_add(seen.len() - published, Ordering::Relaxed);
    }
    // What the stored states cost: the fingerprint table (at its real capacity, one control
    // byte per bucket) and the path nodes. Frontier states are transient and not counted.
    stats.bytes = seen.capacity() * (std::mem::size_of::<u128>() + 1)
        + nodes.capacity() * std::mem::size_of::<Node>();
    counterexamples.sort_by_key(|(p, _)| *p);

    let condition = sc.condition.as_ref().map(|c| {
        let total = outcomes.len();
        let positive = outcomes.iter().filter(|o| eval(&c.expr, &locs, o)).count();
        let answer = if total > 0 && positive == total {
            Answer::Always
        } else if positive > 0 {
            Answer::Sometimes
        } else {
            Answer::Never
        };
        let holds = match c.quantifier {
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
    let verdict = if !complete {
        Verdict::Incomplete { found: violated }
    } else if !unsafe_props.is_empty() {
        Verdict::Unsafe(unsafe_props)
    } else if hang.is_some() {
        Verdict::Hang
    } else if refused.is_some() {
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
        refused,
        revoked,
        condition,
        stats,
        complete,
    }
}

/// The locations a condition reads, in first-use order, without repeats.
pub fn condition_locs(e: &CondExpr) -> Vec<Loc> {
    fn walk(e: &CondExpr, out: &mut Vec<Loc>) {
        match e {
            CondExpr::Eq(l, _) => {
                if !out.contains(l) {
                    out.push(*l)
                }
            }
            CondExpr::Not(x) => walk(x, out),
            CondExpr::And(xs) | CondExpr::Or(xs) => xs.iter().for_each(|x| walk(x, out)),
        }
    }
    let mut v = Vec::new();
    walk(e, &mut v);
    v
}

fn eval(e: &CondExpr, locs: &[Loc], o: &[Observed]) -> bool {
    match e {
        CondExpr::Eq(l, v) => {
            let i = locs.iter().position(|x| x == l).expect("collected");
            o[i] == *v
        }
        CondExpr::Not(x) => !eval(x, locs, o),
        CondExpr::And(xs) => xs.iter().all(|x| eval(x, locs, o)),
        CondExpr::Or(xs) => xs.iter().any(|x| eval(x, locs, o)),
    }
}

/// One step of a replayed path, with everything `explain` shows.
#[derive(Clone, Debug)]
pub struct TraceStep {
    pub thread: usize,
    /// The litmus op this step belongs to (index into the thread's ops).
    pub op: usize,
    pub calls: Vec<String>,
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
