//! Not kernel behaviour: the checker's partial-order reduction (docs/checker.md).
//!
//! At a state where one litmus thread's next step is independent of every step the other
//! threads may still take, the checker follows that step alone: the other interleavings reach
//! states that differ only in the order of steps that commute. The step is a persistent set of
//! one (C1) when its op's footprint — what it may read and write — conflicts with the footprint
//! of no op any other thread still has to run, and the cycle proviso holds because the step
//! advances its thread (pc, cursor, phase), which no other step undoes. Footprints are per op
//! and deliberately coarse: page slots, and one bit each for the shared pools and counters; an
//! op this table does not describe touches everything.
//!
//! Sound only where every op's effects stay within its footprint: not with filesystem kernel
//! threads (their queue is shared by every op), not on fs-DAX (frame i is block i), not where an
//! op on a handle may run after its unpin (a freed frame may then be reached through it), and
//! not under a deliberate bug (`Mutation`).

use crate::scenario::{MapKind, Op};
use crate::state::State;
use crate::world::{Moved, StepInfo, World};

/// Bits 0..64: page slots (`World::slot`); then one bit per shared resource.
const ACK: u128 = 1 << 64;
/// folio_alloc()'s free list: which frame the next allocation takes, and how many there are.
const FRAMES: u128 = 1 << 65;
/// Block allocation and reservations (the free-block count ENOSPC reads).
const BLOCKS: u128 = 1 << 66;
const FREEZE: u128 = 1 << 67;
/// i_size of every file.
const SIZES: u128 = 1 << 68;
/// Whether each mapping is mapped and writable.
const MAPS: u128 = 1 << 69;
/// Every handle's result, release, lease and revocation, and its pinned frames.
const HANDLES: u128 = 1 << 70;
const REGS: u128 = 1 << 71;
const COMPLETIONS: u128 = 1 << 72;
const SEALS: u128 = 1 << 73;
const ALL: u128 = u128::MAX;

/// What an op may read and what it may write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Footprint {
    read: u128,
    write: u128,
}

impl Footprint {
    const ALL: Footprint = Footprint {
        read: ALL,
        write: ALL,
    };

    fn conflicts(self, o: Footprint) -> bool {
        self.write & (o.read | o.write) != 0 || self.read & o.write != 0
    }

    fn union(self, o: Footprint) -> Footprint {
        Footprint {
            read: self.read | o.read,
            write: self.write | o.write,
        }
    }
}

/// What `World::with_reduction` precomputes for the partial-order reduction.
#[derive(Clone, Debug, Default)]
pub(crate) struct PorPlan {
    /// Per litmus thread and op: the op's footprint.
    ops: Vec<Vec<Footprint>>,
    /// Per litmus thread and op: the union of the footprints of that op and every later one.
    rest: Vec<Vec<Footprint>>,
}

impl PorPlan {
    pub(crate) fn on(&self) -> bool {
        !self.ops.is_empty()
    }
}

impl World<'_> {
    /// The partial-order reduction's plan, or an empty one where it is not sound (module doc).
    pub(crate) fn por_plan(&self) -> PorPlan {
        // The conditions of frame renumbering (`frames_sound`), for the same reasons.
        if !self.frames_sound() {
            return PorPlan::default();
        }
        let ops: Vec<Vec<Footprint>> = self
            .sc
            .threads
            .iter()
            .map(|th| th.ops.iter().map(|od| self.footprint(&od.op)).collect())
            .collect();
        let rest = ops
            .iter()
            .map(|o| {
                let mut acc = Footprint::default();
                let mut r: Vec<Footprint> = o
                    .iter()
                    .rev()
                    .map(|&f| {
                        acc = acc.union(f);
                        acc
                    })
                    .collect();
                r.reverse();
                r
            })
            .collect();
        PorPlan { ops, rest }
    }

    /// What `op` may read and write, by the code of its steps (module doc). Ops on private or
    /// anonymous mappings, and devices that fault pages in, touch everything.
    fn footprint(&self, op: &Op) -> Footprint {
        let slot = |f: usize, p: u8| 1u128 << self.slot(f, p);
        let file = |f: usize| (0..crate::limits::MAX_FILE_PAGES).fold(0u128, |m, p| m | slot(f, p));
        let shared = |m: usize| match self.sc.maps[m].kind {
            MapKind::File {
                file, shared: true, ..
            } => Some(file),
            _ => None,
        };
        let fp = |read, write| Footprint { read, write };
        let h = self.design.handling;
        match *op {
            // handle_mm_fault(): the mapping, EOF, freeze and seals; filemap_fault() may take a
            // frame; ->page_mkwrite may reserve blocks; the store is acknowledged.
            Op::Store { map, page, .. } => match shared(map) {
                Some(f) => fp(
                    MAPS | SIZES | FREEZE | SEALS,
                    slot(f, page) | FRAMES | BLOCKS | ACK,
                ),
                None => Footprint::ALL,
            },
            Op::Load { map, page, .. } => match shared(map) {
                Some(f) => fp(MAPS | SIZES | FREEZE | SEALS, slot(f, page) | FRAMES | REGS),
                None => Footprint::ALL,
            },
            Op::Write { file: f, page, .. } => fp(
                FREEZE | SEALS,
                slot(f, page) | FRAMES | BLOCKS | ACK | SIZES,
            ),
            Op::Read { file: f, page, .. } => fp(SIZES, slot(f, page) | FRAMES | REGS),
            // The device reaches the frame it pinned, which belongs to that page (or is its
            // orphan or bounce page) until an unpin, which touches everything.
            Op::DmaWrite { handle, page, .. } | Op::DmaRead { handle, page, .. } => {
                let (m, start) = self.handle_map(handle);
                let faults = self.sc.devices[self.handle_device(handle)]
                    .kind
                    .rules()
                    .faults;
                match shared(m) {
                    Some(f) if !faults => match op {
                        Op::DmaWrite { .. } => fp(HANDLES, slot(f, start + page) | ACK),
                        _ => fp(HANDLES | slot(f, start + page), REGS),
                    },
                    _ => Footprint::ALL,
                }
            }
            // write_cache_pages() over one file: its pages, their PTEs (folio_mkclean), blocks,
            // bounce frames; the pins of those pages when the design revokes them.
            Op::Fsync { file: f } | Op::Writeback { file: f } => {
                let handles = if h.revoke || h.layout_lease {
                    HANDLES
                } else {
                    0
                };
                fp(
                    SIZES | FREEZE | MAPS | HANDLES,
                    file(f) | BLOCKS | FRAMES | handles,
                )
            }
            Op::Complete { .. } | Op::WaitForCompletion { .. } => fp(0, COMPLETIONS),
            _ => Footprint::ALL,
        }
    }

    /// Whether this world's checker step applies the partial-order reduction.
    pub fn por_on(&self) -> bool {
        self.reduce.por.on()
    }

    /// Whether litmus thread `t`'s current op, by the footprints, conflicts with no op any
    /// other thread may still run from `s` (false when the reduction is off).
    pub fn por_independent(&self, s: &State, t: usize) -> bool {
        let plan = &self.reduce.por;
        let Some(&own) = plan
            .ops
            .get(t)
            .and_then(|o| o.get(s.threads[t].pc as usize))
        else {
            return false;
        };
        (0..plan.ops.len()).all(|u| {
            u == t
                || plan.rest[u]
                    .get(s.threads[u].pc as usize)
                    .is_none_or(|&other| !own.conflicts(other))
        })
    }

    /// Not a kernel function: the thread whose step alone the checker follows from `s` (a
    /// persistent set of one), or None to follow every thread. With Some(t), `next` and `info`
    /// hold that step's successor (in canonical form, as `step_reusing` gives it) and report;
    /// otherwise their content is meaningless.
    pub fn por_thread(&self, s: &State, next: &mut State, info: &mut StepInfo) -> Option<usize> {
        if !self.reduce.por.on() {
            return None;
        }
        let t = (0..self.reduce.por.ops.len()).find(|&t| {
            self.por_independent(s, t)
                && self.step_full(s, t, next, info, false, false) == Moved::Done
                && {
                    let (a, b) = (s.threads[t], next.threads[t]);
                    (b.pc, b.cursor, b.phase) > (a.pc, a.cursor, a.phase)
                }
        })?;
        if self.reduce.on.any() {
            self.canonicalize(next);
        }
        Some(t)
    }
}
