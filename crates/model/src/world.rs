//! A scenario under a design: the initial state and the atomic steps the checker interleaves.
//!
//! `World::step` runs one thread's next atomic step on a copy of the state. Everything inside a
//! step is atomic, as under the folio lock; a step that would sleep (waiting for writeback, a
//! pin, a thaw) reports `Blocked` and leaves the state alone.

use crate::design::{Design, PinRef};
use crate::fs::{FsRules, KernelWork};
use crate::history::Event;
use crate::property::{Property, PropertySet};
use crate::scenario::{Loc, MapKind, Observed, Op, PinResult, Scenario};
use crate::state::{
    Block, Content, Frame, HandleState, MapState, Owner, PageSlot, Pte, State, ThreadState, NONE,
};
use crate::trace::{Call, Change};

/// Most page slots a file can have (files grow by write(2) and truncate up to this).
pub use crate::limits::MAX_FILE_PAGES;

pub struct World<'a> {
    pub sc: &'a Scenario,
    pub design: Design,
    pub fs: &'static FsRules,
    /// Pages must not change under writeback (data checksums, or an integrity device).
    pub stable: bool,
    file_base: Vec<usize>,
    map_base: Vec<usize>,
    handle_base: Vec<usize>,
    handle_len: Vec<u8>,
    /// The device each handle is pinned through, and the mapping and first page it pins.
    handle_device: Vec<usize>,
    handle_map: Vec<usize>,
    handle_start: Vec<u8>,
    /// Handle page slots of page-fault-capable devices (their device page tables).
    fault_slots: Vec<usize>,
    /// Per handle page slot: (handle, page of the handle).
    slot_handle: Vec<(u8, u8)>,
    /// Frames that start with `refs=K` extra references, and K (computed by `init`).
    extra_refs: Vec<(u8, u16)>,
    /// Write id of each op (0 for ops that write nothing), per thread.
    pub(crate) wids: Vec<Vec<u8>>,
    n_writes: usize,
    /// Per litmus thread: the first of its `State::promises` slots, for threads that run
    /// fsync, sync or freeze (each has a slot per file page).
    pub(crate) promise_base: Vec<Option<usize>>,
    n_promises: usize,
    /// A deliberate bug, for mutation tests only (see `Mutation`).
    pub mutation: Option<Mutation>,
    /// The checker's state-space reduction (`with_reduction`); none by default.
    pub(crate) reduce: crate::reduce::ReducePlan,
}

/// Deliberate bugs at single points of the model. The mutation tests check that each one makes
/// the checker report the property it breaks: a checker that cannot see these cannot be trusted
/// to see the designs' failures either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// folio_mkclean() forgets to write-protect the PTEs.
    NoMkclean,
    /// folio_wait_stable() does not wait for writeback.
    NoStableWait,
    /// fsync does not wait for writeback already in flight.
    IntegrityNoWait,
    /// ->page_mkwrite and ->write_begin reserve no space.
    NoReserve,
    /// truncate does not wait for writeback.
    TruncateNoWritebackWait,
    /// GUP takes no reference on the pages it returns.
    PinNoRef,
    /// write faults do not wait for a frozen filesystem.
    NoFreezeWait,
}

/// What a step did.
#[derive(Debug, Default)]
pub struct StepInfo {
    pub violations: PropertySet,
    /// A pin the application could otherwise have had was refused by the design.
    pub refused: bool,
    /// Device access was revoked.
    pub revoked: bool,
    /// What the step's mechanisms cost.
    pub cost: crate::cost::Cost,
    /// With tracing on: the kernel functions called and what they decided, in order.
    pub calls: Vec<crate::trace::Call>,
    /// With tracing on: each violation and why.
    pub why: Vec<(Property, String)>,
    /// With recording on (`World::step_recording`): what happened, as facts (`history`).
    pub events: Vec<Event>,
}

// Returned by value once per step of a replay or a test; the checker's hot loop uses `step_into`.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    Done(State, StepInfo),
    Blocked,
    Finished,
}

/// What `step_reusing` did; the report is in the `StepInfo` it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    Done,
    /// The thread waits (see `StepInto::Blocked`).
    Blocked(u64),
    Finished,
}

impl StepInfo {
    /// Back to what `default()` gives, keeping the vectors' allocations.
    pub fn reset(&mut self) {
        self.violations = PropertySet::default();
        self.refused = false;
        self.revoked = false;
        self.cost = crate::cost::Cost::default();
        self.calls.clear();
        self.why.clear();
        self.events.clear();
    }
}

/// What `step_into` did.
pub enum StepInto {
    Done(StepInfo),
    /// The thread waits; the number is the `folio_maybe_dma_pinned()` false positives that made
    /// it wait (so a wait on a false positive is counted though the step never happens).
    Blocked(u64),
    Finished,
}

/// Why an operation stopped short inside a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The step would sleep: discard it.
    Blocked,
    /// VM_FAULT_SIGBUS (beyond EOF, or ENOSPC in ->page_mkwrite).
    Sigbus,
    /// VM_FAULT_SIGSEGV / -EFAULT: no mapping, or a write to a read-only VMA.
    Segv,
    /// A read fault that maps the shared zero page, which reads 0: on a hole of an fs-DAX file
    /// (which GUP never pins), or of a PROT_READ anonymous mapping (which FOLL_PIN does not pin
    /// but returns).
    ZeroPage,
}

/// The step under construction: the next state and what happened.
pub(crate) struct Ctx<'w, 'a, 's> {
    pub w: &'w World<'a>,
    pub s: &'s mut State,
    /// The step's report, reused from step to step by the checker (`step_reusing`).
    pub info: &'s mut StepInfo,
    pub trace: bool,
    /// Record the step's history events.
    pub record: bool,
    pub thread: usize,
}

impl<'a> Ctx<'_, 'a, '_> {
    /// One step of a filesystem kernel thread; None when it has nothing queued.
    pub fn kernel_work(&mut self, work: KernelWork) -> Option<Result<(), Stop>> {
        (work.run)(self)
    }

    /// Records a history event (when recording).
    pub fn emit(&mut self, e: impl FnOnce() -> Event) {
        if self.record {
            self.info.events.push(e());
        }
    }

    pub fn mutated(&self, m: Mutation) -> bool {
        // Without the `mutations` feature the check folds away, and with it every bug's branch.
        cfg!(feature = "mutations") && self.w.mutation == Some(m)
    }

    /// Records a kernel call in the trace (when tracing): the closure runs only then, so an
    /// untraced step builds no call and no sentence.
    pub fn call(&mut self, f: impl FnOnce() -> Call) {
        if self.trace {
            self.info.calls.push(f());
        }
    }

    pub fn violate(&mut self, p: Property, why: impl FnOnce() -> String) {
        // fs-tolerant removes the assumption `mkwrite-contract` checks (docs/model.md#properties).
        if p == Property::MkwriteContract && self.w.design.handling.fs_tolerant {
            return;
        }
        self.info.violations.insert(p);
        if self.trace {
            self.info.why.push((p, why()));
        }
    }

    /// A content's value by name; borrowed from the scenario, not from the step, so holding it
    /// costs no allocation.
    pub fn val(&self, c: Content) -> &'a str {
        let sc: &'a Scenario = self.w.sc;
        sc.value_name(c.value)
    }

    /// folio_alloc(): allocates a frame (lowest free index, as a deterministic free list).
    pub fn alloc_frame(&mut self, owner: Owner, content: Content) -> u8 {
        let idx = match self.s.frames.iter().position(|f| f.owner == Owner::Free) {
            Some(i) => i,
            None => {
                // The parser refuses a scenario that could need more (limits::frames_needed):
                // a frame numbered NONE would be no frame at all.
                assert!(
                    self.s.frames.len() < crate::limits::MAX_FRAMES,
                    "{}: more than {} frames, past limits::frames_needed()",
                    self.w.sc.name,
                    crate::limits::MAX_FRAMES
                );
                self.s.frames.push(Frame {
                    owner: Owner::Free,
                    content: Content::default(),
                    refcount: 0,
                    pincount: 0,
                    mapcount: 0,
                    flags: 0,
                    gen: 0,
                    wb_snapshot: Content::default(),
                    wb_block: NONE,
                });
                self.s.frames.len() - 1
            }
        };
        let f = &mut self.s.frames[idx];
        f.owner = owner;
        f.content = content;
        f.refcount = 0;
        f.pincount = 0;
        f.mapcount = 0;
        f.flags = 0;
        // An op allocates a frame number at most once, and there are at most MAX_OPS ops, so
        // a stale handle's generation never comes round again (a wrap would hide a
        // use-after-free): checked, not assumed.
        f.gen = f
            .gen
            .checked_add(1)
            .expect("a frame number allocated more often than there are ops");
        f.wb_block = NONE;
        f.wb_snapshot = Content::default();
        let frame = idx as u8;
        self.emit(|| Event::FrameAlloc {
            frame,
            owner,
            content,
        });
        frame
    }

    /// folio_put(): drops `n` references and frees the frame at zero.
    pub fn folio_put(&mut self, fr: u8, n: u16) {
        let f = &mut self.s.frames[fr as usize];
        f.refcount = f.refcount.saturating_sub(u32::from(n));
        // fs-DAX pages are storage: an idle one stays where it is.
        if f.refcount == 0 && !matches!(f.owner, Owner::Dax { .. } | Owner::DaxFree) {
            f.owner = Owner::Free;
            f.flags = 0;
            f.mapcount = 0;
            f.pincount = 0;
            self.call(|| {
                Call::new("free_frame", format!("free_frame(#{fr})"))
                    .frame(fr)
                    .change(Change::Freed { frame: fr })
            });
            self.emit(|| Event::FrameFree { frame: fr });
        }
    }

    /// What `folio_maybe_dma_pinned()` answers under the design's tracking, without counting
    /// or tracing (for scans that only decide whether a page is worth a step).
    pub fn maybe_pinned(&self, fr: u8) -> bool {
        let f = &self.s.frames[fr as usize];
        match self.w.design.tracking.pin_ref {
            PinRef::Plain => false,
            PinRef::Bias => f.refcount >= u32::from(crate::design::GUP_PIN_COUNTING_BIAS),
            PinRef::Exact => f.pincount > 0,
            PinRef::FileRange => match f.owner {
                Owner::Cache { file, page } => self.range_pinned(file as usize, page),
                _ => f.pincount > 0,
            },
            PinRef::Sticky => f.has(crate::state::pg::GOT),
        }
    }

    /// virtual-vma: a pseudo-VMA of a live pin covers `file`/`page` in the inode's i_mmap tree
    /// (from the pin's first page on: a pin in progress already holds its first pages).
    fn range_pinned(&self, file: usize, page: u8) -> bool {
        (0..self.w.sc.handles.len()).any(|h| {
            let hs = self.s.handles[h];
            if matches!(hs.result, PinResult::Err(_)) || hs.released {
                return false;
            }
            let dev = self.w.sc.devices[self.w.handle_device(h)].kind.rules();
            let (map, start) = self.w.handle_map(h);
            if !dev.foll_pin
                || dev.faults
                || !matches!(self.w.sc.maps[map].kind, MapKind::File { file: f, .. } if f == file)
                || page < start
                || page >= start + self.w.handle_len(h)
            {
                return false;
            }
            let (fr, _) = self.s.pinned[self.w.handle_slot(h, page - start)];
            // A gup-bounce pin holds a bounce page, not the file range.
            fr != NONE && !matches!(self.s.frames[fr as usize].owner, Owner::Bounce { .. })
        })
    }

    /// folio_maybe_dma_pinned(): what the design's tracking can tell about a frame, at a point
    /// where the answer decides what the kernel does (false positives are counted there).
    pub fn folio_maybe_dma_pinned(&mut self, fr: u8) -> bool {
        let answer = self.maybe_pinned(fr);
        if answer && self.s.frames[fr as usize].pincount == 0 {
            self.info.cost.false_positives += 1;
            let rc = self.s.frames[fr as usize].refcount;
            self.call(|| {
                Call::new("folio_maybe_dma_pinned", format!("folio_maybe_dma_pinned(#{fr}) = true, but no GUP user pins it (refcount {rc}): a false positive")).frame(fr)
            });
        }
        answer
    }

    /// Records that write `wid` completed (it is now acknowledged data).
    pub fn ack(&mut self, wid: u8) {
        self.s.next_ack += 1;
        self.s.acks[wid as usize] = self.s.next_ack;
        self.emit(|| Event::Ack { write: wid });
    }

    pub fn content(&self, value: crate::scenario::Value) -> Content {
        let wid = self.w.wids[self.thread][self.s.threads[self.thread].pc as usize];
        Content { value, write: wid }
    }

    /// Finishes the current op: the thread moves to its next one.
    pub fn next_op(&mut self) {
        let t = &mut self.s.threads[self.thread];
        t.pc += 1;
        t.cursor = 0;
        t.phase = 0;
        t.aux = 0;
        let thread = self.thread as u8;
        self.emit(|| Event::OpDone { thread });
    }

    pub fn slot(&self, file: usize, page: u8) -> usize {
        self.w.slot(file, page)
    }
}

impl<'a> World<'a> {
    /// Panics on a scenario beyond the parser's limits (`limits::within_limits`): the state's
    /// counters are sized for those.
    pub fn new(sc: &'a Scenario, design: Design) -> World<'a> {
        if let Err(e) = crate::limits::within_limits(sc) {
            panic!("{}: {e}", sc.name);
        }
        let fs = sc.fs.kind.rules();
        let mut file_base = Vec::new();
        let mut n = 0;
        for _ in &sc.files {
            file_base.push(n);
            n += MAX_FILE_PAGES as usize;
        }
        let mut map_base = Vec::new();
        let mut n = 0;
        for m in &sc.maps {
            map_base.push(n);
            n += m.pages(&sc.files) as usize;
        }
        let mut handle_base = vec![0; sc.handles.len()];
        let mut handle_len = vec![0; sc.handles.len()];
        let mut handle_device = vec![0; sc.handles.len()];
        let mut handle_map = vec![0; sc.handles.len()];
        let mut handle_start = vec![0; sc.handles.len()];
        let mut fault_slots = Vec::new();
        let mut slot_handle = Vec::new();
        let mut wids = Vec::new();
        let mut n_writes = 0usize;
        let mut hb = 0;
        for t in &sc.threads {
            let mut tw = Vec::new();
            for o in &t.ops {
                match o.op {
                    Op::Store { .. } | Op::Write { .. } | Op::DmaWrite { .. } => {
                        // At most MAX_OPS < 255 (limits): every write has its own id.
                        n_writes += 1;
                        tw.push(n_writes as u8);
                    }
                    _ => tw.push(0),
                }
                if let Op::Pin {
                    handle,
                    device,
                    map,
                    start,
                    end,
                    ..
                } = o.op
                {
                    handle_device[handle] = device;
                    handle_map[handle] = map;
                    handle_start[handle] = start;
                    if sc.devices[device].kind.rules().faults {
                        fault_slots.extend(hb..hb + (end - start) as usize);
                    }
                    handle_base[handle] = hb;
                    handle_len[handle] = end - start;
                    hb += (end - start) as usize;
                    slot_handle.extend((0..end - start).map(|k| (handle as u8, k)));
                }
            }
            wids.push(tw);
        }
        let mut promise_base = Vec::new();
        let mut n_promises = 0;
        let per = sc.files.len() * MAX_FILE_PAGES as usize;
        for t in &sc.threads {
            let integrity = t
                .ops
                .iter()
                .any(|o| matches!(o.op, Op::Fsync { .. } | Op::Sync | Op::Freeze));
            promise_base.push(integrity.then_some(n_promises));
            if integrity {
                n_promises += per;
            }
        }
        let mut w = World {
            sc,
            design,
            fs,
            stable: fs.data_checksums || sc.fs.integrity,
            file_base,
            map_base,
            handle_base,
            handle_len,
            handle_device,
            handle_map,
            handle_start,
            fault_slots,
            slot_handle,
            extra_refs: Vec::new(),
            wids,
            n_writes,
            promise_base,
            n_promises,
            mutation: None,
            reduce: crate::reduce::ReducePlan::none(),
        };
        let (_, extra) = w.build_init();
        w.extra_refs = extra;
        w
    }

    /// The value write `wid` stores (write 0 is the initial content).
    pub fn write_value(&self, wid: u8) -> crate::scenario::Value {
        for (t, ops) in self.sc.threads.iter().enumerate() {
            for (i, o) in ops.ops.iter().enumerate() {
                if self.wids[t][i] == wid {
                    if let Op::Store { value, .. }
                    | Op::Write { value, .. }
                    | Op::DmaWrite { value, .. } = o.op
                    {
                        return value;
                    }
                }
            }
        }
        Default::default()
    }

    /// The same world with a deliberate bug (mutation tests). Only with the `mutations`
    /// feature, which only the checker's tests turn on: a release build cannot be given a bug.
    #[cfg(feature = "mutations")]
    pub fn mutated(mut self, m: Mutation) -> Self {
        self.mutation = Some(m);
        self.reduce.renumber = self.reduce.on.frames && self.frames_sound();
        // As `symmetric_threads` says: no thread symmetry under a deliberate bug.
        self.reduce.classes.clear();
        self.reduce.plain.clear();
        self.reduce.por = crate::por::PorPlan::default();
        self
    }

    pub fn slot(&self, file: usize, page: u8) -> usize {
        self.file_base[file] + page as usize
    }
    /// The `State::promises` slot of thread `t`'s integrity pass for `file`/`page`, if `t` runs
    /// one.
    pub fn promise_slot(&self, t: usize, file: usize, page: u8) -> Option<usize> {
        self.promise_base
            .get(t)
            .copied()
            .flatten()
            .map(|b| b + self.slot(file, page))
    }
    /// The `State::promises` slots of one thread that runs an integrity pass: one per file page.
    pub fn promise_len(&self) -> usize {
        self.sc.files.len() * MAX_FILE_PAGES as usize
    }
    /// Litmus threads, then the filesystem's kernel threads (`FsRules::kernel_threads`): the
    /// checker interleaves them all.
    pub fn actors(&self) -> usize {
        self.sc.actors()
    }
    pub fn pte(&self, map: usize, page: u8) -> usize {
        self.map_base[map] + page as usize
    }
    pub fn handle_slot(&self, h: usize, k: u8) -> usize {
        self.handle_base[h] + k as usize
    }
    pub fn handle_device(&self, h: usize) -> usize {
        self.handle_device[h]
    }
    pub fn handle_len(&self, h: usize) -> u8 {
        self.handle_len[h]
    }
    /// The mapping a handle pins and the page of it that the handle's page 0 is.
    pub fn handle_map(&self, h: usize) -> (usize, u8) {
        (self.handle_map[h], self.handle_start[h])
    }
    pub fn fault_slots(&self) -> &[usize] {
        &self.fault_slots
    }
    /// The (handle, page of the handle) a handle page slot belongs to.
    pub fn slot_handle(&self, hs: usize) -> (u8, u8) {
        self.slot_handle[hs]
    }
    /// Frames holding `refs=K` references from others, with K.
    pub fn extra_refs(&self) -> &[(u8, u16)] {
        &self.extra_refs
    }
    pub fn map_pages(&self, m: usize) -> u8 {
        self.sc.maps[m].pages(&self.sc.files)
    }

    /// The state before any thread runs: files on disk (tmpfs files in memory), nothing cached
    /// or mapped (but pages of `refs=` files, which others hold in the page cache).
    pub fn init(&self) -> State {
        self.build_init().0
    }

    fn build_init(&self) -> (State, Vec<(u8, u16)>) {
        let sc = self.sc;
        let s = State {
            threads: vec![ThreadState::default(); sc.actors()],
            frames: Vec::new(),
            sizes: sc.files.iter().map(|f| f.pages).collect(),
            pages: vec![
                PageSlot {
                    cache: NONE,
                    block: NONE,
                    reserved: false,
                    durable: NONE,
                    unwritten: false,
                };
                sc.files.len() * MAX_FILE_PAGES as usize
            ],
            blocks: Vec::new(),
            maps: sc
                .maps
                .iter()
                .map(|m| MapState {
                    mapped: true,
                    writable: match m.kind {
                        MapKind::Anon { writable, .. } | MapKind::File { writable, .. } => writable,
                    },
                })
                .collect(),
            ptes: vec![
                Pte {
                    frame: NONE,
                    writable: false
                };
                sc.maps.iter().map(|m| m.pages(&sc.files) as usize).sum()
            ],
            handles: vec![
                HandleState {
                    result: PinResult::Pending,
                    released: false,
                    lease: false,
                    revoked: false,
                };
                sc.handles.len()
            ],
            pinned: vec![
                (NONE, 0);
                // Every handle's pages, whatever order the handles were numbered in.
                self.handle_len.iter().map(|&n| n as usize).sum()
            ],
            regs: vec![Observed::None; sc.regs.len()],
            acks: vec![0; self.n_writes + 1],
            next_ack: 0,
            freeze: crate::state::freeze::UNFROZEN,
            promises: vec![NONE; self.n_promises],
            completions: vec![0; sc.completions.len()],
            sealed: 0,
        };
        let mut s = s;
        let mut info = StepInfo::default();
        let mut ctx = Ctx {
            w: self,
            s: &mut s,
            info: &mut info,
            trace: false,
            record: false,
            thread: 0,
        };
        let mut extra = Vec::new();
        for (fi, f) in sc.files.iter().enumerate() {
            for (p, d) in f.data.iter().enumerate() {
                let Some(v) = d else { continue };
                let content = Content {
                    value: *v,
                    write: 0,
                };
                let slot = self.slot(fi, p as u8);
                if self.fs.backing {
                    ctx.s.blocks.push(Block {
                        content,
                        used: true,
                    });
                    ctx.s.pages[slot].block = (ctx.s.blocks.len() - 1) as u8;
                } else {
                    // Memory-only filesystems keep their data in the page cache.
                    let fr = ctx.alloc_frame(
                        Owner::Cache {
                            file: fi as u8,
                            page: p as u8,
                        },
                        content,
                    );
                    ctx.s.frames[fr as usize].refcount = 1;
                    ctx.s.pages[slot].cache = fr;
                }
            }
        }
        if self.fs.backing {
            for _ in 0..sc.fs.blocks {
                ctx.s.blocks.push(Block {
                    content: Content::default(),
                    used: false,
                });
            }
        }
        if self.fs.dax {
            // Persistent memory: frame i is the storage of block i, for the whole run.
            ctx.s.frames.clear();
            for b in 0..ctx.s.blocks.len() {
                let owner = (0..sc.files.len())
                    .flat_map(|fi| (0..MAX_FILE_PAGES).map(move |p| (fi, p)))
                    .find(|&(fi, p)| ctx.s.pages[self.slot(fi, p)].block == b as u8)
                    .map_or(Owner::DaxFree, |(fi, p)| Owner::Dax {
                        file: fi as u8,
                        page: p,
                    });
                ctx.s.frames.push(Frame {
                    owner,
                    content: ctx.s.blocks[b].content,
                    refcount: 0,
                    pincount: 0,
                    mapcount: 0,
                    flags: 0,
                    gen: 1,
                    wb_snapshot: Content::default(),
                    wb_block: NONE,
                });
            }
        } else {
            // Others hold these pages in the page cache with `refs=K` references.
            for (fi, f) in sc.files.iter().enumerate() {
                if f.refs == 0 {
                    continue;
                }
                for p in 0..f.pages {
                    let fr = match ctx.filemap_get_folio(fi, p) {
                        Ok(fr) => fr,
                        Err(_) => continue,
                    };
                    ctx.s.frames[fr as usize].refcount += u32::from(f.refs);
                    extra.push((fr, f.refs));
                }
            }
        }
        (s, extra)
    }

    /// True when every litmus thread has run all its ops (kernel threads never finish; an
    /// idle one cannot step, so a state where only it could is final).
    pub fn finished(&self, s: &State) -> bool {
        s.threads
            .iter()
            .zip(&self.sc.threads)
            .all(|(t, d)| t.pc as usize >= d.ops.len())
    }

    /// Runs thread `t`'s next atomic step.
    pub fn step(&self, s: &State, t: usize, trace: bool) -> Step {
        let mut next = s.clone();
        let mut info = StepInfo::default();
        match self.step_full(s, t, &mut next, &mut info, trace, false) {
            Moved::Done => Step::Done(next, info),
            Moved::Blocked(_) => Step::Blocked,
            Moved::Finished => Step::Finished,
        }
    }

    /// `step`, also recording what happened as history events (`StepInfo::events`).
    pub fn step_recording(&self, s: &State, t: usize) -> Step {
        let mut next = s.clone();
        let mut info = StepInfo::default();
        match self.step_full(s, t, &mut next, &mut info, false, true) {
            Moved::Done => Step::Done(next, info),
            Moved::Blocked(_) => Step::Blocked,
            Moved::Finished => Step::Finished,
        }
    }

    /// Like `step`, writing the next state into `next` (whose allocations are reused; its
    /// content is meaningless unless the result is `Done`). This is the checker's step: with a
    /// reduction on (`with_reduction`), `next` is in canonical form (`canonicalize`).
    pub fn step_into(&self, s: &State, t: usize, next: &mut State, trace: bool) -> StepInto {
        let mut info = StepInfo::default();
        match self.step_reusing(s, t, next, &mut info, trace) {
            Moved::Done => StepInto::Done(info),
            Moved::Blocked(fp) => StepInto::Blocked(fp),
            Moved::Finished => StepInto::Finished,
        }
    }

    /// `step_into` that writes what the step did into `info` (reset first) instead of returning
    /// it: the checker's hot loop, which would otherwise move a couple of hundred bytes of
    /// report per transition.
    pub fn step_reusing(
        &self,
        s: &State,
        t: usize,
        next: &mut State,
        info: &mut StepInfo,
        trace: bool,
    ) -> Moved {
        let r = self.step_full(s, t, next, info, trace, false);
        if r == Moved::Done && self.reduce.on.any() {
            self.canonicalize(next);
        }
        r
    }

    pub(crate) fn step_full(
        &self,
        s: &State,
        t: usize,
        next: &mut State,
        info: &mut StepInfo,
        trace: bool,
        record: bool,
    ) -> Moved {
        let pc = s.threads[t].pc as usize;
        let op = match self.sc.threads.get(t) {
            Some(th) => match th.ops.get(pc) {
                Some(od) => Some(od.op),
                None => return Moved::Finished,
            },
            None => None,
        };
        next.clone_from(s);
        info.reset();
        let mut ctx = Ctx {
            w: self,
            s: next,
            info,
            trace,
            record,
            thread: t,
        };
        let r = match op {
            Some(op) => ctx.exec(op),
            None => {
                let work = self.fs.kernel_threads[t - self.sc.threads.len()];
                match ctx.kernel_work(work) {
                    Some(r) => r,
                    // Idle: nothing queued.
                    None => return Moved::Finished,
                }
            }
        };
        match r {
            Ok(()) => Moved::Done,
            Err(Stop::Blocked) => Moved::Blocked(ctx.info.cost.false_positives),
            Err(Stop::Sigbus | Stop::Segv | Stop::ZeroPage) => {
                unreachable!("ops turn faults into results before returning")
            }
        }
    }

    /// The initial state as history events (`history`): block contents, extents, sizes, and
    /// the page-cache pages that exist before any thread runs.
    pub fn init_history(&self) -> Vec<Event> {
        let s = self.init();
        let mut ev = vec![Event::Ack { write: 0 }];
        for (b, blk) in s.blocks.iter().enumerate() {
            if blk.used {
                ev.push(Event::BlockAlloc { block: b as u8 });
            }
            ev.push(Event::BlockContent {
                block: b as u8,
                content: blk.content,
            });
        }
        for (f, _) in self.sc.files.iter().enumerate() {
            ev.push(Event::Size {
                file: f as u8,
                pages: s.sizes[f],
            });
            for p in 0..MAX_FILE_PAGES {
                let ps = s.pages[self.slot(f, p)];
                if ps.block != NONE {
                    ev.push(Event::Extent {
                        file: f as u8,
                        page: p,
                        block: ps.block,
                        unwritten: ps.unwritten,
                    });
                }
            }
        }
        for (i, fr) in s.frames.iter().enumerate() {
            if fr.owner != Owner::Free {
                ev.push(Event::FrameAlloc {
                    frame: i as u8,
                    owner: fr.owner,
                    content: fr.content,
                });
            }
        }
        ev
    }

    /// What a location holds in state `s`.
    pub fn observe(&self, s: &State, loc: Loc) -> Observed {
        match loc {
            Loc::Disk { file, page } => {
                if page >= s.sizes[file] {
                    return Observed::None;
                }
                let ps = s.pages[self.slot(file, page)];
                let b = ps.block;
                // A hole, or an unwritten extent (fallocate), reads as zeros.
                if b == NONE || ps.unwritten {
                    Observed::Val(Default::default())
                } else if self.fs.dax {
                    Observed::Val(s.frames[b as usize].content.value)
                } else {
                    Observed::Val(s.blocks[b as usize].content.value)
                }
            }
            Loc::Cache { file, page } => {
                let fr = s.pages[self.slot(file, page)].cache;
                if fr == NONE {
                    Observed::None
                } else {
                    Observed::Val(s.frames[fr as usize].content.value)
                }
            }
            Loc::File { file, page } => {
                if page >= s.sizes[file] {
                    return Observed::None;
                }
                match self.observe(s, Loc::Cache { file, page }) {
                    Observed::None if self.fs.backing => self.observe(s, Loc::Disk { file, page }),
                    Observed::None => Observed::Val(Default::default()),
                    v => v,
                }
            }
            Loc::Mem { map, page } => {
                if !s.maps[map].mapped {
                    return Observed::None;
                }
                let pte = s.ptes[self.pte(map, page)];
                if pte.frame != NONE {
                    return Observed::Val(s.frames[pte.frame as usize].content.value);
                }
                match self.sc.maps[map].kind {
                    MapKind::Anon { .. } => Observed::Val(Default::default()),
                    MapKind::File { file, .. } => self.observe(s, Loc::File { file, page }),
                }
            }
            Loc::Reg(r) => s.regs[r],
            Loc::Pin(h) => Observed::Pin(s.handles[h].result),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::*;
    use crate::state::pg;

    fn scenario(fs: &str, ops: Vec<Op>) -> Scenario {
        crate::test_scenario::one_page(fs, "rdma", ops)
    }

    fn run(w: &World, mut s: State) -> State {
        while let Step::Done(n, _) = w.step(&s, 0, false) {
            s = n;
        }
        s
    }

    #[test]
    fn a_store_to_a_clean_shared_page_goes_through_page_mkwrite() {
        let sc = scenario(
            "ext4",
            vec![Op::Store {
                map: 0,
                page: 0,
                value: Value(1),
            }],
        );
        let w = World::new(&sc, Design::preset("legacy").unwrap());
        let s = run(&w, w.init());
        let fr = s.ptes[0].frame as usize;
        assert!(s.ptes[0].writable);
        let f = s.frames[fr];
        assert!(f.has(pg::DIRTY) && f.has(pg::PRIVATE) && !f.has(pg::FS_CLEAN));
        assert_eq!(f.refcount, 2, "page cache + one PTE");
    }

    #[test]
    fn writeback_write_protects_and_completion_writes_the_block() {
        let sc = scenario(
            "ext4",
            vec![
                Op::Store {
                    map: 0,
                    page: 0,
                    value: Value(1),
                },
                Op::Writeback { file: 0 },
            ],
        );
        let w = World::new(&sc, Design::preset("legacy").unwrap());
        let mut s = w.init();
        s = match w.step(&s, 0, false) {
            Step::Done(n, _) => n,
            _ => panic!(),
        };
        let Step::Done(submitted, _) = w.step(&s, 0, false) else {
            panic!()
        };
        let fr = submitted.ptes[0].frame as usize;
        assert!(
            !submitted.ptes[0].writable,
            "folio_mkclean write-protected the PTE"
        );
        assert!(submitted.frames[fr].has(pg::WRITEBACK) && submitted.frames[fr].has(pg::FS_CLEAN));
        let done = run(&w, submitted);
        assert_eq!(
            w.observe(&done, Loc::Disk { file: 0, page: 0 }),
            Observed::Val(Value(1))
        );
    }

    #[test]
    fn pincount_bias_is_what_folio_maybe_dma_pinned_sees() {
        let pin = Op::Pin {
            handle: 0,
            device: 0,
            map: 0,
            start: 0,
            end: 1,
            write: true,
            longterm: true,
        };
        let sc = scenario("tmpfs", vec![pin]);
        for (design, rc) in [("legacy", 3), ("pin-wait", 1026)] {
            let w = World::new(&sc, Design::preset(design).unwrap());
            let s = run(&w, w.init());
            let fr = s.ptes[0].frame;
            assert_eq!(s.frames[fr as usize].refcount, rc, "{design}");
            let mut s2 = s.clone();
            let mut info = StepInfo::default();
            let mut ctx = Ctx {
                w: &w,
                s: &mut s2,
                info: &mut info,
                trace: false,
                record: false,
                thread: 0,
            };
            assert_eq!(ctx.folio_maybe_dma_pinned(fr), design == "pin-wait");
        }
    }

    #[test]
    fn truncate_orphans_a_pinned_page() {
        let pin = Op::Pin {
            handle: 0,
            device: 0,
            map: 0,
            start: 0,
            end: 1,
            write: true,
            longterm: true,
        };
        let sc = scenario("tmpfs", vec![pin, Op::Truncate { file: 0, pages: 0 }]);
        let w = World::new(&sc, Design::preset("legacy").unwrap());
        let s = run(&w, w.init());
        let (fr, _) = s.pinned[0];
        assert_eq!(
            s.frames[fr as usize].owner,
            crate::state::Owner::Orphan { file: 0, page: 0 }
        );
        assert_eq!(s.frames[fr as usize].refcount, 1, "only the pin holds it");
        assert_eq!(
            w.observe(&s, Loc::Cache { file: 0, page: 0 }),
            Observed::None
        );
        w.check_invariants(&s).unwrap();
    }
}
