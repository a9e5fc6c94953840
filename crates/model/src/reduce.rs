//! Not kernel behaviour: the checker's quotient of the state space. Two states that no future
//! step, property check or final observation can tell apart are explored once.
//!
//! `World::canonicalize` rewrites a state into a representative of its class:
//! - `dead`: fields no future step reads are reset (a pass's `aux` outside its in-flight phase,
//!   `wb_snapshot` after the bio completed, the content of a free frame, the pinned frames of a
//!   handle no op will touch again), and write ids are renumbered by the relative order of the
//!   acknowledgements of the writes some field still holds (`acks`, `next_ack`);
//! - `frames`: frames are renumbered by what refers to them (page-cache slot, PTE, handle page,
//!   in-flight pass), and each frame's generations by their order, since only equality between
//!   a handle's recorded generation and its frame's, and "newer than every recorded one", are
//!   ever read;
//! - `threads`: threads with the same program and no handle (the benchmark's flushers, two
//!   identical workers that store and fsync) are interchangeable: their positions are sorted,
//!   an integrity pass's promises move with its thread and write ids are renamed with it, so
//!   the states where they have swapped places are one. Paths found in the quotient name the quotient's threads;
//!   `World::real_path` maps them back to the scenario's.
//!
//! Each is sound only where the model is symmetric in what it rewrites; `World::with_reduction`
//! records where frame renumbering is not (docs/model.md#state-space-reduction).

use crate::scenario::{Op, PinResult};
use crate::state::{Content, Owner, State, NONE};
use crate::world::World;

/// Which quotients the checker takes (docs/model.md#state-space-reduction). Not a kernel
/// notion: none of them changes a verdict, a violated property, a condition's answer or the
/// length of a shortest counterexample; they only make the checker store fewer states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reduction {
    /// Renumber frames (and their generations) canonically.
    pub frames: bool,
    /// Reset fields nothing will read again; renumber acknowledgements of live writes.
    pub dead: bool,
    /// Merge the states that differ only in which of two identical threads is where.
    pub threads: bool,
    /// Partial-order reduction: follow one thread's step alone where it commutes with every
    /// step the others may still take (crates/model/src/por.rs).
    pub por: bool,
}

impl Default for Reduction {
    /// Every reduction on.
    fn default() -> Self {
        Reduction::all()
    }
}

impl Reduction {
    /// Every reduction on (the checker's default).
    pub const fn all() -> Self {
        Reduction {
            frames: true,
            dead: true,
            threads: true,
            por: true,
        }
    }

    /// No reduction: every state the model can tell apart is stored.
    pub const fn none() -> Self {
        Reduction {
            frames: false,
            dead: false,
            threads: false,
            por: false,
        }
    }

    /// Whether any reduction is on.
    pub fn any(&self) -> bool {
        self.frames || self.dead || self.threads
    }

    /// The names `--no-reduce=` takes, with what each turns off.
    pub const NAMES: [(&'static str, &'static str); 4] = [
        ("frames", "canonical frame numbering and generations"),
        (
            "dead",
            "reset of fields nothing reads again, acknowledgement renumbering",
        ),
        (
            "threads",
            "thread symmetry: threads with identical programs merged",
        ),
        (
            "por",
            "partial-order reduction: one thread's step alone where it commutes with the rest",
        ),
    ];

    /// Turns off the reduction called `name` (one of `NAMES`); false for an unknown name.
    pub fn disable(&mut self, name: &str) -> bool {
        match name {
            "frames" => self.frames = false,
            "dead" => self.dead = false,
            "threads" => self.threads = false,
            "por" => self.por = false,
            _ => return false,
        }
        true
    }
}

/// What `World::with_reduction` precomputes for `canonicalize`.
#[derive(Clone, Debug)]
pub(crate) struct ReducePlan {
    pub on: Reduction,
    /// Frame renumbering is sound for this world (see `frames_sound`).
    pub renumber: bool,
    /// Per handle: (thread, index of its last op that touches the handle).
    pub handle_uses: Vec<Vec<(u8, u8)>>,
    /// Frames that must keep their numbers (`World::extra_refs`).
    pub fixed: Vec<u8>,
    /// Per litmus thread: the index of its last writeback, fsync, sync or freeze (None: none).
    pub last_pass: Vec<Option<u8>>,
    /// Classes of interchangeable threads (`World::symmetric_threads`), each of two or more,
    /// when `threads` is on.
    pub classes: Vec<Vec<u8>>,
    /// Per class: its threads write nothing and make no promises, so two of them at the same
    /// position are the same (no tie to break).
    pub plain: Vec<bool>,
    /// The partial-order reduction's footprints (empty: off).
    pub por: crate::por::PorPlan,
}

impl ReducePlan {
    /// The plain model: nothing rewritten.
    pub fn none() -> Self {
        ReducePlan {
            on: Reduction::none(),
            renumber: false,
            handle_uses: Vec::new(),
            fixed: Vec::new(),
            last_pass: Vec::new(),
            classes: Vec::new(),
            plain: Vec::new(),
            por: crate::por::PorPlan::default(),
        }
    }
}

/// writeback.rs's phase of a pass with a bio in flight (the only one that reads `aux`).
const IN_FLIGHT: u8 = 2;

fn handle_of(op: &Op) -> Option<usize> {
    match *op {
        Op::Pin { handle, .. }
        | Op::DmaWrite { handle, .. }
        | Op::DmaRead { handle, .. }
        | Op::Unpin { handle, .. } => Some(handle),
        _ => None,
    }
}

fn is_pass(op: &Op) -> bool {
    matches!(
        op,
        Op::Fsync { .. } | Op::Sync | Op::Writeback { .. } | Op::Freeze
    )
}

impl World<'_> {
    /// Not a kernel function: the same world, whose `step_into` (the checker's step) stores
    /// every successor in the canonical form `r` asks for.
    pub fn with_reduction(mut self, r: Reduction) -> Self {
        let sc = self.sc;
        let mut uses = vec![Vec::new(); sc.handles.len()];
        for (t, th) in sc.threads.iter().enumerate() {
            for (i, od) in th.ops.iter().enumerate() {
                if let Some(h) = handle_of(&od.op) {
                    let u: &mut Vec<(u8, u8)> = &mut uses[h];
                    match u.iter_mut().find(|(ut, _)| *ut as usize == t) {
                        Some(e) => e.1 = i as u8,
                        None => u.push((t as u8, i as u8)),
                    }
                }
            }
        }
        self.reduce = ReducePlan {
            on: r,
            renumber: r.frames && self.frames_sound(),
            handle_uses: uses,
            fixed: self.extra_refs().iter().map(|&(f, _)| f).collect(),
            last_pass: sc
                .threads
                .iter()
                .map(|th| {
                    th.ops
                        .iter()
                        .rposition(|od| is_pass(&od.op))
                        .map(|i| i as u8)
                })
                .collect(),
            classes: Vec::new(),
            plain: Vec::new(),
            por: crate::por::PorPlan::default(),
        };
        if r.por {
            self.reduce.por = self.por_plan();
        }
        if r.threads {
            let classes = self.symmetric_threads();
            self.reduce.plain = classes
                .iter()
                .map(|c| {
                    let t = c[0] as usize;
                    self.wids[t].iter().all(|&w| w == 0) && self.promise_base[t].is_none()
                })
                .collect();
            self.reduce.classes = classes;
        }
        self
    }

    /// Classes of litmus threads the model cannot tell apart: the same ops, none of them an op
    /// on a handle (each names its own), under no mutation. Nothing in the state is indexed by
    /// thread but a thread's position and an integrity pass's promises, which move with it, and
    /// write ids, which are renamed with it (the same op of two such threads writes the same
    /// value under two ids).
    pub fn symmetric_threads(&self) -> Vec<Vec<u8>> {
        if self.mutation.is_some() {
            return Vec::new();
        }
        let threads = &self.sc.threads;
        let movable = |t: usize| threads[t].ops.iter().all(|od| handle_of(&od.op).is_none());
        let same = |a: usize, b: usize| {
            threads[a].ops.len() == threads[b].ops.len()
                && threads[a]
                    .ops
                    .iter()
                    .zip(&threads[b].ops)
                    .all(|(x, y)| x.op == y.op)
        };
        let mut classes: Vec<Vec<u8>> = Vec::new();
        for t in (0..threads.len()).filter(|&t| movable(t)) {
            match classes.iter_mut().find(|c| same(c[0] as usize, t)) {
                Some(c) => c.push(t as u8),
                None => classes.push(vec![t as u8]),
            }
        }
        classes.retain(|c| c.len() > 1);
        classes
    }

    /// The reductions this world's `step_into` applies.
    pub fn reduction(&self) -> Reduction {
        self.reduce.on
    }

    /// Whether frame renumbering applies to this world: it does only where every free frame is
    /// interchangeable, since folio_alloc() takes the lowest free number. Not where a free frame
    /// may still be read through a handle (an op on a handle that may run after its unpin), a
    /// bio (a deliberate bug), or PG_checked's worker order (btrfs's fixup worker takes the
    /// lowest-numbered folio); nor on fs-DAX, where frame i is block i's storage.
    pub(crate) fn frames_sound(&self) -> bool {
        !self.fs.dax
            && self.fs.kernel_threads.is_empty()
            && self.mutation.is_none()
            && self.handles_not_used_after_unpin()
    }

    /// Whether no op on a handle can run after an unpin of it: otherwise a frame the unpin freed
    /// may still be reached through the handle, and which frame that is depends on allocation.
    pub(crate) fn handles_not_used_after_unpin(&self) -> bool {
        let sc = self.sc;
        (0..sc.handles.len()).all(|h| {
            let mut unpins = Vec::new();
            let mut uses = Vec::new();
            for (t, th) in sc.threads.iter().enumerate() {
                for (i, od) in th.ops.iter().enumerate() {
                    match od.op {
                        Op::Unpin { handle, .. } if handle == h => {
                            unpins.push((t, i));
                            uses.push((t, i));
                        }
                        Op::DmaWrite { handle, .. } | Op::DmaRead { handle, .. } if handle == h => {
                            uses.push((t, i))
                        }
                        _ => {}
                    }
                }
            }
            let after = |&(t, i): &(usize, usize), &(ut, ui): &(usize, usize)| {
                (t, i) != (ut, ui) && (t != ut || i > ui)
            };
            !unpins.iter().any(|u| uses.iter().any(|x| after(x, u)))
        })
    }

    /// Whether some op at or after thread `t`'s pc may still touch handle `h`.
    fn handle_used_later(&self, s: &State, h: usize) -> bool {
        self.reduce.handle_uses[h]
            .iter()
            .any(|&(t, last)| s.threads[t as usize].pc <= last)
    }

    /// Whether the handle's `pinned` entries can still be read: by an op on it, by a design's
    /// scan of live pins, or by the mmu notifier (fault-capable devices).
    /// A failed pin (its DMA and unpin are skipped) and a revoked one (they fail first) are
    /// never read again; an unpinned one only by an op on it that is still to run.
    fn pins_live(&self, s: &State, h: usize) -> bool {
        let hs = s.handles[h];
        if hs.revoked || matches!(hs.result, PinResult::Err(_)) {
            return false;
        }
        !hs.released || self.handle_used_later(s, h)
    }

    /// Whether a durability check may still come: only a writeback pass (its completions, an
    /// fsync's return) or, on fs-DAX, a copy into the storage compares write ids.
    fn durability_checked_later(&self, s: &State) -> bool {
        self.fs.dax
            || self
                .reduce
                .last_pass
                .iter()
                .enumerate()
                .any(|(t, l)| l.is_some_and(|l| s.threads[t].pc <= l))
    }

    /// Whether thread `t` is a writeback pass with a bio in flight on frame `aux`.
    fn aux_live(&self, s: &State, t: usize) -> bool {
        let ts = s.threads[t];
        ts.phase == IN_FLIGHT
            && self
                .sc
                .threads
                .get(t)
                .and_then(|th| th.ops.get(ts.pc as usize))
                .is_some_and(|od| is_pass(&od.op))
    }

    /// Not a kernel function: the checker's quotient by frame renaming and by fields nothing
    /// reads again; rewrites `s` into the representative of its class (`Reduction`).
    pub fn canonicalize(&self, s: &mut State) {
        self.canonicalize_permuting(s, None)
    }

    /// `canonicalize`, also saying where the threads went: `perm[new] = old` (its length is
    /// `actors()`), so thread `perm[t]` of the state before is thread `t` of the canonical form.
    pub fn canonicalize_permuting(&self, s: &mut State, mut perm: Option<&mut Vec<usize>>) {
        if let Some(p) = perm.as_deref_mut() {
            p.clear();
            p.extend(0..self.actors());
        }
        let on = self.reduce.on;
        if on.dead {
            self.reset_dead(s);
        }
        for (c, &plain) in self.reduce.classes.iter().zip(&self.reduce.plain) {
            self.sort_threads(s, c, plain, perm.as_deref_mut());
        }
        if on.frames {
            self.renumber_generations(s);
            if self.reduce.renumber {
                self.renumber_frames(s);
            }
        }
    }

    /// `threads`: the class's threads in the order of their positions (pc, cursor, phase, aux),
    /// then of the acknowledgements of their writes, then of their promises. An integrity pass's
    /// promises move with its thread, and write ids are renamed: the write of op i of the thread
    /// moved to place `new` becomes op i's write id of thread `new`, wherever an id is held.
    fn sort_threads(
        &self,
        s: &mut State,
        class: &[u8],
        plain: bool,
        perm: Option<&mut Vec<usize>>,
    ) {
        let per = self.promise_len();
        let promises = |s: &State, t: u8| -> Vec<u8> {
            match self.promise_slot(t as usize, 0, 0) {
                Some(b) => s.promises[b..b + per].to_vec(),
                None => Vec::new(),
            }
        };
        let key = |s: &State, t: u8| {
            let ts = s.threads[t as usize];
            let acks: Vec<u8> = self.wids[t as usize]
                .iter()
                .filter(|&&w| w != 0)
                .map(|&w| s.acks[w as usize])
                .collect();
            ((ts.pc, ts.cursor, ts.phase, ts.aux), acks, promises(s, t))
        };
        let pos = |t: &u8| {
            let ts = s.threads[*t as usize];
            (ts.pc, ts.cursor, ts.phase, ts.aux)
        };
        if class.windows(2).all(|w| {
            let (a, b) = (pos(&w[0]), pos(&w[1]));
            a < b || (plain && a == b)
        }) {
            // Already in order, with no tie to break (the common case: no allocation).
            return;
        }
        let keys: Vec<_> = class.iter().map(|&t| key(s, t)).collect();
        if keys.windows(2).all(|k| k[0] <= k[1]) {
            return;
        }
        // order[k]: the member (index into class) that moves to place class[k].
        let mut order: Vec<usize> = (0..class.len()).collect();
        order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        let old_threads: Vec<_> = class.iter().map(|&t| s.threads[t as usize]).collect();
        // The keys already hold each member's promises.
        let old_promises: Vec<Vec<u8>> = keys.into_iter().map(|k| k.2).collect();
        // Old write id -> new write id (identity outside the class).
        let mut rename = [0u8; 256];
        for (w, r) in rename.iter_mut().enumerate() {
            *r = w as u8;
        }
        for (k, &new) in class.iter().enumerate() {
            let old = class[order[k]];
            s.threads[new as usize] = old_threads[order[k]];
            if let Some(b) = self.promise_slot(new as usize, 0, 0) {
                s.promises[b..b + per].copy_from_slice(&old_promises[order[k]]);
            }
            for (&wo, &wn) in self.wids[old as usize].iter().zip(&self.wids[new as usize]) {
                rename[wo as usize] = wn;
            }
        }
        if rename.iter().enumerate().any(|(w, &r)| r != w as u8) {
            let map = |w: &mut u8| {
                if *w != NONE {
                    *w = rename[*w as usize]
                }
            };
            for f in s.frames.iter_mut() {
                map(&mut f.content.write);
                map(&mut f.wb_snapshot.write);
            }
            for b in s.blocks.iter_mut() {
                map(&mut b.content.write);
            }
            for p in s.pages.iter_mut() {
                map(&mut p.durable);
            }
            for p in s.promises.iter_mut() {
                map(p);
            }
            let old_acks = s.acks.clone();
            for (w, &a) in old_acks.iter().enumerate() {
                s.acks[rename[w] as usize] = a;
            }
        }
        if let Some(p) = perm {
            let before: Vec<usize> = class.iter().map(|&t| p[t as usize]).collect();
            for (k, &new) in class.iter().enumerate() {
                p[new as usize] = before[order[k]];
            }
        }
    }

    /// The write id of op `op` of thread `t` (0: the op writes nothing).
    pub fn write_id(&self, t: usize, op: usize) -> u8 {
        self.wids[t][op]
    }

    /// Not a kernel function: a path the checker found in the quotient (each step names a
    /// thread of the canonical state it leaves) as the same execution of the plain model, from
    /// its initial state. The identity without thread symmetry.
    pub fn real_path(&self, path: &[usize]) -> Vec<usize> {
        if self.reduce.classes.is_empty() {
            return path.to_vec();
        }
        let mut s = self.init();
        let mut next = s.clone();
        let mut real: Vec<usize> = (0..self.actors()).collect();
        let mut perm = Vec::new();
        let mut info = crate::world::StepInfo::default();
        path.iter()
            .map(|&t| {
                let r = real[t];
                assert!(
                    self.step_full(&s, t, &mut next, &mut info, false, false)
                        == crate::world::Moved::Done,
                    "a path the checker found does not replay in its quotient"
                );
                self.canonicalize_permuting(&mut next, Some(&mut perm));
                real = perm.iter().map(|&old| real[old]).collect();
                std::mem::swap(&mut s, &mut next);
                r
            })
            .collect()
    }

    /// `dead`: resets what no future step reads, and renumbers acknowledgements.
    fn reset_dead(&self, s: &mut State) {
        for t in 0..self.sc.threads.len() {
            if !self.aux_live(s, t) {
                s.threads[t].aux = 0;
            }
        }
        for f in s.frames.iter_mut() {
            if f.wb_block == NONE {
                // folio_end_writeback() of a bio that is gone never reads it.
                f.wb_snapshot = Content::default();
                if f.owner == Owner::Free {
                    // folio_alloc() overwrites it, and no DMA reads a free frame.
                    f.content = Content::default();
                }
            }
        }
        for h in 0..self.sc.handles.len() {
            if !self.pins_live(s, h) {
                for k in 0..self.handle_len(h) {
                    s.pinned[self.handle_slot(h, k)] = (NONE, 0);
                }
            }
        }
        if !self.durability_checked_later(s) {
            // Write ids are only ever compared by a durability check: none will come.
            for f in s.frames.iter_mut() {
                f.content.write = 0;
                f.wb_snapshot.write = 0;
            }
            for b in s.blocks.iter_mut() {
                b.content.write = 0;
            }
            for p in s.pages.iter_mut() {
                p.durable = NONE;
            }
            for p in s.promises.iter_mut() {
                *p = NONE;
            }
        }
        self.renumber_acks(s);
    }

    /// Only the order of the acknowledgements of writes some field still holds is ever read
    /// (`State::older`): they become 1..=n in that order, the others 0, and `next_ack` n.
    fn renumber_acks(&self, s: &mut State) {
        // Write ids are at most limits::MAX_OPS < 256: a bit each.
        let mut live = [0u64; 4];
        let mut mark = |w: u8| {
            if w != NONE {
                live[w as usize / 64] |= 1 << (w % 64);
            }
        };
        for f in &s.frames {
            mark(f.content.write);
            mark(f.wb_snapshot.write);
        }
        for b in &s.blocks {
            mark(b.content.write);
        }
        for p in &s.pages {
            mark(p.durable);
        }
        for &p in &s.promises {
            mark(p);
        }
        // Order the live writes by acknowledgement (distinct values: one ack per write), as
        // (ack, write) pairs; write 0 is the initial content, acknowledged before everything.
        let mut order = [(0u8, 0u8); 256];
        let mut k = 0;
        for (w, a) in s.acks.iter_mut().enumerate().skip(1) {
            if live[w / 64] & (1 << (w % 64)) != 0 && *a != 0 {
                order[k] = (*a, w as u8);
                k += 1;
            } else {
                *a = 0;
            }
        }
        let order = &mut order[..k];
        order.sort_unstable();
        for (rank, &(_, w)) in order.iter().enumerate() {
            s.acks[w as usize] = rank as u8 + 1;
        }
        s.next_ack = k as u8;
    }

    /// `frames`: each frame's generation and the generations handles recorded for it become
    /// 1..=n in their order; the frame's own is the newest, so a reuse still makes it newer
    /// than every recorded one.
    fn renumber_generations(&self, s: &mut State) {
        let faults = self.fault_slots();
        for fr in 0..s.frames.len() {
            let own = s.frames[fr].gen;
            // Distinct recorded generations below the frame's own (a pin records the current
            // generation, and generations only grow).
            let mut below = [0u8; 8];
            let mut nb = 0;
            let mut many = false;
            for (i, &(f, g)) in s.pinned.iter().enumerate() {
                if f as usize == fr && g < own && !faults.contains(&i) && !below[..nb].contains(&g)
                {
                    if nb == below.len() {
                        many = true;
                        break;
                    }
                    below[nb] = g;
                    nb += 1;
                }
            }
            if many {
                continue;
            }
            let below = &mut below[..nb];
            below.sort_unstable();
            debug_assert!(
                s.pinned
                    .iter()
                    .enumerate()
                    .all(|(i, &(f, g))| f as usize != fr || g <= own || faults.contains(&i)),
                "a handle recorded a generation newer than its frame's"
            );
            for (i, e) in s.pinned.iter_mut().enumerate() {
                if e.0 as usize == fr && !faults.contains(&i) {
                    e.1 = match below.iter().position(|&g| g == e.1) {
                        Some(r) => r as u8 + 1,
                        None => nb as u8 + 1,
                    };
                }
            }
            s.frames[fr].gen = nb as u8 + 1;
        }
    }

    /// `frames`: renumbers frames by the first location that refers to them (page-cache slot,
    /// PTE, handle page, in-flight pass: each refers to one frame, so referenced frames never
    /// tie), unreferenced ones (free, after `dead`) by content; frames others hold with `refs=`
    /// keep their numbers (`World::extra_refs`).
    fn renumber_frames(&self, s: &mut State) {
        let n = s.frames.len();
        if n < 2 {
            return;
        }
        const UNREF: u16 = u16::MAX;
        let mut first = [UNREF; 256];
        let mut loc: u16 = 0;
        let mut note = |fr: u8, loc: u16| {
            if fr != NONE && first[fr as usize] == UNREF {
                first[fr as usize] = loc;
            }
        };
        for p in &s.pages {
            note(p.cache, loc);
            loc += 1;
        }
        for p in &s.ptes {
            note(p.frame, loc);
            loc += 1;
        }
        for &(f, _) in &s.pinned {
            note(f, loc);
            loc += 1;
        }
        let mut in_flight = [false; crate::limits::MAX_THREADS];
        for (t, fl) in in_flight.iter_mut().enumerate().take(self.sc.threads.len()) {
            if self.aux_live(s, t) {
                *fl = true;
                note(s.threads[t].aux, loc);
            }
            loc += 1;
        }
        // A free frame still referenced would make renumbering unsound: with_reduction ruled
        // it out; a model change that breaks that must fail loudly, not lose a verdict.
        for (fr, f) in s.frames.iter().enumerate() {
            if f.owner == Owner::Free && (first[fr] != UNREF || f.wb_block != NONE) {
                let live = s.pages.iter().any(|p| p.cache == fr as u8)
                    || s.ptes.iter().any(|p| p.frame == fr as u8)
                    || (0..self.sc.handles.len()).any(|h| {
                        self.pins_live(s, h)
                            && (0..self.handle_len(h))
                                .any(|k| s.pinned[self.handle_slot(h, k)].0 == fr as u8)
                    })
                    || (0..self.sc.threads.len())
                        .any(|t| in_flight[t] && s.threads[t].aux == fr as u8)
                    || f.wb_block != NONE;
                assert!(
                    !live,
                    "{}: free frame #{fr} is still referenced: frame renumbering is unsound here",
                    self.sc.name
                );
            }
        }
        // new index -> old index, over the frames that may move.
        let mut order = [0u8; 256];
        let mut m = 0;
        for fr in 0..n {
            if !self.reduce.fixed.contains(&(fr as u8)) {
                order[m] = fr as u8;
                m += 1;
            }
        }
        let order = &mut order[..m];
        let cmp = |a: &u8, b: &u8| {
            first[*a as usize].cmp(&first[*b as usize]).then_with(|| {
                s.frames[*a as usize]
                    .bytes()
                    .cmp(&s.frames[*b as usize].bytes())
            })
        };
        if order.windows(2).all(|w| cmp(&w[0], &w[1]).is_le()) {
            return;
        }
        order.sort_by(cmp);
        // old index -> new index.
        let mut to = [0u8; 256];
        for (fr, t) in to.iter_mut().enumerate().take(n) {
            *t = fr as u8;
        }
        let mut slots = (0..n as u8).filter(|f| !self.reduce.fixed.contains(f));
        for &old in order.iter() {
            to[old as usize] = slots.next().expect("as many slots as movable frames");
        }
        let old = s.frames.clone();
        for (fr, f) in old.into_iter().enumerate() {
            s.frames[to[fr] as usize] = f;
        }
        let map = |fr: u8| if fr == NONE { NONE } else { to[fr as usize] };
        for p in s.pages.iter_mut() {
            p.cache = map(p.cache);
        }
        for p in s.ptes.iter_mut() {
            p.frame = map(p.frame);
        }
        for e in s.pinned.iter_mut() {
            e.0 = map(e.0);
        }
        for (t, &fl) in in_flight.iter().enumerate().take(self.sc.threads.len()) {
            if fl {
                s.threads[t].aux = map(s.threads[t].aux);
            }
        }
    }
}
