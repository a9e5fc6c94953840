//! The search itself: level-synchronous breadth-first search, in batches, on `jobs` workers,
//! with the same result whatever the number of workers.
//!
//! A level's states are taken in batches, in the order they were stored. Each batch goes
//! through three phases:
//! - **expand** (parallel): each worker regenerates (or decodes, when the level was kept) a
//!   contiguous share of the batch's states, steps every thread of each, and writes down the successors (encoding, 128-bit fingerprint, parent, thread) and
//!   what the steps showed (violations, refusals, hangs, final outcomes), in (parent, thread)
//!   order;
//! - **insert** (parallel): the visited set's shards are split among the workers; each inserts,
//!   in the batch's global (parent, thread) order, the successors that fall in its shards, so
//!   the first successor to reach a state is the one that keeps it, as in a one-core search;
//! - **store** (ids and budget in order on one core, compression on all): the new states get
//!   the next ids in that same order and a path node each, and, when the next level is kept,
//!   a compressed place in it.
//!
//! Ids, parents and so counterexamples follow from that order alone, which no worker's timing
//! changes: state counts, verdicts and counterexamples are those of a one-core search. Memory
//! is asked of the budget only on one core, in a fixed order, so a given `jobs` stops at the same
//! state whatever the timing (a different `jobs` holds different working buffers, and may stop
//! elsewhere).

use crate::frontier::{self, Reader, Writer};
use crate::memory::{Budget, FingerprintSet, Refusal};
use crate::model::Model;
use crate::nodes::{Cursor, Nodes};
use crate::visited::{key_of, shard_of, Insert, Shard, Visited, SHARDS};
use crate::{Cut, Limits, Path, Stats};
use pinlab_model::cost::Cost;
use pinlab_model::property::{Property, PropertySet};
use pinlab_model::{Moved, StepInfo};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// States a worker expands per batch at most.
const PER_WORKER: usize = 4096;
/// Bytes a worker's successors of one batch may take (large states make smaller batches).
const BATCH_BYTES: usize = 8 << 20;
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

/// The shortest path to `id` the nodes record: the thread of each step from the initial state.
pub(crate) fn path_to(nodes: &Nodes, mut id: u32) -> Path {
    let mut p = Vec::new();
    let mut cur = Cursor::default();
    while id != 0 {
        let (parent, thread) = nodes.get(&mut cur, id);
        p.push(thread as usize);
        id = parent;
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
    /// The partial-order reduction applies (`Model::por_thread`).
    por: bool,
}

/// A level kept in compressed form (`frontier`): its segments in id order, each with the id of
/// its first state and how many it holds.
struct Checkpoint {
    depth: usize,
    segs: Vec<(u32, u32, Vec<u8>)>,
    states: usize,
    /// The segments' bytes, as the budget counts them.
    bytes: usize,
}

impl Checkpoint {
    fn new(depth: usize) -> Checkpoint {
        Checkpoint {
            depth,
            segs: Vec::new(),
            states: 0,
            bytes: 0,
        }
    }

    fn free(self, budget: &mut Budget) {
        budget.freed(self.bytes);
    }

    /// Compressed bytes per state so far (a first guess before any).
    fn bytes_per_state(&self) -> usize {
        if self.states == 0 {
            48
        } else {
            self.bytes.div_ceil(self.states)
        }
    }
}

/// The search's shared, read-only view while workers expand: the model, the path nodes and the
/// checkpoint states are regenerated from.
struct View<'a, M> {
    model: &'a M,
    nodes: &'a Nodes,
    ck: &'a Checkpoint,
}

/// "No state" in a walk's slot.
const NO_ID: u32 = u32::MAX;

/// A worker's way to the states of the level it expands: a reader of the checkpoint, and one
/// state per level since, regenerated from its parent by replaying the step its node records.
/// Ids only grow within a level and a state's parent never has a larger id than a later
/// state's parent, so each ancestor is regenerated once per pass, not once per descendant.
struct Walk<S> {
    ck_depth: usize,
    seg: usize,
    reader: Reader,
    /// The id `reader` gives next.
    next: u32,
    /// Slot k: a state at depth `ck_depth + k`, and its id; and a cursor in the nodes of that
    /// depth.
    slots: Vec<(u32, S)>,
    cursors: Vec<Cursor>,
    /// Scratch: the (depth, id, thread) of the states to regenerate.
    chain: Vec<(usize, u32, u8)>,
    /// Scratch: the replayed steps' reports.
    info: StepInfo,
}

impl<S: Clone> Walk<S> {
    fn new() -> Walk<S> {
        Walk {
            ck_depth: usize::MAX,
            seg: 0,
            reader: Reader::default(),
            next: NO_ID,
            slots: Vec::new(),
            cursors: Vec::new(),
            chain: Vec::new(),
            info: StepInfo::default(),
        }
    }

    /// The state `id`, at `depth`.
    fn state<M: Model<State = S>>(&mut self, v: &View<M>, id: u32, depth: usize, init: &S) -> &S {
        if self.ck_depth != v.ck.depth {
            self.ck_depth = v.ck.depth;
            self.next = NO_ID;
            self.slots.iter_mut().for_each(|s| s.0 = NO_ID);
        }
        let k = depth - v.ck.depth;
        while self.slots.len() <= k {
            self.slots.push((NO_ID, init.clone()));
            self.cursors.push(Cursor::default());
        }
        // Up the parents to the first state held (or the checkpoint)...
        let mut chain = std::mem::take(&mut self.chain);
        chain.clear();
        let (mut j, mut cur) = (k, id);
        while self.slots[j].0 != cur {
            if j == 0 {
                self.read(v.model, v.ck, cur);
                break;
            }
            let (parent, thread) = v.nodes.get(&mut self.cursors[j], cur);
            chain.push((j, cur, thread));
            cur = parent;
            j -= 1;
        }
        // ...and down again, one recorded step a level.
        for &(j, cur, t) in chain.iter().rev() {
            let t = t as usize;
            let (lo, hi) = self.slots.split_at_mut(j);
            let done = v.model.step(&lo[j - 1].1, t, &mut hi[0].1, &mut self.info) == Moved::Done;
            assert!(done, "a stored state's step replays");
            hi[0].0 = cur;
        }
        self.chain = chain;
        &self.slots[k].1
    }

    /// Decodes the checkpoint's state `id` into slot 0.
    fn read<M: Model<State = S>>(&mut self, model: &M, ck: &Checkpoint, id: u32) {
        let inside = |s: &(u32, u32, Vec<u8>)| s.0 <= id && id < s.0 + s.1;
        if self.next == NO_ID || id < self.next || !ck.segs.get(self.seg).is_some_and(inside) {
            self.seg = ck.segs.partition_point(|s| s.0 + s.1 <= id);
            self.reader = Reader::default();
            self.next = ck.segs[self.seg].0;
        }
        let seg = &ck.segs[self.seg].2;
        loop {
            let enc = self
                .reader
                .next_state(seg)
                .expect("a checkpoint holds its states");
            self.next += 1;
            if self.next - 1 == id {
                model.decode(enc, &mut self.slots[0].1);
                self.slots[0].0 = id;
                return;
            }
        }
    }
}

/// One worker's scratch states and its output for the current batch. Aligned to two cache lines,
/// so that two workers' counters, updated at every step, never share one.
#[repr(align(128))]
struct Worker<S> {
    walk: Walk<S>,
    /// Made on the worker's own thread at its first step (see `each`).
    next: Option<S>,
    buf: Vec<u8>,
    /// The report of the step just taken (reused: see `Model::step`).
    info: StepInfo,
    cands: Vec<Cand>,
    bytes: Vec<u8>,
    events: Vec<Event>,
    /// Final states: the outcome's fingerprint, and whether it satisfies the condition.
    outcomes: Vec<(u128, bool)>,
    transitions: usize,
    final_states: usize,
    /// States expanded through one thread's step alone (partial-order reduction).
    por_states: usize,
    hung_states: usize,
    cost: Cost,
    /// The longest successor encoding it has written.
    longest: usize,
    /// The new states of the batch this worker stores, compressed (when the next level is a
    /// checkpoint).
    packed: Vec<u8>,
    /// How many of this worker's new states are stored (a limit may cut the batch short), and
    /// the id of the first.
    store: usize,
    first: u32,
}

impl<S: Clone> Worker<S> {
    fn new() -> Worker<S> {
        Worker {
            walk: Walk::new(),
            next: None,
            buf: Vec::new(),
            info: StepInfo::default(),
            cands: Vec::new(),
            bytes: Vec::new(),
            events: Vec::new(),
            outcomes: Vec::new(),
            transitions: 0,
            final_states: 0,
            por_states: 0,
            hung_states: 0,
            cost: Cost::default(),
            longest: 0,
            packed: Vec::new(),
            store: 0,
            first: 0,
        }
    }

    /// Expand phase: steps every thread of the states `ids` of level `depth`.
    fn expand<M: Model<State = S>>(
        &mut self,
        v: &View<M>,
        ids: std::ops::Range<u32>,
        depth: usize,
        init: &S,
        known: Known,
    ) {
        let Worker {
            walk,
            next,
            buf,
            info,
            cands,
            bytes,
            events,
            outcomes,
            transitions,
            final_states,
            por_states,
            hung_states,
            cost,
            longest,
            ..
        } = self;
        cands.clear();
        bytes.clear();
        events.clear();
        outcomes.clear();
        let next = next.get_or_insert_with(|| init.clone());
        let model = v.model;
        let nthreads = model.threads();
        let condition = model.condition().is_some();
        for id in ids {
            let s = walk.state(v, id, depth, init);
            let mut moved = false;
            // A persistent set of one thread's step: the other threads are not stepped here.
            let only = if known.por {
                model.por_thread(s, next, info)
            } else {
                None
            };
            *por_states += usize::from(only.is_some());
            for t in 0..nthreads {
                let stepped = match only {
                    // `por_thread` left this step's successor and report in `next` and `info`.
                    Some(a) if a == t => Moved::Done,
                    Some(_) => continue,
                    None => model.step(s, t, next, info),
                };
                match stepped {
                    Moved::Done => {}
                    Moved::Blocked(fp) => {
                        cost.false_positives += fp;
                        continue;
                    }
                    Moved::Finished => continue,
                }
                moved = true;
                *transitions += 1;
                cost.add(&info.cost);
                if info.violations.0 & !known.violated.0 != 0 {
                    events.push(Event::Violation {
                        parent: id,
                        thread: t as u8,
                        props: info.violations,
                    });
                }
                if info.refused && !known.refused {
                    events.push(Event::Refused {
                        parent: id,
                        thread: t as u8,
                    });
                }
                if info.revoked && !known.revoked {
                    events.push(Event::Revoked {
                        parent: id,
                        thread: t as u8,
                    });
                }
                if known.storing {
                    buf.clear();
                    model.encode(next, buf);
                    *longest = (*longest).max(buf.len());
                    cands.push(Cand {
                        fp: xxhash_rust::xxh3::xxh3_128(buf),
                        parent: id,
                        thread: t as u8,
                        new: AtomicBool::new(false),
                        off: bytes.len() as u32,
                        len: buf.len() as u32,
                    });
                    bytes.extend_from_slice(buf);
                }
            }
            if !moved {
                if model.finished(s) {
                    *final_states += 1;
                    if condition {
                        let (o, holds) = model.outcome(s);
                        let mut h = xxhash_rust::xxh3::Xxh3::new();
                        o.hash(&mut h);
                        outcomes.push((h.digest128(), holds));
                    }
                } else {
                    *hung_states += 1;
                    if !known.hang {
                        events.push(Event::Hang { parent: id });
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
fn insert<S>(
    workers: &[Worker<S>],
    shards: &mut [Shard],
    first: usize,
    deferred: &mut Vec<(u32, u32)>,
) {
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

/// Runs `f` on each item: item i on the pool's thread i when there is a pool, else here.
///
/// Always the same thread for the same worker: what a worker allocates comes from its own
/// thread's heap, so two workers' scratch states never share a cache line (when they did, every
/// step's writes bounced the line between the cores and two workers ran no faster than one).
fn each<T: Send>(
    pool: Option<&rayon::ThreadPool>,
    items: &mut [T],
    f: impl Fn(usize, &mut T) + Sync,
) {
    match pool {
        Some(p) if items.len() > 1 => {
            let slots: Vec<std::sync::Mutex<&mut T>> =
                items.iter_mut().map(std::sync::Mutex::new).collect();
            p.broadcast(|ctx| {
                if let Some(m) = slots.get(ctx.index()) {
                    let mut x = m.lock().unwrap_or_else(|e| e.into_inner());
                    f(ctx.index(), &mut x)
                }
            });
        }
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

/// The frontier a search may keep in compressed form: `floor` bytes, plus `per_state` per
/// stored state. A level that would take more is not kept; its states are regenerated from the
/// last level kept (the checkpoint) when their turn comes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keep {
    pub(crate) floor: usize,
    pub(crate) per_state: usize,
}

pub(crate) const KEEP: Keep = Keep {
    floor: 4 << 20,
    per_state: 2,
};

pub(crate) fn search<M: Model>(model: &M, limits: Limits, counter: Option<&AtomicUsize>) -> Found {
    search_keeping(model, limits, counter, KEEP)
}

/// `search`, keeping at most what `keep` allows of the frontier.
pub(crate) fn search_keeping<M: Model>(
    model: &M,
    limits: Limits,
    counter: Option<&AtomicUsize>,
    keep: Keep,
) -> Found {
    let deadline = limits.timeout.map(|t| Instant::now() + t);
    let jobs = limits.jobs.clamp(1, 64);
    let por_on = limits.reduce.por && model.por_on();
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
    // Node ids are u32 (and u32::MAX means none): no check stores more states than that.
    let max_states = limits.max_states.min(u32::MAX as usize - 1);
    let mut cut: Option<Cut> = None;
    let refused = |r: Refusal| match r {
        Refusal::OverBudget => Cut::Memory {
            limit: limits.max_bytes,
        },
        Refusal::Allocator { wanted } => Cut::Allocator { wanted },
    };
    let init = model.init();
    let mut visited = Visited::new();
    let mut nodes = Nodes::new();
    let mut workers: Vec<Worker<M::State>> = (0..jobs).map(|_| Worker::new()).collect();
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

    // The initial state: id 0, level 0, the first checkpoint.
    let mut enc = Vec::with_capacity(256);
    model.encode(&init, &mut enc);
    let mut longest = enc.len();
    let fp = xxhash_rust::xxh3::xxh3_128(&enc);
    let mut ck = Checkpoint::new(0);
    let start = budget
        .ask(Visited::header_bytes())
        .map(|_| budget.grew(0, 0, Visited::header_bytes()))
        .and_then(|_| visited.reserve(&one_in(shard_of(fp)), &mut budget))
        .and_then(|_| nodes.push(0, 0, &mut budget))
        .and_then(|_| {
            let mut seg = Vec::new();
            let need = frontier::worst_case(enc.len());
            budget.ask(need)?;
            seg.try_reserve_exact(need)
                .map_err(|_| Refusal::Allocator { wanted: need })?;
            budget.grew(need, 0, seg.capacity());
            Writer::default().push(&enc, &mut seg);
            ck.bytes += seg.capacity();
            ck.states += 1;
            ck.segs.push((0, 1, seg));
            Ok(())
        });
    match start {
        Ok(()) => {
            visited.shards_mut()[shard_of(fp)].insert(key_of(fp));
        }
        Err(r) => cut = Some(refused(r)),
    }

    // The level being expanded: its depth and ids; the size of the one before.
    let mut depth = 0usize;
    // (Nothing to expand if the initial state could not be kept whole.)
    let (mut lo, mut hi) = (0u32, if cut.is_some() { 0 } else { nodes.len() as u32 });
    let mut before = 1usize;
    let mut counts = vec![0u32; SHARDS];

    'levels: while lo < hi {
        stats.max_depth = depth;
        // Keep the next level too, if it is likely to fit in what the frontier may hold.
        let size = (hi - lo) as usize;
        let guess = size * size.div_ceil(before.max(1)).max(1);
        let allowance = |states: usize| keep.floor.saturating_add(keep.per_state * states);
        let mut writing = (cut.is_none()
            && guess * ck.bytes_per_state() <= allowance(nodes.len() + guess))
        .then(|| Checkpoint::new(depth + 1));
        let mut at = lo;
        while at < hi {
            if let (Some(d), Some(t)) = (deadline, limits.timeout) {
                if Instant::now() >= d {
                    cut = Some(Cut::Timeout { limit: t });
                    if let Some(w) = writing.take() {
                        w.free(&mut budget);
                    }
                    break 'levels;
                }
            }
            // Plan: how many states this batch takes, and buffers sized for it.
            let left = (hi - at) as usize;
            let nthreads = model.threads().max(1);
            // At most PER_WORKER states a worker, and successors that fit in BATCH_BYTES.
            let fits = BATCH_BYTES / (nthreads * (longest + MARGIN + std::mem::size_of::<Cand>()));
            let per = left.div_ceil(jobs).min(PER_WORKER).min(fits.max(1));
            let take = (per * jobs).min(left);
            if cut.is_none() {
                let succ = per * nthreads;
                let grown = workers.iter_mut().try_for_each(|w| {
                    ensure(&mut w.cands, succ, &mut budget)?;
                    ensure(&mut w.bytes, succ * (longest + MARGIN), &mut budget)?;
                    ensure(&mut w.outcomes, per, &mut budget)
                });
                if let Err(r) = grown {
                    cut = Some(refused(r));
                }
            }

            // Expand.
            let known = Known {
                violated: found.violated,
                refused: found.refused.is_some(),
                revoked: found.revoked.is_some(),
                hang: found.hang.is_some(),
                storing: cut.is_none(),
                por: por_on,
            };
            let share = take.div_ceil(jobs) as u32;
            let active = take.div_ceil(share as usize);
            {
                let view = View {
                    model,
                    nodes: &nodes,
                    ck: &ck,
                };
                let (view, init) = (&view, &init);
                each(pool, &mut workers[..active], |i, w| {
                    let from = at + i as u32 * share;
                    let to = (from + share).min(at + take as u32);
                    w.expand(view, from..to, depth, init, known)
                });
            }
            at += take as u32;
            for w in &mut workers[..active] {
                longest = longest.max(w.longest);
            }

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
                if model.condition().is_some() {
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
                w.first = nodes.len() as u32;
                if writing.is_some() {
                    let worst: usize = w
                        .cands
                        .iter()
                        .filter(|c| c.new.load(Ordering::Relaxed))
                        .map(|c| frontier::worst_case(c.len as usize))
                        .sum();
                    if let Err(r) = ensure(&mut w.packed, worst, &mut budget) {
                        cut = Some(refused(r));
                        break 'store;
                    }
                }
                for c in w.cands.iter().filter(|c| c.new.load(Ordering::Relaxed)) {
                    if nodes.len() >= max_states {
                        cut = Some(Cut::States { limit: max_states });
                        break 'store;
                    }
                    if let Err(r) = nodes.push(c.parent, c.thread, &mut budget) {
                        cut = Some(refused(r));
                        break 'store;
                    }
                    w.store += 1;
                }
            }
            if writing.is_some() {
                each(pool, &mut workers[..active], |_, w| w.pack());
                for w in &mut workers[..active] {
                    if w.store == 0 {
                        continue;
                    }
                    let Some(ckw) = writing.as_mut() else {
                        break;
                    };
                    let n = w.packed.len();
                    // A level that outgrows what the frontier may hold is dropped: its states
                    // will be regenerated from the checkpoint instead.
                    if ckw.bytes + n > allowance(nodes.len()) {
                        if let Some(w) = writing.take() {
                            w.free(&mut budget);
                        }
                        break;
                    }
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
                            ckw.bytes += seg.capacity();
                            ckw.states += w.store;
                            ckw.segs.push((w.first, w.store as u32, seg));
                        }
                        Err(r) => {
                            // The states are in the path nodes and could be regenerated, but
                            // a budget that cannot hold what the search planned is a limit.
                            cut.get_or_insert(refused(r));
                            if let Some(w) = writing.take() {
                                w.free(&mut budget);
                            }
                            break;
                        }
                    }
                }
            }
            if let Some(c) = counter {
                c.fetch_add(nodes.len() - published, Ordering::Relaxed);
                published = nodes.len();
            }
        }
        // The next level, kept whole, is the checkpoint from now on.
        if let Some(w) = writing.take() {
            if w.states == nodes.len() - hi as usize {
                std::mem::replace(&mut ck, w).free(&mut budget);
            } else {
                w.free(&mut budget);
            }
        }
        before = size;
        depth += 1;
        (lo, hi) = (hi, nodes.len() as u32);
    }
    ck.free(&mut budget);
    if let Some(c) = counter {
        c.fetch_add(nodes.len() - published, Ordering::Relaxed);
    }
    for w in &workers {
        stats.transitions += w.transitions;
        stats.final_states += w.final_states;
        stats.por_states += w.por_states;
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

#[cfg(test)]
mod tests {
    use super::*;
    use pinlab_model::design::Design;
    use pinlab_model::{Reduction, World};

    /// Everything a check reports but its bytes.
    fn summary(f: &Found) -> String {
        let mut st = f.stats.clone();
        st.bytes = 0;
        format!(
            "{st:?} {:?} {:?} {:?} {:?} {:?} {} {} {:?}",
            f.violated,
            f.counterexamples,
            f.hang,
            f.refused,
            f.revoked,
            f.outcomes,
            f.positive,
            f.cut
        )
    }

    /// Regenerating states from the last kept level finds exactly what keeping every level
    /// finds, whether the kept level is the previous one or the initial state, on one worker
    /// and on three.
    #[test]
    fn regenerated_levels_are_the_kept_ones() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut scs: Vec<_> = pinlab_litmus::parse_folder(&dir.join("../../litmus"))
            .unwrap()
            .into_iter()
            .map(|(sc, _)| sc)
            .collect();
        let text = std::fs::read_to_string(dir.join("benches/stress.litmus")).unwrap();
        scs.push(pinlab_litmus::parse("stress.litmus", &text).unwrap());
        let all = Keep {
            floor: usize::MAX,
            per_state: 0,
        };
        let none = Keep {
            floor: 0,
            per_state: 0,
        };
        let some = Keep {
            floor: 0,
            per_state: 3,
        };
        for sc in &scs {
            for (i, d) in Design::presets().into_iter().enumerate() {
                // Half the checks on the plain model, half reduced.
                let r = if i % 2 == 0 {
                    Reduction::none()
                } else {
                    Reduction::all()
                };
                let w = World::new(sc, d).with_reduction(r);
                let limits = |jobs| Limits {
                    max_states: 60_000,
                    max_bytes: usize::MAX,
                    timeout: None,
                    jobs,
                    reduce: r,
                };
                let want = summary(&search_keeping(&w, limits(1), None, all));
                for (keep, jobs) in [(none, 1), (none, 3), (some, 1), (some, 2)] {
                    let got = summary(&search_keeping(&w, limits(jobs), None, keep));
                    assert_eq!(
                        got,
                        want,
                        "{} under {} keeping {keep:?} on {jobs}",
                        sc.name,
                        d.name()
                    );
                }
            }
        }
    }

    /// Two threads adding to a shared counter up to `k`, thread 0 one at a time and thread 1
    /// two; each also counts its own steps, so a state replayed from the wrong parent or
    /// with the wrong thread differs.
    struct Adders {
        k: u8,
    }

    impl Model for Adders {
        type State = [u8; 3];
        type Outcome = u8;
        fn init(&self) -> [u8; 3] {
            [0; 3]
        }
        fn threads(&self) -> usize {
            2
        }
        fn encode(&self, s: &[u8; 3], out: &mut Vec<u8>) {
            out.extend_from_slice(s)
        }
        fn decode(&self, b: &[u8], into: &mut [u8; 3]) {
            into.copy_from_slice(b)
        }
        fn step(&self, s: &[u8; 3], t: usize, next: &mut [u8; 3], info: &mut StepInfo) -> Moved {
            info.reset();
            let add = t as u8 + 1;
            if s[0] + add > self.k {
                return Moved::Finished;
            }
            *next = *s;
            next[0] += add;
            next[1 + t] += 1;
            Moved::Done
        }
        fn finished(&self, s: &[u8; 3]) -> bool {
            s[0] + 1 > self.k
        }
        fn condition(&self) -> Option<pinlab_model::scenario::Quantifier> {
            Some(pinlab_model::scenario::Quantifier::Exists)
        }
        fn outcome(&self, s: &[u8; 3]) -> (u8, bool) {
            (s[1], s[1] > s[2])
        }
    }

    /// The same on a toy model: nothing in the regeneration depends on the page-cache model.
    #[test]
    fn regenerated_toy_levels_are_the_kept_ones() {
        let m = Adders { k: 40 };
        let limits = |jobs| Limits {
            max_states: usize::MAX,
            max_bytes: usize::MAX,
            timeout: None,
            jobs,
            reduce: Reduction::all(),
        };
        let keep = |floor, per_state| Keep { floor, per_state };
        let want = summary(&search_keeping(&m, limits(1), None, keep(usize::MAX, 0)));
        for (k, jobs) in [
            (keep(0, 0), 1),
            (keep(0, 0), 3),
            (keep(0, 3), 1),
            (keep(0, 3), 2),
        ] {
            let got = summary(&search_keeping(&m, limits(jobs), None, k));
            assert_eq!(got, want, "keeping {k:?} on {jobs}");
        }
    }
}
