//! The world state: plain values, hashable and cheap to clone.
//!
//! Every collection is flat and indexed by numbers the `World` computes once per scenario
//! (file page slots, PTE slots, handle page slots), so a state is a handful of small vectors.

use crate::scenario::{Observed, PinResult, Value};

/// "No frame" / "no block" / "no write" in the u8 index fields.
pub const NONE: u8 = u8::MAX;

/// A frame's or block's content: the value and the write that put it there (0 = the initial
/// content). `durability` identifies writes, not values, so both are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Content {
    pub value: Value,
    pub write: u8,
}

/// Who a frame (struct page / folio) belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    /// On the free list.
    Free,
    /// In the page cache of `file` at `page` (folio->mapping, folio->index).
    Cache { file: u8, page: u8 },
    /// Removed from the page cache by truncate/punch while something still held it
    /// (folio->mapping == NULL).
    Orphan { file: u8, page: u8 },
    /// Anonymous memory (an anonymous mapping, or a COW copy of a private file mapping).
    Anon,
    /// A gup-bounce page standing in for `file`/`page` while a long-term GUP user holds it.
    Bounce { file: u8, page: u8 },
    /// fs-DAX: this frame is the persistent memory of the block with the same index, in use by
    /// `file`/`page`.
    Dax { file: u8, page: u8 },
    /// fs-DAX: the persistent memory of a free block.
    DaxFree,
}

/// Folio flags, as bits of `Frame::flags`.
pub mod pg {
    /// PG_dirty (and the PAGECACHE_TAG_DIRTY tag)
    pub const DIRTY: u8 = 1;
    /// PG_writeback
    pub const WRITEBACK: u8 = 2;
    /// PG_private: buffers / reservation attached by ->page_mkwrite or ->write_begin
    pub const PRIVATE: u8 = 4;
    /// Not a kernel flag: the filesystem has this page clean and no ->page_mkwrite has been
    /// called since (the `mkwrite-contract` property's bookkeeping).
    pub const FS_CLEAN: u8 = 8;
    /// The writeback in flight writes a stable bounce copy (`wb_snapshot`), not the page.
    pub const BOUNCE: u8 = 16;
    /// PG_checked (btrfs): writeback found the folio dirtied behind btrfs's back and queued
    /// btrfs_writepage_fixup_worker, which holds a folio reference until it runs.
    pub const CHECKED: u8 = 32;
    /// The PG_writeback this folio carries is not I/O but the `writeback-mark` handling's mark
    /// of a page a GUP user may write (seed 003, Chinner): it stays until the last unpin.
    pub const GUP_WRITEBACK: u8 = 64;
    /// PageGot of the `page-got-evict` tracking: set by the first pin, cleared only when the
    /// folio is freed (seed 004, Wilcox's variant).
    pub const GOT: u8 = 128;
}

/// How far freeze_super() has got (`sb->s_writers.frozen`, include/linux/fs.h).
pub mod freeze {
    /// SB_UNFROZEN
    pub const UNFROZEN: u8 = 0;
    /// SB_FREEZE_WRITE: sb_start_write() (write(2), truncate, fallocate) waits.
    pub const WRITE: u8 = 1;
    /// SB_FREEZE_PAGEFAULT: sb_start_pagefault() (->page_mkwrite, DAX write faults) waits too;
    /// freeze_super() now syncs the filesystem.
    pub const PAGEFAULT: u8 = 2;
    /// SB_FREEZE_COMPLETE: synced and ->freeze_fs done; the filesystem is frozen until thaw.
    pub const COMPLETE: u8 = 4;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    pub owner: Owner,
    pub content: Content,
    /// folio_ref_count(): page cache + one per PTE + GUP references (a FOLL_PIN adds 1024);
    /// at most `limits::MAX_REFCOUNT`.
    pub refcount: u32,
    /// DMA handles holding this frame (model bookkeeping; the kernel's exact `_pincount` only
    /// exists for large folios and for the page-got design).
    pub pincount: u8,
    /// folio_mapcount(): PTEs mapping this frame.
    pub mapcount: u8,
    pub flags: u8,
    /// Bumped on every allocation, so a stale handle to a reused frame is detected.
    pub gen: u8,
    /// Content at writeback submit: what the checksum / integrity tag was computed over.
    pub wb_snapshot: Content,
    /// Block the in-flight writeback writes to.
    pub wb_block: u8,
}

impl Frame {
    pub fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    pub fn set(&mut self, f: u8, on: bool) {
        if on {
            self.flags |= f
        } else {
            self.flags &= !f
        }
    }
}

/// One page index of one file: its page-cache slot and its extent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageSlot {
    /// Frame in the page cache, or NONE.
    pub cache: u8,
    /// Block backing this page, or NONE (a hole).
    pub block: u8,
    /// Space reserved for the next writeback of this page (delalloc, or btrfs's COW extent).
    pub reserved: bool,
    /// `durability`: the newest write an fsync or sync that has returned promised is on disk
    /// (NONE: no promise). Promises of fsyncs still in flight live in `State::promises`.
    pub durable: u8,
    /// The block is an unwritten extent (fallocate): it reads as zeros until the first write to
    /// it completes, which converts it.
    pub unwritten: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    pub content: Content,
    pub used: bool,
}

/// A page-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pte {
    pub frame: u8,
    pub writable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapState {
    pub mapped: bool,
    /// VM_WRITE (changed by mprotect)
    pub writable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandleState {
    pub result: PinResult,
    pub released: bool,
    /// The pin holds a layout lease (layout-lease handling).
    pub lease: bool,
    /// The lease was broken and the device's access revoked.
    pub revoked: bool,
}

/// Where a thread is: `pc` is the next op; `cursor`/`phase` the progress of a multi-step op.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ThreadState {
    pub pc: u8,
    pub cursor: u8,
    pub phase: u8,
    /// The frame a pass has under writeback (its page may be truncated meanwhile).
    pub aux: u8,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub threads: Vec<ThreadState>,
    pub frames: Vec<Frame>,
    /// Per file: i_size in pages.
    pub sizes: Vec<u8>,
    /// Per file page slot (see `World::slot`).
    pub pages: Vec<PageSlot>,
    pub blocks: Vec<Block>,
    pub maps: Vec<MapState>,
    /// Per mapping page (see `World::pte`).
    pub ptes: Vec<Pte>,
    pub handles: Vec<HandleState>,
    /// Per handle page (see `World::handle_slot`): (frame, frame generation).
    pub pinned: Vec<(u8, u8)>,
    pub regs: Vec<Observed>,
    /// Per write id: the order in which it was acknowledged (0 = not yet; write 0, the initial
    /// content, is acknowledged before everything).
    pub acks: Vec<u8>,
    pub next_ack: u8,
    /// freeze_super()'s progress (`freeze::*`).
    pub freeze: u8,
    /// Per thread that runs fsync/sync/freeze and per file page slot (see
    /// `World::promise_slot`): the write its integrity pass promised is on disk when it returns
    /// (NONE: none). Each pass has its own: what was acknowledged before *it* started.
    pub promises: Vec<u8>,
    /// Per completion: complete() calls not yet consumed by wait_for_completion().
    pub completions: Vec<u8>,
    /// F_SEAL_WRITE, one bit per file (bit i: file i; memfd's `info->seals`, of which the model
    /// has only the write seal).
    pub sealed: u8,
}

impl State {
    /// Blocks neither used nor reserved.
    pub fn free_blocks(&self) -> u8 {
        let unused = self.blocks.iter().filter(|b| !b.used).count();
        let reserved = self.pages.iter().filter(|p| p.reserved).count();
        unused.saturating_sub(reserved) as u8
    }

    /// True when write `a` was acknowledged before write `b` (a never-acknowledged write counts
    /// as oldest).
    pub fn older(&self, a: u8, b: u8) -> bool {
        self.ack_of(a) < self.ack_of(b)
    }

    /// The filesystem is frozen (SB_FREEZE_COMPLETE).
    pub fn frozen(&self) -> bool {
        self.freeze == freeze::COMPLETE
    }

    pub fn ack_of(&self, w: u8) -> u8 {
        if w == 0 {
            0
        } else {
            self.acks[w as usize]
        }
    }
}

impl Clone for State {
    fn clone(&self) -> Self {
        State {
            threads: self.threads.clone(),
            frames: self.frames.clone(),
            sizes: self.sizes.clone(),
            pages: self.pages.clone(),
            blocks: self.blocks.clone(),
            maps: self.maps.clone(),
            ptes: self.ptes.clone(),
            handles: self.handles.clone(),
            pinned: self.pinned.clone(),
            regs: self.regs.clone(),
            acks: self.acks.clone(),
            next_ack: self.next_ack,
            freeze: self.freeze,
            promises: self.promises.clone(),
            completions: self.completions.clone(),
            sealed: self.sealed,
        }
    }

    /// Field by field, so the checker's scratch states reuse their allocations.
    fn clone_from(&mut self, o: &Self) {
        self.threads.clone_from(&o.threads);
        self.frames.clone_from(&o.frames);
        self.sizes.clone_from(&o.sizes);
        self.pages.clone_from(&o.pages);
        self.blocks.clone_from(&o.blocks);
        self.maps.clone_from(&o.maps);
        self.ptes.clone_from(&o.ptes);
        self.handles.clone_from(&o.handles);
        self.pinned.clone_from(&o.pinned);
        self.regs.clone_from(&o.regs);
        self.acks.clone_from(&o.acks);
        self.next_ack = o.next_ack;
        self.freeze = o.freeze;
        self.promises.clone_from(&o.promises);
        self.completions.clone_from(&o.completions);
        self.sealed = o.sealed;
    }
}

/// A fixed-size byte form of a state element, for the flat encoding.
trait Pack: Sized {
    const N: usize;
    fn pack(&self, out: &mut Vec<u8>);
    fn unpack(b: &[u8]) -> Self;
}

impl Pack for u8 {
    const N: usize = 1;
    fn pack(&self, out: &mut Vec<u8>) {
        out.push(*self)
    }
    fn unpack(b: &[u8]) -> Self {
        b[0]
    }
}

impl Pack for ThreadState {
    const N: usize = 4;
    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.pc, self.cursor, self.phase, self.aux])
    }
    fn unpack(b: &[u8]) -> Self {
        ThreadState {
            pc: b[0],
            cursor: b[1],
            phase: b[2],
            aux: b[3],
        }
    }
}

/// Bytes of a frame in the flat encoding.
pub const FRAME_BYTES: usize = 15;

impl Frame {
    /// The frame's bytes in the flat encoding (also the order `World::canonicalize` sorts
    /// frames nothing refers to by).
    pub(crate) fn bytes(&self) -> [u8; FRAME_BYTES] {
        let (o, a, b) = match self.owner {
            Owner::Free => (0, 0, 0),
            Owner::Cache { file, page } => (1, file, page),
            Owner::Orphan { file, page } => (2, file, page),
            Owner::Anon => (3, 0, 0),
            Owner::Bounce { file, page } => (4, file, page),
            Owner::Dax { file, page } => (5, file, page),
            Owner::DaxFree => (6, 0, 0),
        };
        // Three bytes: limits::MAX_REFCOUNT < 2^24.
        let rc = self.refcount.to_le_bytes();
        [
            o,
            a,
            b,
            self.content.value.0,
            self.content.write,
            rc[0],
            rc[1],
            rc[2],
            self.pincount,
            self.mapcount,
            self.flags,
            self.gen,
            self.wb_snapshot.value.0,
            self.wb_snapshot.write,
            self.wb_block,
        ]
    }
}

impl Pack for Frame {
    const N: usize = FRAME_BYTES;
    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes())
    }
    fn unpack(b: &[u8]) -> Self {
        let owner = match b[0] {
            0 => Owner::Free,
            1 => Owner::Cache {
                file: b[1],
                page: b[2],
            },
            2 => Owner::Orphan {
                file: b[1],
                page: b[2],
            },
            3 => Owner::Anon,
            4 => Owner::Bounce {
                file: b[1],
                page: b[2],
            },
            5 => Owner::Dax {
                file: b[1],
                page: b[2],
            },
            _ => Owner::DaxFree,
        };
        Frame {
            owner,
            content: Content {
                value: Value(b[3]),
                write: b[4],
            },
            refcount: u32::from_le_bytes([b[5], b[6], b[7], 0]),
            pincount: b[8],
            mapcount: b[9],
            flags: b[10],
            gen: b[11],
            wb_snapshot: Content {
                value: Value(b[12]),
                write: b[13],
            },
            wb_block: b[14],
        }
    }
}

impl Pack for PageSlot {
    const N: usize = 4;
    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.cache,
            self.block,
            self.reserved as u8 | (self.unwritten as u8) << 1,
            self.durable,
        ])
    }
    fn unpack(b: &[u8]) -> Self {
        PageSlot {
            cache: b[0],
            block: b[1],
            reserved: b[2] & 1 != 0,
            unwritten: b[2] & 2 != 0,
            durable: b[3],
        }
    }
}

impl Pack for Block {
    const N: usize = 3;
    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.content.value.0, self.content.write, self.used as u8])
    }
    fn unpack(b: &[u8]) -> Self {
        Block {
            content: Content {
                value: Value(b[0]),
                write: b[1],
            },
            used: b[2] != 0,
        }
    }
}

impl Pack for MapState {
    const N: usize = 1;
    fn pack(&self, out: &mut Vec<u8>) {
        out.push(self.mapped as u8 | (self.writable as u8) << 1)
    }
    fn unpack(b: &[u8]) -> Self {
        MapState {
            mapped: b[0] & 1 != 0,
            writable: b[0] & 2 != 0,
        }
    }
}

impl Pack for Pte {
    const N: usize = 2;
    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.frame, self.writable as u8])
    }
    fn unpack(b: &[u8]) -> Self {
        Pte {
            frame: b[0],
            writable: b[1] != 0,
        }
    }
}

/// A call result in four bits (pending, ok, or an errno).
fn pin_result_code(r: PinResult) -> u8 {
    match r {
        PinResult::Pending => 0,
        PinResult::Ok => 1,
        PinResult::Err(e) => 2 + e as u8,
    }
}

/// The inverse of `pin_result_code`.
fn pin_result_from_code(n: u8) -> PinResult {
    match n {
        0 => PinResult::Pending,
        1 => PinResult::Ok,
        n => PinResult::Err(crate::scenario::Errno::ALL[(n - 2) as usize]),
    }
}

impl Pack for HandleState {
    const N: usize = 1;
    fn pack(&self, out: &mut Vec<u8>) {
        let r = pin_result_code(self.result);
        out.push(
            r | (self.lease as u8) << 4 | (self.revoked as u8) << 5 | (self.released as u8) << 7,
        )
    }
    fn unpack(b: &[u8]) -> Self {
        let result = pin_result_from_code(b[0] & 0x0f);
        HandleState {
            result,
            lease: b[0] & 0x10 != 0,
            revoked: b[0] & 0x20 != 0,
            released: b[0] & 0x80 != 0,
        }
    }
}

impl Pack for (u8, u8) {
    const N: usize = 2;
    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.0, self.1])
    }
    fn unpack(b: &[u8]) -> Self {
        (b[0], b[1])
    }
}

impl Pack for Observed {
    const N: usize = 2;
    fn pack(&self, out: &mut Vec<u8>) {
        match self {
            Observed::None => out.extend_from_slice(&[0, 0]),
            Observed::Val(v) => out.extend_from_slice(&[1, v.0]),
            // A `seal`'s register holds its result.
            Observed::Pin(r) => out.extend_from_slice(&[2, pin_result_code(*r)]),
        }
    }
    fn unpack(b: &[u8]) -> Self {
        match b[0] {
            1 => Observed::Val(Value(b[1])),
            2 => Observed::Pin(pin_result_from_code(b[1])),
            _ => Observed::None,
        }
    }
}

fn put<T: Pack>(v: &[T], out: &mut Vec<u8>) {
    out.extend_from_slice(&(v.len() as u16).to_le_bytes());
    for x in v {
        x.pack(out);
    }
}

fn get<T: Pack>(v: &mut Vec<T>, b: &mut &[u8]) {
    let n = u16::from_le_bytes([b[0], b[1]]) as usize;
    *b = &b[2..];
    v.clear();
    v.extend(b[..n * T::N].chunks_exact(T::N).map(T::unpack));
    *b = &b[n * T::N..];
}

impl State {
    /// Appends a flat encoding of the state to `out`. Equal states encode equally and the
    /// encoding is injective (every vector carries its length), so the checker fingerprints the
    /// bytes and keeps the frontier in this form.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put(&self.threads, out);
        put(&self.frames, out);
        put(&self.sizes, out);
        put(&self.pages, out);
        put(&self.blocks, out);
        put(&self.maps, out);
        put(&self.ptes, out);
        put(&self.handles, out);
        put(&self.pinned, out);
        put(&self.regs, out);
        put(&self.acks, out);
        put(&self.promises, out);
        put(&self.completions, out);
        out.extend_from_slice(&[self.next_ack, self.freeze, self.sealed]);
    }

    /// Overwrites `self` with the state `encode` wrote to `b`, reusing allocations.
    pub fn decode_from(&mut self, mut b: &[u8]) {
        get(&mut self.threads, &mut b);
        get(&mut self.frames, &mut b);
        get(&mut self.sizes, &mut b);
        get(&mut self.pages, &mut b);
        get(&mut self.blocks, &mut b);
        get(&mut self.maps, &mut b);
        get(&mut self.ptes, &mut b);
        get(&mut self.handles, &mut b);
        get(&mut self.pinned, &mut b);
        get(&mut self.regs, &mut b);
        get(&mut self.acks, &mut b);
        get(&mut self.promises, &mut b);
        get(&mut self.completions, &mut b);
        self.next_ack = b[0];
        self.freeze = b[1];
        self.sealed = b[2];
    }
}
