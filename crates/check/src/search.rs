//! The search itself: level-synchronous breadth-first search, in batches, on `jobs` workers,
//! with the same result whatever the number of workers.
//!
//! A level's states are taken in batches, in the order they were stored. Each batch goes
//! through three phases:
//! - **expand** (parallel): each worker steps every thread of a contiguous share of the batch's
//!   states and writes down the successors (encoding, 128-bit fingerprint, parent, thread) and
//!   what the steps showed (violations, refusals, hangs, final outcomes), in (parent, thread)
//!   order;
//! - **insert** (parallel): the visited set's shards are split among the workers; each inserts,
//!   in the batch's global (parent, thread) order, the successors that fall in its shards, so
//!   the first successor to reach a state is the one that keeps it, as in a one-core search;
//! - **store** (ids and budget in order on one core, compression on all): the new states get
//!   the next ids in that same order, a path node each, and a place in the next level.
//!
//! Ids, parents and so counterexamples follow from that order alone, which no worker's timing
//! changes: state counts, verdicts and counterexamples are those of a one-core search. Memory
//! is asked of the budget only on one core, in a fixed order, so a given `jobs` stops at the same
//! state whatever the timing (a different `jobs` holds different working buffers, and may stop
//! elsewhere).

use crate::frontier::{self, Reader, Writer};
use crate::memory::{Budget, Chunked, FingerprintSet, Refusal};
use crate::visited::{key_of, shard_of, Insert, Shard, Visited, SHARDS};
use crate::{eval, Cut, Limits, Path, Stats};
use pinlab_model::cost::Cost;
use pinlab_model::property::{Property, PropertySet};
use pinlab_model::scenario::{Loc, Observed};
use pinlab_model::state::State;
use pinlab_model::{StepInto, World};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// States a worker expands per batch at most.
const PER_WORKER: usize = 2048;
/// Bytes a successor's encoding may exceed the longest encoding seen so far by (a step
/// allocates at most a few frames), for sizing buffers ahead.
const MARGIN: usize = 64;

/// A successor found in the expand phase.
struct Cand {
    fp: u128,
    parent: u32,
    thread: u8,
    /// Set by the insert phase: the first to reach a state not seen before.
    new: AtomicBool,
    off: u32,
    len: u32,
}

/// A path node, packed: the parent's id and the thread that stepped (5 bytes).
pub(crate) type Node = [u8; 5];

fn node(parent: u32, thread: u8) -> Node {
    let p = parent.to_le_bytes();
    [p[0], p[1], p[2], p[3], thread]
}

pub(crate) fn path_to(nodes: &Chunked<Node>, mut id: u32) -> Path {
    let mut p = Vec::new();
    while id != 0 {
        let n = nodes.get(id as usize);
        p.push(n[4] as usize);
        id = u32::from_le_bytes([n[0], n[1], n[2], n[3]]);
    }
    p.reverse();
    p
}

/// What a step showed that the verdict needs, with where: only the first of each kind in a
/// batch matters, so a worker writes down only what was not known when the batch began.
enum Event {
    Violation {
        parent: u32,
        thread: u8,
        props: PropertySet,
    },
    Refused {
        parent: u32,
        thread: u8,
    },
    Revoked {
        parent: u32,
        thread: u8,
    },
    Hang {
        parent: u32,
    },
}

/// What was already known when a batch began, so workers skip writing it down again.
#[derive(Clone, Copy)]
struct Known {
    violated: PropertySet,
    refused: bool,
    revoked: bool,
    hang: bool,
    /// Successors are wanted (no limit has stopped the search).
    storing: bool,
}

/// One worker's scratch states and its output for the current batch.
struct Worker {
    s: State,
    next: State,
    buf: Vec<u8>,
    cands: Vec<Cand>,
    bytes: Vec<u8>,
    events: Vec<Event>,
    /// Final states: the outcome's fingerprint, and whether it satisfies the condition.
    outcomes: Vec<(u128, bool)>,
    transitions: usize,
    final_states: usize,
    hung_states: usize,
    cost: Cost,
    /// The new states of the batch this worker stores, compressed.
    packed: Vec<u8>,
    /// How many of this worker's new states are stored (a limit may cut the batch short).
    store: usize,
}

impl Worker {
    fn new(init: &State) -> Worker {
        Worker {
            s: init.clone(),
            next: init.clone(),
            buf: Vec::with_capacity(256),
            cands: Vec::new(),
            bytes: Vec::new(),
            events: Vec::new(),
            outcomes: Vec::new(),
            transitions: 0,
            final_states: 0,
            hung_states: 0,
            cost: Cost::default(),
            packed: Vec::new(),
            store: 0,
        }
    }

    /// Expand phase: steps every thread of every state in `parents` (id, encoding).
    fn expand(&mut self, world: &World, parents: &[(u32, &[u8])], known: Known, locs: &[Loc]) {
        self.cands.clear();
        self.bytes.clear();
        self.events.clear();
        self.outcomes.clear();
        let nthreads = world.sc.actors();
        for &(id, enc) in parents {
            self.s.decode_from(enc);
            let mut moved = false;
            for t in 0..nthreads {
                let info = match world.step_into(&self.s, t, &mut self.next, false) {
                    StepInto::Done(i) => i,
                    StepInto::Blocked(fp) => {
                        self.cost.false_positives += fp;
                        continue;
                    }
                    StepInto::Finished => continue,
                };
                moved = true;
                self.transitions += 1;
                self.cost.add(&info.cost);
                if info.violations.0 & !known.violated.0 != 0 {
                    self.events.push(Event::Violation {
                        parent: id,
                        thread: t as u8,
                        props: info.violations,
                    });
                }
                if info.refused && !known.refused {
                    self.events.push(Event::Refused {
                        parent: id,
                        thread: t as u8,
                    });
                }
                if info.revoked && !known.revoked {
                    self.events.push(Event::Revoked {
                        parent: id,
                        thread: t as u8,
                    });
                }
                if known.storing {
                    self.buf.clear();
                    self.next.encode(&mut self.buf);
                    self.cands.push(Cand {
                        fp: xxhash_rust::xxh3::xxh3_128(&self.buf),
                        parent: id,
                        thread: t as u8,
                        new: AtomicBool::new(false),
                        off: self.bytes.len() as u32,
                        len: self.buf.len() as u32,
                    });
                    self.bytes.extend_from_slice(&self.buf);
                }
            }
            if !moved {
                if world.finished(&self.s) {
                    self.final_states += 1;
                    if let Some(c) = &world.sc.condition {
                        let o: Vec<Observed> =
                            locs.iter().map(|l| world.observe(&self.s, *l)).collect();
                        let mut h = xxhash_rust::xxh3::Xxh3::new();
                        o.hash(&mut h);
                        self.outcomes.push((h.digest128(), eval(&c.expr, locs, &o)));
                    }
                } else {
                    self.hung_states += 1;
                    if !known.hang {
                        self.events.push(Event::Hang { parent: id });
                    }
                }
            }
        }
    }

    /// Store phase: compresses the first `store` new successors, in order.
    fn pack(&mut self) {
        self.packed.clear();
        let mut w = Writer::default();
        for c in self
            .cands
            .iter()
            .filter(|c| c.new.load(Ordering::Relaxed))
            .take(self.store)
        {
            let (o, l) = (c.off as usize, c.len as usize);
            w.push(&self.bytes[o..o + l], &mut self.packed);
        }
    }
}

/// A worker's part of the insert phase: its first shard's number, its shards, and what it
/// leaves for later.
type Part<'a> = (usize, &'a mut [Shard], &'a mut Vec<(u32, u32)>);

/// Insert phase for the worker that owns `shards` (numbers `first..`): inserts, in global
/// order, the successors of every worker that fall in them.
fn insert(workers: &[Worker], shards: &mut [Shard], first: usize, deferred: &mut Vec<(u32, u32)>) {
    deferred.clear();
    let mine = first..first + shards.len();
    let mut full = vec![false; shards.len()];
    for (w, wk) in workers.iter().enumerate() {
        for (i, c) in wk.cands.iter().enumerate() {
            let s = shard_of(c.fp);
            if !mine.contains(&s) {
                continue;
            }
            let local = s - first;
            if full[local] {
                deferred.push((w as u32, i as u32));
                continue;
            }
            match shards[local].insert(key_of(c.fp)) {
                Insert::Added => c.new.store(true, Ordering::Relaxed),
                Insert::Present => {}
                Insert::Full => {
                    full[local] = true;
                    deferred.push((w as u32, i as u32));
                }
            }
        }
    }
}

/// Runs `f` on each item: on the pool's threads when there is one, else here.
fn each<T: Send>(
    pool: Option<&rayon::ThreadPool>,
    items: &mut [T],
    f: impl Fn(usize, &mut T) + Sync,
) {
    use rayon::prelude::*;
    match pool {
        Some(p) if items.len() > 1 => p.install(|| {
            items
                .par_iter_mut()
                .enumerate()
                .with_max_len(1)
                .for_each(|(i, x)| f(i, x))
        }),
        _ => items.iter_mut().enumerate().for_each(|(i, x)| f(i, x)),
    }
}

/// Grows `v` to hold `n` items, within the budget.
fn ensure<T>(v: &mut Vec<T>, n: usize, budget: &mut Budget) -> Result<(), Refusal> {
    if v.capacity() >= n {
        return Ok(());
    }
    let size = std::mem::size_of::<T>().max(1);
    let before = v.capacity() * size;
    let want = n.max(v.capacity() * 2);
    // The old and the new array are held together while the items move.
    budget.ask(want * size)?;
    let mut new = Vec::new();
    new.try_reserve_exact(want)
        .map_err(|_| Refusal::Allocator {
            wanted: want * size,
        })?;
    new.append(v);
    *v = new;
    budget.grew(want * size, before, v.capacity() * size);
    Ok(())
}

/// One BFS level: compressed segments, and how many states each holds.
#[derive(Default)]
struct Level {
    segments: std::collections::VecDeque<(Vec<u8>, usize)>,
    states: usize,
    bytes: usize,
}

impl Level {
    fn push(&mut self, seg: Vec<u8>, n: usize) {
        if n > 0 {
            self.bytes += seg.capacity();
            self.states += n;
            self.segments.push_back((seg, n));
        }
    }

    fn clear(&mut self, budget: &mut Budget) {
        budget.freed(self.bytes);
        *self = Level::default();
    }
}

/// What the search found, for `explore` to turn into a `CheckResult`.
pub(crate) struct Found {
    pub(crate) stats: Stats,
    pub(crate) violated: PropertySet,
    pub(crate) counterexamples: Vec<(Property, Path)>,
    pub(crate) hang: Option<Path>,
    pub(crate) refused: Option<Path>,
    pub(crate) revoked: Option<Path>,
    pub(crate) outcomes: usize,
    pub(crate) positive: usize,
    pub(crate) cut: Option<Cut>,
}

pub(crate) fn search(
    world: &World,
    limits: Limits,
    locs: &[Loc],
    counter: Option<&AtomicUsize>,
) -> Found {
    let deadline = limits.timeout.map(|t| Instant::now() + t);
    let jobs = limits.jobs.clamp(1, 64);
    // The workers' threads, kept for the whole search (none for one worker: it runs here).
    let pool = (jobs > 1)
        .then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .build()
                .ok()
        })
        .flatten();
    let pool = pool.as_ref();
    let mut published = 0;
    let mut stats = Stats::default();
    let mut budget = Budget::new(limits.max_bytes);
    // Node ids are u32: no check stores more states than that, whatever the limits say.
    let max_states = limits.max_states.min(u32::MAX as usize);
    let mut cut: Option<Cut> = None;
    let refused = |r: Refusal| match r {
        Refusal::OverBudget => Cut::Memory {
            limit: limits.max_bytes,
        },
        Refusal::Allocator { wanted } => Cut::Allocator { wanted },
    };
    let init = world.init();
    let mut visited = Visited::new();
    let mut nodes: Chunked<Node> = Chunked::new();
    let mut level = Level::default();
    let mut next_level = Level::default();
    let mut workers: Vec<Worker> = (0..jobs).map(|_| Worker::new(&init)).collect();
    // Distinct final outcomes, by a 128-bit fingerprint of the observed values.
    let mut outcomes = FingerprintSet::new();
    let mut positive = 0;
    let mut found = Found {
        stats: Stats::default(),
        violated: PropertySet::default(),
        counterexamples: Vec::new(),
        hang: None,
        refused: None,
        revoked: None,
        outcomes: 0,
        positive: 0,
        cut: None,
    };

    // The initial state.
    let mut enc = Vec::with_capacity(256);
    init.encode(&mut enc);
    let mut longest = enc.len();
    let start = budget
        .ask(Visited::header_bytes())
        .map(|_| budget.grew(0, 0, Visited::header_bytes()))
        .and_then(|_| {
            visited.reserve(
                &one_in(shard_of(xxhash_rust::xxh3::xxh3_128(&enc))),
                &mut budget,
            )
        })
        .and_then(|_| nodes.push(node(0, 0), &mut budget))
        .and_then(|_| {
            let mut seg = Vec::new();
            let need = frontier::worst_case(enc.len());
            budget.ask(need)?;
            seg.try_reserve_exact(need)
                .map_err(|_| Refusal::Allocator { wanted: need })?;
            budget.grew(need, 0, seg.capacity());
            Writer::default().push(&enc, &mut seg);
            level.push(seg, 1);
            Ok(())
        });
    match start {
        Ok(()) => {
            let fp = xxhash_rust::xxh3::xxh3_128(&enc);
            visited.shards_mut()[shard_of(fp)].insert(key_of(fp));
        }
        Err(r) => cut = Some(refused(r)),
    }

    // The level being expanded.
    let mut depth = 0usize;
    // Decoded states of the current batch.
    let mut parents_bytes: Vec<u8> = Vec::new();
    let mut parents: Vec<(u32, u32, u32)> = Vec::new();
    // The segment being read, the states left in it, and its reader.
    let mut reading: Option<(Vec<u8>, usize, Reader)> = None;
    // The id of the next state to decode: ids are given in the order states are stored, and a
    // level is read in that order.
    let mut next_id = 0u32;
    let mut counts = vec![0u32; SHARDS];

    'levels: while level.states > 0 {
        stats.max_depth = depth;
        // The next level's states get ids from here on.
        let next_first = nodes.len() as u32;
        let mut left = level.states;
        while left > 0 {
            if let (Some(d), Some(t)) = (deadline, limits.timeout) {
                if Instant::now() >= d {
                    cut = Some(Cut::Timeout { limit: t });
                    break 'levels;
                }
            }
            let storing = cut.is_none();
            // Plan: how many states this batch takes, and buffers sized for it.
            let per = left.div_ceil(jobs).min(PER_WORKER);
            let take = (per * jobs).min(left);
            let nthreads = world.sc.actors().max(1);
            let mut want = take;
            if storing {
                let succ = per * nthreads;
                let grown = ensure(&mut parents_bytes, take * (longest + MARGIN), &mut budget)
                    .and_then(|_| ensure(&mut parents, take, &mut budget))
                    .and_then(|_| {
                        for w in workers.iter_mut() {
                            ensure(&mut w.cands, succ, &mut budget)?;
                            ensure(&mut w.bytes, succ * (longest + MARGIN), &mut budget)?;
                            ensure(&mut w.outcomes, per, &mut budget)?;
                        }
                        Ok(())
                    });
                if let Err(r) = grown {
                    cut = Some(refused(r));
                }
            }
            if cut.is_some() {
                // No more states are stored, but the ones stored are still expanded (their
                // steps may violate a property), in batches the buffers hold.
                want = (parents_bytes.capacity() / (longest + MARGIN))
                    .min(parents.capacity())
                    .clamp(1, take);
            }
            // Decode `want` states from the level.
            parents_bytes.clear();
            parents.clear();
            while parents.len() < want {
                if reading.is_none() {
                    let seg = level
                        .segments
                        .pop_front()
                        .expect("a level holds its states");
                    reading = Some((seg.0, seg.1, Reader::default()));
                }
                let (seg, n, r) = reading.as_mut().expect("a segment");
                while parents.len() < want && *n > 0 {
                    let s = r
                        .next_state(seg)
                        .expect("a segment holds its count of states");
                    longest = longest.max(s.len());
                    parents.push((next_id, parents_bytes.len() as u32, s.len() as u32));
                    parents_bytes.extend_from_slice(s);
                    next_id += 1;
                    *n -= 1;
                }
                if *n == 0 {
                    let (seg, _, _) = reading.take().expect("a segment");
                    level.bytes -= seg.capacity();
                    budget.freed(seg.capacity());
                }
            }
            left -= parents.len();

            // Expand.
            let known = Known {
                violated: found.violated,
                refused: found.refused.is_some(),
                revoked: found.revoked.is_some(),
                hang: found.hang.is_some(),
                storing: cut.is_none(),
            };
            let share = parents.len().div_ceil(jobs);
            let slices: Vec<Vec<(u32, &[u8])>> = parents
                .chunks(share.max(1))
                .map(|ch| {
                    ch.iter()
                        .map(|&(id, o, l)| (id, &parents_bytes[o as usize..(o + l) as usize]))
                        .collect()
                })
                .collect();
            let active = slices.len();
            each(pool, &mut workers[..active], |i, w| {
                w.expand(world, &slices[i], known, locs)
            });
            for w in &mut workers[active..] {
                w.cands.clear();
                w.events.clear();
                w.outcomes.clear();
            }
            drop(slices);

            // What the steps showed, in order.
            for w in &workers[..active] {
                for e in &w.events {
                    match *e {
                        Event::Violation {
                            parent,
                            thread,
                            props,
                        } => {
                            for p in props.iter() {
                                if !found.violated.contains(p) {
                                    found.violated.insert(p);
                                    let mut path = path_to(&nodes, parent);
                                    path.push(thread as usize);
                                    found.counterexamples.push((p, path));
                                }
                            }
                        }
                        Event::Refused { parent, thread } => {
                            if found.refused.is_none() {
                                let mut path = path_to(&nodes, parent);
                                path.push(thread as usize);
                                found.refused = Some(path);
                            }
                        }
                        Event::Revoked { parent, thread } => {
                            if found.revoked.is_none() {
                                let mut path = path_to(&nodes, parent);
                                path.push(thread as usize);
                                found.revoked = Some(path);
                            }
                        }
                        Event::Hang { parent } => {
                            found.violated.insert(Property::BoundedWait);
                            if found.hang.is_none() {
                                found.hang = Some(path_to(&nodes, parent));
                            }
                        }
                    }
                }
                if world.sc.condition.is_some() {
                    for &(o, pos) in &w.outcomes {
                        match outcomes.insert(o, &mut budget) {
                            Ok(true) => positive += pos as usize,
                            Ok(false) => {}
                            Err(r) => {
                                cut.get_or_insert(refused(r));
                            }
                        }
                    }
                }
            }
            if !known.storing || cut.is_some() {
                continue;
            }

            // Insert: room first, shard by shard in order, then each worker its shards.
            counts.iter_mut().for_each(|c| *c = 0);
            for w in &workers[..active] {
                for c in &w.cands {
                    counts[shard_of(c.fp)] += 1;
                }
            }
            if let Err(r) = visited.reserve(&counts, &mut budget) {
                cut = Some(refused(r));
                continue;
            }
            {
                let (outs, shards) = (&workers[..active], visited.shards_mut());
                let mut deferred: Vec<Vec<(u32, u32)>> = vec![Vec::new(); active];
                let mut parts: Vec<Part> = Vec::new();
                let mut rest = shards;
                let mut first = 0;
                for (i, d) in deferred.iter_mut().enumerate() {
                    let n = (SHARDS - first) / (active - i);
                    let (mine, r) = rest.split_at_mut(n);
                    parts.push((first, mine, d));
                    rest = r;
                    first += n;
                }
                each(pool, &mut parts, |_, (first, mine, d)| {
                    insert(outs, mine, *first, d)
                });
                drop(parts);
                let mut grown = Ok(());
                'deferred: for d in &deferred {
                    for &(w, i) in d {
                        let c = &workers[w as usize].cands[i as usize];
                        let s = shard_of(c.fp);
                        loop {
                            match visited.shards_mut()[s].insert(key_of(c.fp)) {
                                Insert::Added => {
                                    c.new.store(true, Ordering::Relaxed);
                                    break;
                                }
                                Insert::Present => break,
                                Insert::Full => {
                                    if let Err(r) = visited.grow(s, &mut budget) {
                                        grown = Err(r);
                                        break 'deferred;
                                    }
                                }
                            }
                        }
                    }
                }
                if let Err(r) = grown {
                    cut = Some(refused(r));
                    continue;
                }
            }

            // Store: ids and nodes in order, within the state and memory limits.
            for w in &mut workers[..active] {
                w.store = 0;
            }
            'store: for w in &mut workers[..active] {
                let new: Vec<(u32, u8, usize)> = w
                    .cands
                    .iter()
                    .filter(|c| c.new.load(Ordering::Relaxed))
                    .map(|c| (c.parent, c.thread, c.len as usize))
                    .collect();
                let worst: usize = new.iter().map(|&(_, _, l)| frontier::worst_case(l)).sum();
                if let Err(r) = ensure(&mut w.packed, worst, &mut budget) {
                    cut = Some(refused(r));
                    break 'store;
                }
                for (parent, thread, _) in new {
                    if nodes.len() >= max_states {
                        cut = Some(Cut::States { limit: max_states });
                        break 'store;
                    }
                    if let Err(r) = nodes.push(node(parent, thread), &mut budget) {
                        cut = Some(refused(r));
                        break 'store;
                    }
                    w.store += 1;
                }
            }
            each(pool, &mut workers[..active], |_, w| w.pack());
            for w in &mut workers[..active] {
                if w.store == 0 {
                    continue;
                }
                let n = w.packed.len();
                let seg = budget.ask(n).and_then(|_| {
                    let mut seg = Vec::new();
                    seg.try_reserve_exact(n)
                        .map_err(|_| Refusal::Allocator { wanted: n })?;
                    Ok(seg)
                });
                match seg {
                    Ok(mut seg) => {
                        seg.extend_from_slice(&w.packed);
                        budget.grew(seg.capacity(), 0, seg.capacity());
                        next_level.push(seg, w.store);
                    }
                    Err(r) => {
                        cut.get_or_insert(refused(r));
                        break;
                    }
                }
            }
            if let Some(c) = counter {
                c.fetch_add(nodes.len() - published, Ordering::Relaxed);
                published = nodes.len();
            }
        }
        level.clear(&mut budget);
        std::mem::swap(&mut level, &mut next_level);
        depth += 1;
        next_id = next_first;
    }
    level.clear(&mut budget);
    next_level.clear(&mut budget);
    if let Some((seg, _, _)) = reading.take() {
        budget.freed(seg.capacity());
    }
    if let Some(c) = counter {
        c.fetch_add(nodes.len() - published, Ordering::Relaxed);
    }
    for w in &workers {
        stats.transitions += w.transitions;
        stats.final_states += w.final_states;
        stats.hung_states += w.hung_states;
        stats.cost.add(&w.cost);
    }
    stats.states = nodes.len();
    stats.bytes = budget.peak();
    found.counterexamples.sort_by_key(|(p, _)| *p);
    found.outcomes = outcomes.len();
    found.positive = positive;
    found.stats = stats;
    found.cut = cut;
    found
}

/// A count of one for shard `s`, none for the others.
fn one_in(s: usize) -> Vec<u32> {
    let mut v = vec![0; SHARDS];
    v[s] = 1;
    v
}
