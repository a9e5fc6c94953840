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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    pub owner: Owner,
    pub content: Content,
    /// folio_ref_count(): page cache + one per PTE + GUP references (a FOLL_PIN adds 1024).
    pub refcount: u16,
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
    /// `durability`: the write an fsync promised is on disk (NONE: no promise).
    pub durable: u8,
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

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    pub frozen: bool,
}

impl State {
    /// Bytes this state occupies: the struct and its vectors' contents (for `bytes per state`).
    pub fn bytes(&self) -> usize {
        use std::mem::size_of_val;
        size_of_val(self)
            + size_of_val(&self.threads[..])
            + size_of_val(&self.frames[..])
            + size_of_val(&self.sizes[..])
            + size_of_val(&self.pages[..])
            + size_of_val(&self.blocks[..])
            + size_of_val(&self.maps[..])
            + size_of_val(&self.ptes[..])
            + size_of_val(&self.handles[..])
            + size_of_val(&self.pinned[..])
            + size_of_val(&self.regs[..])
            + size_of_val(&self.acks[..])
    }

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

    pub fn ack_of(&self, w: u8) -> u8 {
        if w == 0 {
            0
        } else {
            self.acks[w as usize]
        }
    }
}
