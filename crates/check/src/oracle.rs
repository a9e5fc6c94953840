//! A second, independent oracle: every property of docs/model.md#properties decided again from the history of
//! an execution (`pinlab_model::history::Event`) alone, and an enumerator that checks, execution
//! by execution, that the model's in-step verdicts and this oracle agree.
//!
//! The model judges its properties inside its steps from bookkeeping it keeps for the purpose
//! (a page's durability promise, its "clean to the filesystem" bit, a writeback snapshot). A bug
//! in that bookkeeping is invisible to every test that trusts it. This oracle is written from
//! docs/model.md#properties (and its "rules that are easy to get wrong"), the `Event` docs and the static
//! filesystem rules (`FsRules`) only: it rebuilds what it needs — frame owners and contents,
//! the page cache, the filesystem's clean/prepared view of each page, dirty state, the extent
//! map, block use and disk contents, i_size, the order of acknowledgements, each integrity
//! pass's promise, freeze state, what each device handle page holds and since when — from the
//! events, and reads nothing else of the model.
//!
//! Where docs/model.md or the event docs leave a choice, the choice is written next to the code that
//! makes it, marked "Decided:".

use crate::{check_world, Limits, VerdictKind};
use pinlab_model::design::Design;
use pinlab_model::fs::{FsRules, Unprepared};
use pinlab_model::history::{Event, Loss, Writer};
use pinlab_model::property::{Property, PropertySet};
use pinlab_model::scenario::{Loc, Observed, Scenario};
use pinlab_model::state::{Content, Owner, State, NONE};
use pinlab_model::{Step, World};
use std::fmt;

/// What the oracle concludes about one execution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Judgement {
    /// Every property the execution violates (never `bounded-wait`: that is the enumerator's,
    /// which knows when an execution is maximal with a litmus thread unfinished).
    pub violated: PropertySet,
    /// The design refused a pin.
    pub refused: bool,
    /// The design revoked a device's access.
    pub revoked: bool,
}

/// One frame (struct page) as the history describes it.
#[derive(Clone, Debug)]
struct FrameV {
    /// Allocated (not on the free list).
    alive: bool,
    owner: Owner,
    content: Content,
    /// fs-DAX: this frame is the persistent memory of the block with its index.
    dax_storage: bool,
    /// The filesystem has the page clean: from allocation, a writeback submit or a writeback
    /// skip that cleaned it, until `Prepared`.
    fs_clean: bool,
    /// Buffers / reservation attached (`Prepared` since allocation, not `Released` since).
    prepared: bool,
    /// PG_dirty.
    dirty: bool,
    /// Under writeback: the block the bio goes to, whether it carries a bounce copy, and the
    /// content the checksum / integrity tag was computed over at submit.
    wb: Option<(u8, bool, Content)>,
    /// Index of the last `FrameFree` of this frame, in events seen.
    last_free: Option<usize>,
}

impl Default for FrameV {
    fn default() -> Self {
        FrameV {
            alive: false,
            owner: Owner::Free,
            content: Content::default(),
            dax_storage: false,
            fs_clean: true,
            prepared: false,
            dirty: false,
            wb: None,
            last_free: None,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct BlockV {
    used: bool,
    content: Content,
    /// Index of the last `BlockFree` of this block, in events seen.
    last_free: Option<usize>,
}

/// A file page's entry in the extent map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ext {
    block: u8,
    unwritten: bool,
}

const HOLE: Ext = Ext {
    block: NONE,
    unwritten: false,
};

/// A page an integrity pass promised: at its return, the disk must hold `write` or a write
/// acknowledged after it.
#[derive(Clone, Copy, Debug)]
struct Promise {
    file: u8,
    page: u8,
    write: u8,
    /// The page was punched (or truncated away) since the promise: the application asked for
    /// its data to go.
    punched: bool,
}

/// What a handle page holds, since which event.
#[derive(Clone, Copy, Debug)]
struct PinRec {
    frame: u8,
    /// Index of the `Pin` event.
    at: usize,
}

/// The oracle's state after a prefix of a history. Feed it events with `feed`; `judgement`
/// says what it found so far. Cloning it is how the enumerator shares the work of a common
/// prefix between executions.
#[derive(Clone, Debug)]
pub struct Judge {
    fs: &'static FsRules,
    fs_tolerant: bool,
    /// Writes must be stable under writeback: data checksums, or an integrity device.
    stable: bool,
    nfiles: usize,
    frames: Vec<FrameV>,
    blocks: Vec<BlockV>,
    /// Per file, per page.
    extents: Vec<Vec<Ext>>,
    sizes: Vec<u8>,
    /// Per file, per page: the frame in the page cache there.
    cache: Vec<Vec<u8>>,
    /// Per write id: its position in the order of acknowledgements.
    acked: Vec<Option<u32>>,
    n_acked: u32,
    /// Per thread: the promise of its integrity pass in flight.
    syncs: Vec<Option<Vec<Promise>>>,
    /// Per file, per page: the standing promise of returned integrity passes (a write id).
    standing: Vec<Vec<Option<u8>>>,
    frozen: bool,
    /// Per (handle, page of the handle).
    pins: Vec<Vec<Option<PinRec>>>,
    /// Events seen.
    n: usize,
    out: Judgement,
    /// The first thing the history says that cannot be (a write to a frame never allocated, a
    /// completion without a submit, a DMA through a handle page to another frame than its
    /// pin's): a fact missing or out of place, which would make every verdict above suspect.
    anomaly: Option<String>,
}

fn grow<T: Clone + Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

impl Judge {
    pub fn new(sc: &Scenario, design: &Design) -> Judge {
        let fs = sc.fs.kind.rules();
        let nfiles = sc.files.len();
        let pages = pinlab_model::world::MAX_FILE_PAGES as usize;
        Judge {
            fs,
            fs_tolerant: design.handling.fs_tolerant,
            stable: fs.data_checksums || sc.fs.integrity,
            nfiles,
            frames: Vec::new(),
            blocks: Vec::new(),
            extents: vec![vec![HOLE; pages]; nfiles],
            sizes: vec![0; nfiles],
            cache: vec![vec![NONE; pages]; nfiles],
            acked: Vec::new(),
            n_acked: 0,
            syncs: Vec::new(),
            standing: vec![vec![None; pages]; nfiles],
            frozen: false,
            pins: Vec::new(),
            n: 0,
            out: Judgement::default(),
            anomaly: None,
        }
    }

    pub fn judgement(&self) -> Judgement {
        self.out
    }

    /// The first incoherence in the history, if any (see `Judge::anomaly`'s field).
    pub fn anomaly(&self) -> Option<&str> {
        self.anomaly.as_deref()
    }

    fn odd(&mut self, why: impl FnOnce() -> String) {
        if self.anomaly.is_none() {
            self.anomaly = Some(format!("event {}: {}", self.n - 1, why()));
        }
    }

    /// i_size of a file, in pages, as the history tells it.
    pub fn size(&self, file: usize) -> u8 {
        self.sizes[file]
    }

    /// What `disk F[i]` holds as the history tells it: the content of the block the page maps
    /// (a hole or an unwritten extent reads 0); None beyond i_size.
    pub fn disk(&self, file: usize, page: u8) -> Option<Content> {
        (page < self.sizes[file]).then(|| self.disk_content(file as u8, page))
    }

    /// What `cache F[i]` holds as the history tells it (None: not cached).
    pub fn cached(&self, file: usize, page: u8) -> Option<Content> {
        let f = self.cache[file][page as usize];
        (f != NONE && self.is_cached(f)).then(|| self.frames[f as usize].content)
    }

    fn violate(&mut self, p: Property) {
        self.out.violated.insert(p);
    }

    fn frame(&mut self, f: u8) -> &mut FrameV {
        grow(&mut self.frames, f as usize)
    }

    fn block(&mut self, b: u8) -> &mut BlockV {
        grow(&mut self.blocks, b as usize)
    }

    /// A page-cache page (owned by a file, not orphaned, not freed). Decided: an orphan (a
    /// page truncate detached while something held it) is no longer the filesystem's, so
    /// `mkwrite-contract`, `freeze-consistency` and `fs-integrity` no longer look at it.
    fn is_cached(&self, f: u8) -> bool {
        self.frames
            .get(f as usize)
            .is_some_and(|fr| fr.alive && matches!(fr.owner, Owner::Cache { .. }))
    }

    fn is_dax_storage(&self, f: u8) -> bool {
        self.frames.get(f as usize).is_some_and(|fr| fr.dax_storage)
    }

    /// The ack rank of a write: its position among acknowledgements. Decided: a write not yet
    /// acknowledged ranks after every acknowledged one (it is newer than anything the
    /// application was told is written).
    fn rank(&self, w: u8) -> u64 {
        match self.acked.get(w as usize).copied().flatten() {
            Some(r) => r as u64,
            None => u64::MAX,
        }
    }

    /// The content of a block on the disk. fs-DAX: the persistent memory that is the block.
    fn block_content(&self, b: u8) -> Content {
        if self.fs.dax && self.is_dax_storage(b) {
            return self.frames[b as usize].content;
        }
        self.blocks
            .get(b as usize)
            .map(|bl| bl.content)
            .unwrap_or_default()
    }

    /// What the disk holds for a file page: the content of the block its extent maps; a hole
    /// or an unwritten extent reads as zeros, write 0.
    fn disk_content(&self, file: u8, page: u8) -> Content {
        let e = self.extents[file as usize][page as usize];
        if e.block == NONE || e.unwritten {
            Content::default()
        } else {
            self.block_content(e.block)
        }
    }

    fn disk_write(&self, file: u8, page: u8) -> u8 {
        self.disk_content(file, page).write
    }

    /// The write a file page holds: the page-cache page's content if cached, else the disk's.
    fn file_write(&self, file: u8, page: u8) -> u8 {
        let f = self.cache[file as usize][page as usize];
        if f != NONE && self.is_cached(f) {
            self.frames[f as usize].content.write
        } else {
            self.disk_write(file, page)
        }
    }

    /// After the disk content of a page may have changed: a page with a standing promise must
    /// not hold an older write than the promise (a crash now would lose acknowledged data).
    fn check_standing(&mut self) {
        if !self.fs.backing {
            return;
        }
        for file in 0..self.nfiles {
            for page in 0..self.standing[file].len() {
                if let Some(w) = self.standing[file][page] {
                    let d = self.disk_write(file as u8, page as u8);
                    if self.rank(d) < self.rank(w) {
                        self.violate(Property::Durability);
                    }
                }
            }
        }
    }

    pub fn feed(&mut self, e: &Event) {
        let idx = self.n;
        self.n += 1;
        let checks_mkwrite = self.fs.has_page_mkwrite() && !self.fs_tolerant;
        match *e {
            Event::FrameAlloc {
                frame,
                owner,
                content,
            } => {
                if self.frames.get(frame as usize).is_some_and(|f| f.alive) {
                    self.odd(|| format!("frame {frame} allocated while in use"));
                }
                if let Owner::Cache { file, page } = owner {
                    let f = self.cache[file as usize][page as usize];
                    if f != NONE && self.is_cached(f) {
                        self.odd(|| {
                            format!("frame {frame} cached at f{file}[{page}] where frame {f} is")
                        });
                    }
                }
                let fs_dax = self.fs.dax;
                let fr = self.frame(frame);
                let last_free = fr.last_free;
                let was_dax = fr.dax_storage;
                *fr = FrameV {
                    alive: true,
                    owner,
                    content,
                    dax_storage: was_dax
                        || (fs_dax && matches!(owner, Owner::Dax { .. } | Owner::DaxFree)),
                    // "A page-cache page starts clean, without buffers."
                    fs_clean: true,
                    prepared: false,
                    dirty: false,
                    // A bio in flight stays in flight whatever becomes of the frame (only a
                    // broken model frees a frame under writeback; the completion then carries
                    // what the frame holds by then).
                    wb: fr.wb,
                    last_free,
                };
                if let Owner::Cache { file, page } = owner {
                    self.cache[file as usize][page as usize] = frame;
                }
            }
            Event::FrameFree { frame } => {
                if !self.frames.get(frame as usize).is_some_and(|f| f.alive) {
                    self.odd(|| format!("frame {frame} freed while free"));
                }
                self.uncache(frame);
                let fr = self.frame(frame);
                fr.alive = false;
                fr.owner = Owner::Free;
                fr.dirty = false;
                fr.last_free = Some(idx);
            }
            Event::Orphaned { frame } => {
                self.uncache(frame);
                let fr = self.frame(frame);
                if let Owner::Cache { file, page } = fr.owner {
                    fr.owner = Owner::Orphan { file, page };
                }
                fr.dirty = false;
            }
            Event::Write { frame, content, by } => {
                if by != Writer::Dma && !self.frames.get(frame as usize).is_some_and(|f| f.alive) {
                    self.odd(|| format!("free frame {frame} written by {by:?}"));
                }
                let cached = self.is_cached(frame);
                let dax = self.is_dax_storage(frame);
                let fr = self.frame(frame);
                let clean = fr.fs_clean;
                fr.content = content;
                // "every DMA write to such a page is a change, even of an equal value": any
                // write to a page the filesystem has clean, whoever writes it.
                if checks_mkwrite && cached && clean {
                    self.violate(Property::MkwriteContract);
                }
                if dax {
                    // fs-DAX: a write to the storage is a disk write, whoever makes it (a
                    // store, write(2), a DMA, gup-bounce's copy-back).
                    if self.fs.backing && self.frozen {
                        self.violate(Property::FreezeConsistency);
                    }
                    self.check_standing();
                }
            }
            Event::Ack { write } => {
                let r = self.n_acked;
                let slot = grow(&mut self.acked, write as usize);
                if slot.is_none() {
                    *slot = Some(r);
                    self.n_acked += 1;
                } else {
                    self.odd(|| format!("write {write} acknowledged twice"));
                }
            }
            Event::Prepared { frame } => {
                if !self.is_cached(frame) {
                    self.odd(|| format!("frame {frame} prepared but not in the page cache"));
                }
                let fr = self.frame(frame);
                fr.prepared = true;
                fr.fs_clean = false;
            }
            Event::Released { frame } => {
                self.frame(frame).prepared = false;
            }
            Event::Dirtied { frame, outside } => {
                let cached = self.is_cached(frame);
                if !self.frames.get(frame as usize).is_some_and(|f| f.alive) {
                    self.odd(|| format!("free frame {frame} dirtied"));
                }
                let fr = self.frame(frame);
                let (clean, prepared) = (fr.fs_clean, fr.prepared);
                fr.dirty = true;
                if cached {
                    if checks_mkwrite && clean {
                        self.violate(Property::MkwriteContract);
                    }
                    if self.fs.backing && self.frozen {
                        self.violate(Property::FreezeConsistency);
                    }
                    if outside
                        && !prepared
                        && self.fs.warn_dirty_without_buffers
                        && !self.fs_tolerant
                    {
                        self.violate(Property::FsIntegrity);
                    }
                }
            }
            Event::WritebackMeets { frame, .. } => {
                let prepared = self.frame(frame).prepared;
                if !prepared && self.fs.unprepared == Unprepared::WarnAndSkip && !self.fs_tolerant {
                    self.violate(Property::FsIntegrity);
                }
            }
            Event::WritebackSubmit {
                frame,
                block,
                bounce,
            } => {
                if !self
                    .frames
                    .get(frame as usize)
                    .is_some_and(|f| f.alive && f.wb.is_none())
                {
                    self.odd(|| {
                        format!("writeback of frame {frame} submitted: free or under writeback")
                    });
                }
                if !self.blocks.get(block as usize).is_some_and(|b| b.used) {
                    self.odd(|| {
                        format!("writeback of frame {frame} submitted to free block {block}")
                    });
                }
                let fr = self.frame(frame);
                fr.fs_clean = true;
                fr.dirty = false;
                fr.wb = Some((block, bounce, fr.content));
            }
            Event::WritebackComplete { frame, block } => {
                let fr = self.frame(frame);
                let now = fr.content;
                let wb = fr.wb.take();
                if wb.is_none_or(|(b, _, _)| b != block) {
                    self.odd(|| format!("writeback of frame {frame} to block {block} completed: submitted {wb:?}"));
                }
                let (carried, submitted) = match wb {
                    Some((_, true, at_submit)) => (at_submit, Some(at_submit)),
                    Some((_, false, at_submit)) => (now, Some(at_submit)),
                    None => (now, None),
                };
                // Decided: the checksum / integrity tag is over the bytes, so a change is a
                // change of value; a rewrite of the equal value (another write id) keeps the
                // tag valid. (mkwrite-contract, by contrast, counts every write.)
                if self.stable {
                    if let Some(s) = submitted {
                        if carried.value != s.value {
                            self.violate(Property::StableWrites);
                        }
                    }
                }
                // A completion to a block that is free now (freed since its last
                // allocation). Truncate waits for writeback, so only a broken model frees a
                // block under a bio.
                let bl = self.block(block);
                let free = !bl.used;
                bl.content = carried;
                if free {
                    self.violate(Property::NoStorageUaf);
                }
                if self.fs.backing && self.frozen {
                    self.violate(Property::FreezeConsistency);
                }
                self.check_standing();
            }
            Event::WritebackSkip { frame, redirtied } => {
                if !redirtied {
                    let fr = self.frame(frame);
                    fr.fs_clean = true;
                    fr.dirty = false;
                }
            }
            Event::DataLost { content, why, .. } => {
                if why == Loss::Enospc && self.rank(content.write) != u64::MAX {
                    self.violate(Property::NoLateEnospc);
                }
            }
            Event::BlockAlloc { block } => {
                if self.block(block).used {
                    self.odd(|| format!("block {block} allocated while in use"));
                }
                self.block(block).used = true;
                if self.fs.dax {
                    // "for fs-DAX its storage is zeroed"
                    if (block as usize) < self.frames.len()
                        && self.frames[block as usize].dax_storage
                    {
                        self.frames[block as usize].content = Content::default();
                    }
                    self.block(block).content = Content::default();
                }
            }
            Event::BlockFree { block } => {
                if !self.block(block).used {
                    self.odd(|| format!("block {block} freed while free"));
                }
                let bl = self.block(block);
                bl.used = false;
                bl.last_free = Some(idx);
            }
            Event::BlockContent { block, content } => {
                self.block(block).content = content;
                if self.fs.dax && self.is_dax_storage(block) {
                    self.frames[block as usize].content = content;
                }
            }
            Event::Extent {
                file,
                page,
                block,
                unwritten,
            } => {
                if block != NONE && !self.blocks.get(block as usize).is_some_and(|b| b.used) {
                    self.odd(|| format!("f{file}[{page}] mapped to free block {block}"));
                }
                self.extents[file as usize][page as usize] = Ext { block, unwritten };
                self.check_standing();
            }
            Event::Size { file, pages } => {
                let old = self.sizes[file as usize];
                self.sizes[file as usize] = pages;
                // Decided: truncate sets i_size first and removes the pages beyond it one
                // step at a time (`Punched` each). From the moment i_size drops below a page,
                // its data is "lost because the application truncated it" (docs/model.md#properties), so
                // its promises are void as at `Punched`: an fsync that returns between the two
                // owes nothing for it.
                for page in pages..old {
                    self.punch(file, page);
                }
            }
            Event::Punched { file, page } => self.punch(file, page),
            Event::SyncStart { thread, file } => {
                let files: Vec<u8> = match file {
                    Some(f) => vec![f],
                    None => (0..self.nfiles as u8).collect(),
                };
                let mut promise = Vec::new();
                if self.fs.backing {
                    for f in files {
                        for page in 0..self.sizes[f as usize] {
                            promise.push(Promise {
                                file: f,
                                page,
                                write: self.file_write(f, page),
                                punched: false,
                            });
                        }
                    }
                }
                let slot = grow(&mut self.syncs, thread as usize);
                let again = slot.is_some();
                *slot = Some(promise);
                if again {
                    self.odd(|| format!("thread {thread}'s sync started twice"));
                }
            }
            Event::SyncReturn { thread } => {
                let Some(promise) = self.syncs.get_mut(thread as usize).and_then(|s| s.take())
                else {
                    self.odd(|| format!("thread {thread}'s sync returned without starting"));
                    return;
                };
                for p in promise {
                    if p.punched {
                        continue;
                    }
                    let d = self.disk_write(p.file, p.page);
                    if self.rank(d) < self.rank(p.write) {
                        self.violate(Property::Durability);
                    }
                    // Decided: "the newest" standing promise per page is the strongest one:
                    // of two returned passes, the promise of the write acknowledged later.
                    let st = &mut self.standing[p.file as usize][p.page as usize];
                    let keep = match *st {
                        Some(old) => {
                            if self.rank(old) >= self.rank(p.write) {
                                old
                            } else {
                                p.write
                            }
                        }
                        None => p.write,
                    };
                    self.standing[p.file as usize][p.page as usize] = Some(keep);
                }
            }
            Event::Frozen => {
                if self.fs.backing {
                    let dirty_cached = (0..self.frames.len() as u8)
                        .any(|f| self.is_cached(f) && self.frames[f as usize].dirty);
                    if dirty_cached {
                        self.violate(Property::FreezeConsistency);
                    }
                }
                self.frozen = true;
            }
            Event::Thawed => self.frozen = false,
            Event::Pin { handle, k, frame } => {
                *grow(grow(&mut self.pins, handle as usize), k as usize) =
                    Some(PinRec { frame, at: idx });
            }
            Event::Unpin { .. } => {
                // A handle page keeps reaching the frame it held: a DMA after unpin is a
                // driver bug the properties judge.
            }
            Event::Dma {
                handle, k, frame, ..
            } => {
                // Decided: a DMA read of freed memory is a use after free as much as a write
                // ("DMA reaches a frame after it was freed or reused"); the same for storage.
                let rec = self
                    .pins
                    .get(handle as usize)
                    .and_then(|h| h.get(k as usize))
                    .copied()
                    .flatten();
                if rec.is_none_or(|r| r.frame != frame) {
                    self.odd(|| {
                        format!(
                            "DMA through p{handle}[{k}] reached frame {frame}; its pin: {rec:?}"
                        )
                    });
                }
                if frame != NONE {
                    let since = rec.map(|r| r.at).unwrap_or(0);
                    // fs-DAX storage is freed as a block, any other frame as a frame.
                    let (last_free, property) = if self.is_dax_storage(frame) {
                        let b = self.blocks.get(frame as usize).and_then(|b| b.last_free);
                        (b, Property::NoStorageUaf)
                    } else {
                        let f = self.frames.get(frame as usize).and_then(|f| f.last_free);
                        (f, Property::NoFrameUaf)
                    };
                    if last_free.is_some_and(|at| at > since) {
                        self.violate(property);
                    }
                }
            }
            Event::Refused { .. } => self.out.refused = true,
            Event::Revoked { .. } => self.out.revoked = true,
            Event::OpDone { .. } => {}
        }
    }

    /// The application asked for `file`/`page`'s data to go: no promise covers it any more.
    fn punch(&mut self, file: u8, page: u8) {
        for s in self.syncs.iter_mut().flatten() {
            for p in s.iter_mut() {
                if p.file == file && p.page == page {
                    p.punched = true;
                }
            }
        }
        self.standing[file as usize][page as usize] = None;
    }

    fn uncache(&mut self, frame: u8) {
        if let Some(fr) = self.frames.get(frame as usize) {
            if let Owner::Cache { file, page } = fr.owner {
                let slot = &mut self.cache[file as usize][page as usize];
                if *slot == frame {
                    *slot = NONE;
                }
            }
        }
    }
}

/// The oracle's verdict on one execution, from `World::init_history()` followed by each step's
/// events.
pub fn judge(sc: &Scenario, design: &Design, history: &[Event]) -> Judgement {
    let mut j = Judge::new(sc, design);
    for e in history {
        j.feed(e);
    }
    j.judgement()
}

// The enumerator --------------------------------------------------------------------------------

/// What one execution (or the union of many) came to: the properties violated, with
/// `bounded-wait` for a hang, and whether a pin was refused or access revoked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub violated: PropertySet,
    pub refused: bool,
    pub revoked: bool,
}

impl Outcome {
    fn union(self, o: Outcome) -> Outcome {
        Outcome {
            violated: self.violated.union(o.violated),
            refused: self.refused || o.refused,
            revoked: self.revoked || o.revoked,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<&str> = self.violated.iter().map(|p| p.name()).collect();
        if self.refused {
            parts.push(VerdictKind::Refused.name());
        }
        if self.revoked {
            parts.push(VerdictKind::Revoked.name());
        }
        if parts.is_empty() {
            write!(f, "{{}}")
        } else {
            write!(f, "{{{}}}", parts.join(", "))
        }
    }
}

/// Bounds of one cross-check.
#[derive(Clone, Copy, Debug)]
pub struct CrossLimits {
    /// Most maximal executions the depth-first enumeration visits; past it the enumeration is
    /// incomplete and the comparison with the checker is skipped.
    pub max_executions: usize,
    /// When the enumeration was cut short: this many more executions, each thread chosen at
    /// random at every step, so that a large scenario is not judged on its leftmost paths
    /// only.
    pub random_executions: usize,
    /// Longest execution, in steps; a longer one makes the check incomplete.
    pub max_depth: usize,
    /// Seed of the random executions.
    pub seed: u64,
}

impl Default for CrossLimits {
    fn default() -> Self {
        CrossLimits {
            max_executions: 5_000,
            random_executions: 200,
            max_depth: 400,
            seed: 0x05EE_D0F0_AC1E,
        }
    }
}

/// What a cross-check saw, when the model and the oracle agreed.
#[derive(Clone, Copy, Debug, Default)]
pub struct CrossCheck {
    /// Maximal executions compared (enumerated and random).
    pub executions: usize,
    /// The enumeration saw every execution.
    pub complete: bool,
    /// The union over all executions was also compared with `check()`'s verdict (only when
    /// complete, and when `check()` was complete too).
    pub compared_with_checker: bool,
    /// The union over the executions seen.
    pub outcome: Outcome,
}

/// One step of an execution, for reports.
#[derive(Clone, Debug)]
pub struct StepRecord {
    pub thread: usize,
    /// The op the thread was at (`Scenario::step_text`).
    pub op: String,
    pub events: Vec<Event>,
    /// What the model's `StepInfo` said.
    pub model: Outcome,
    /// What the oracle found new at this step.
    pub oracle: Outcome,
}

/// The model (or the checker) and the oracle disagree.
#[derive(Clone, Debug)]
pub struct Disagreement {
    /// The scenario as litmus text, when the caller has it (`with_litmus`).
    pub litmus: Option<String>,
    pub scenario: String,
    pub design: String,
    /// `"execution"`: the model's in-step verdicts along one execution against the oracle's
    /// judgement of its history; `"history"`: the history contradicts itself or the final
    /// state (`note` says where); `"checker"`: `check()`'s verdict against the union over
    /// every execution.
    pub kind: &'static str,
    /// The thread of each step (empty for a checker disagreement).
    pub path: Vec<usize>,
    pub thread_names: Vec<String>,
    /// The model's answer (for `"checker"`: check()'s).
    pub model: Outcome,
    /// The oracle's answer (for `"checker"`: the union over the executions, with hangs).
    pub oracle: Outcome,
    pub init: Vec<Event>,
    pub steps: Vec<StepRecord>,
    /// For `"history"`: what in the history cannot be, or which final-state location the
    /// history gets wrong.
    pub note: Option<String>,
}

impl Disagreement {
    pub fn with_litmus(mut self: Box<Self>, text: &str) -> Box<Self> {
        self.litmus = Some(text.to_string());
        self
    }

    /// A short key for grouping disagreements: the kind, the two answers, the mutation if any,
    /// and a panic's message.
    pub fn signature(&self) -> String {
        let mutant = self
            .design
            .split_once(" (mutant ")
            .map_or("", |(_, m)| m.trim_end_matches(')'));
        let mut sig = format!("{}: model {} oracle {}", self.kind, self.model, self.oracle);
        if !mutant.is_empty() {
            sig = format!("{mutant} {sig}");
        }
        if self.kind == "panic" {
            sig.push_str(&format!(" {}", self.note.as_deref().unwrap_or("")));
        }
        sig
    }
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} disagreement: scenario {} under {}",
            self.kind, self.scenario, self.design
        )?;
        if let Some(t) = &self.litmus {
            writeln!(f, "--- litmus\n{}---", t)?;
        }
        let names = |t: usize| self.thread_names.get(t).cloned().unwrap_or_default();
        if let Some(n) = &self.note {
            writeln!(f, "note: {n}")?;
        }
        if self.kind != "checker" {
            writeln!(
                f,
                "path: [{}]",
                self.path
                    .iter()
                    .map(|t| names(*t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        writeln!(f, "model:  {}", self.model)?;
        writeln!(f, "oracle: {}", self.oracle)?;
        if !self.steps.is_empty() {
            writeln!(f, "history:")?;
            writeln!(f, "  init: {:?}", self.init)?;
            for (i, s) in self.steps.iter().enumerate() {
                write!(f, "  {i:>2} {} `{}`", names(s.thread), s.op)?;
                if s.model != Outcome::default() {
                    write!(f, "  model: {}", s.model)?;
                }
                if s.oracle != Outcome::default() {
                    write!(f, "  oracle: {}", s.oracle)?;
                }
                writeln!(f)?;
                for e in &s.events {
                    writeln!(f, "       {e:?}")?;
                }
            }
        }
        Ok(())
    }
}

struct Enumerator<'w, 'a> {
    world: &'w World<'a>,
    design: Design,
    limits: CrossLimits,
    executions: usize,
    complete: bool,
    union: Outcome,
    init: Vec<Event>,
    steps: Vec<StepRecord>,
}

fn step_outcome(info: &pinlab_model::StepInfo) -> Outcome {
    Outcome {
        violated: info.violations,
        refused: info.refused,
        revoked: info.revoked,
    }
}

fn judged(j: &Judgement) -> Outcome {
    Outcome {
        violated: j.violated,
        refused: j.refused,
        revoked: j.revoked,
    }
}

impl Enumerator<'_, '_> {
    fn disagreement(
        &self,
        kind: &'static str,
        model: Outcome,
        oracle: Outcome,
    ) -> Box<Disagreement> {
        let sc = self.world.sc;
        Box::new(Disagreement {
            litmus: None,
            scenario: sc.name.clone(),
            design: match self.world.mutation {
                Some(m) => format!("{} (mutant {m:?})", self.design.name()),
                None => self.design.name(),
            },
            kind,
            path: self.steps.iter().map(|s| s.thread).collect(),
            thread_names: (0..sc.actors())
                .map(|t| sc.actor_name(t).to_string())
                .collect(),
            model,
            oracle,
            init: self.init.clone(),
            steps: self.steps.clone(),
            note: None,
        })
    }

    /// One step of thread `t` from `s`, if it can move: the next state and the judge after it.
    fn step(
        &mut self,
        s: &State,
        t: usize,
        judge: &Judge,
        model: Outcome,
    ) -> Option<(State, Judge, Outcome)> {
        let Step::Done(next, info) = self.world.step_recording(s, t) else {
            return None;
        };
        let mut j = judge.clone();
        for e in &info.events {
            j.feed(e);
        }
        let before = judge.judgement();
        let after = j.judgement();
        let op = match self.world.sc.threads.get(t) {
            Some(_) => self.world.sc.step_text(t, s.threads[t].pc as usize),
            None => self.world.sc.step_text(t, 0),
        };
        let m = step_outcome(&info);
        self.steps.push(StepRecord {
            thread: t,
            op,
            events: info.events,
            model: m,
            oracle: Outcome {
                violated: PropertySet(after.violated.0 & !before.violated.0),
                refused: after.refused && !before.refused,
                revoked: after.revoked && !before.revoked,
            },
        });
        Some((next, j, model.union(m)))
    }

    /// A maximal execution: compare.
    fn leaf(&mut self, s: &State, judge: &Judge, model: Outcome) -> Result<(), Box<Disagreement>> {
        self.executions += 1;
        let hang = !self.world.finished(s);
        let mut oracle = judged(&judge.judgement());
        let mut model = model;
        if hang {
            oracle.violated.insert(Property::BoundedWait);
            model.violated.insert(Property::BoundedWait);
        }
        if model != oracle {
            return Err(self.disagreement("execution", model, oracle));
        }
        if let Some(note) = self.incoherence(s, judge) {
            let mut d = self.disagreement("history", model, oracle);
            d.note = Some(note);
            return Err(d);
        }
        self.union = self.union.union(oracle);
        Ok(())
    }

    /// The history against itself and against the final state: what it says the disk and the
    /// page cache hold must be what `World::observe` reads in the state.
    fn incoherence(&self, s: &State, judge: &Judge) -> Option<String> {
        if let Some(a) = judge.anomaly() {
            return Some(a.to_string());
        }
        let w = self.world;
        let val = |c: Option<Content>| c.map_or(Observed::None, |c| Observed::Val(c.value));
        for file in 0..w.sc.files.len() {
            for page in 0..pinlab_model::world::MAX_FILE_PAGES {
                let mut locs = Vec::new();
                if w.fs.backing {
                    locs.push((Loc::Disk { file, page }, val(judge.disk(file, page))));
                }
                if !w.fs.dax {
                    locs.push((Loc::Cache { file, page }, val(judge.cached(file, page))));
                }
                for (loc, history) in locs {
                    let state = w.observe(s, loc);
                    if state != history {
                        return Some(format!(
                            "at the end, {loc:?} holds {state:?} but the history says {history:?}"
                        ));
                    }
                }
            }
        }
        None
    }

    fn dfs(&mut self, s: &State, judge: &Judge, model: Outcome) -> Result<(), Box<Disagreement>> {
        if self.steps.len() >= self.limits.max_depth {
            self.complete = false;
            return Ok(());
        }
        let mut moved = false;
        for t in 0..self.world.actors() {
            if self.executions >= self.limits.max_executions {
                self.complete = false;
                return Ok(());
            }
            if let Some((next, j, m)) = self.step(s, t, judge, model) {
                moved = true;
                let r = self.dfs(&next, &j, m);
                self.steps.pop();
                r?;
            }
        }
        if !moved {
            self.leaf(s, judge, model)?;
        }
        Ok(())
    }

    fn random_walk(
        &mut self,
        init: &State,
        judge: &Judge,
        rng: &mut u64,
    ) -> Result<(), Box<Disagreement>> {
        let mut s = init.clone();
        let mut j = judge.clone();
        let mut model = Outcome::default();
        let n = self.world.actors();
        let r = loop {
            if self.steps.len() >= self.limits.max_depth {
                break Ok(());
            }
            let mut order: Vec<usize> = (0..n).collect();
            // Fisher-Yates with xorshift64*.
            for i in (1..n).rev() {
                *rng ^= *rng >> 12;
                *rng ^= *rng << 25;
                *rng ^= *rng >> 27;
                let x = rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
                order.swap(i, (x % (i as u64 + 1)) as usize);
            }
            let mut moved = None;
            for t in order {
                if let Some(x) = self.step(&s, t, &j, model) {
                    moved = Some(x);
                    break;
                }
            }
            match moved {
                Some((next, nj, m)) => {
                    s = next;
                    j = nj;
                    model = m;
                }
                None => break self.leaf(&s, &j, model),
            }
        };
        self.steps.clear();
        r
    }
}

/// Runs every execution of `sc` under `design` (depth-first over every interleaving of
/// `World::actors()`, no state deduplication, up to `limits`), and for each maximal one
/// compares the union of the model's in-step verdicts with the oracle's judgement of its
/// history, and whether it hangs. When the enumeration is complete, also compares the union
/// over all executions with `check()` (breadth-first with state deduplication): its violated
/// set, `bounded-wait` included, and whether it saw a refusal or a revocation.
pub fn cross_check(
    sc: &Scenario,
    design: Design,
    limits: CrossLimits,
) -> Result<CrossCheck, Box<Disagreement>> {
    cross_check_world(&World::new(sc, design), limits)
}

/// `cross_check` of a world built by the caller: a mutated one (`World::mutated`) reaches
/// states the correct model never does (a completion to a freed block, a store to a page
/// writeback cleaned), where the model's verdicts and the oracle must still agree.
pub fn cross_check_world(
    world: &World,
    limits: CrossLimits,
) -> Result<CrossCheck, Box<Disagreement>> {
    let sc = world.sc;
    let design = world.design;
    let init_state = world.init();
    let init = world.init_history();
    let mut judge = Judge::new(sc, &design);
    for e in &init {
        judge.feed(e);
    }
    let mut en = Enumerator {
        world,
        design,
        limits,
        executions: 0,
        complete: true,
        union: Outcome::default(),
        init,
        steps: Vec::new(),
    };
    // The initial state itself must be sound to the oracle.
    if judge.judgement() != Judgement::default() {
        return Err(en.disagreement("execution", Outcome::default(), judged(&judge.judgement())));
    }
    en.dfs(&init_state, &judge, Outcome::default())?;
    let mut compared = false;
    if en.complete {
        let r = check_world(world, Limits::default());
        if r.complete {
            compared = true;
            let checker = Outcome {
                violated: r.violated,
                refused: r.refused.is_some(),
                revoked: r.revoked.is_some(),
            };
            if checker != en.union {
                return Err(en.disagreement("checker", checker, en.union));
            }
        }
    } else {
        let mut rng = limits.seed | 1;
        for _ in 0..limits.random_executions {
            en.random_walk(&init_state, &judge, &mut rng)?;
        }
    }
    Ok(CrossCheck {
        executions: en.executions,
        complete: en.complete,
        compared_with_checker: compared,
        outcome: en.union,
    })
}
