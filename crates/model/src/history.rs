//! The history of an execution: what happened, in order, as plain facts.
//!
//! The model judges its properties inside its steps, from bookkeeping it keeps for the purpose
//! (`pg::FS_CLEAN`, `wb_snapshot`, a page's `durable` promise). A bug there is invisible to every
//! test that trusts the same bookkeeping. So, when asked (`World::step_recording`), the model
//! also writes down each thing it did — a frame allocated or freed, a content written, a page
//! prepared by ->page_mkwrite, dirtied, submitted for writeback, a block allocated, an fsync
//! started or returned, a DMA — and the oracle in `pinlab-check` (`oracle.rs`) decides every
//! property a second time from these facts alone, reading nothing else of the model.
//!
//! Events name frames and blocks by index. A frame index is reused after `FrameFree`, a block
//! index after `BlockFree`; the history says when. For fs-DAX, frame `b` is the persistent
//! memory of block `b` for the whole run: its `Write`s are disk writes.
//!
//! Every event is emitted at the point the action happens, in the order the kernel would do
//! it inside the step; `World::init_history` describes the initial state with the same events.

use crate::state::{Content, Owner};

/// Who changed a frame's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Writer {
    /// A CPU store through a page-table entry.
    Cpu,
    /// write(2) (`write_begin`/copy/`write_end`, or `dax_iomap_rw`).
    Syscall,
    /// A device, through a pin or a device page table.
    Dma,
    /// gup-bounce: a bounce page's content copied into the page cache at unpin.
    CopyBack,
}

/// Why acknowledged data was dropped instead of written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// No space: an allocation at writeback, btrfs's fixup worker, or a gup-bounce copy-back
    /// found no free block.
    Enospc,
    /// The filesystem chose to drop it: ext4 warns and skips a dirty page without buffers,
    /// iomap skips a hole nobody reserved, fs-tolerant discards what is not allocated.
    Dropped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    // Memory -----------------------------------------------------------------------------------
    /// A frame was allocated for `owner` holding `content`: a page-cache page read in (content
    /// from the disk; zeros for a hole or an unwritten extent) or created, an anonymous page, a
    /// COW copy, a gup-bounce page. A page-cache page starts clean, without buffers.
    FrameAlloc {
        frame: u8,
        owner: Owner,
        content: Content,
    },
    /// The frame went back to the free list (its last reference was dropped). A page-cache page
    /// freed this way has left the page cache (reclaim evicted it).
    FrameFree { frame: u8 },
    /// truncate/punch removed a page-cache page from the file while something still held it
    /// (folio->mapping = NULL): it is no longer the file's, and no longer dirty.
    Orphaned { frame: u8 },
    /// The frame's content became `content` (a CPU store, write(2), a DMA write, a copy-back).
    Write {
        frame: u8,
        content: Content,
        by: Writer,
    },
    /// The write that put `write` (a write id) into the system completed: its issuer was told
    /// it is done. Write 0 (the initial content) is acknowledged before everything.
    Ack { write: u8 },

    // The filesystem's view of a page-cache page -----------------------------------------------
    /// The filesystem was told the page will be dirtied and prepared it (buffers attached, space
    /// reserved or blocks mapped): ->page_mkwrite, ->write_begin, page_mkwrite_light, btrfs's
    /// fixup worker.
    Prepared { frame: u8 },
    /// release_folio(): the page's buffers and reservation were dropped (reclaim).
    Released { frame: u8 },
    /// The page became dirty (PG_dirty set; a page that was dirty already is not reported). `outside`: by
    /// folio_mark_dirty()/set_page_dirty() from outside the filesystem (an unpin), not through
    /// its fault or write path.
    Dirtied { frame: u8, outside: bool },

    // Writeback ---------------------------------------------------------------------------------
    /// A writeback pass met this dirty page of `file`/`page` and is about to clean it.
    WritebackMeets { frame: u8, file: u8, page: u8 },
    /// folio_clear_dirty_for_io() + folio_mkclean() + folio_start_writeback(): the page is now
    /// clean to the filesystem and a bio to `block` was submitted. The checksum or integrity tag
    /// (where writes must be stable) is computed over the page's content now. `bounce`: the bio
    /// carries a copy of that content, not the page.
    WritebackSubmit { frame: u8, block: u8, bounce: bool },
    /// The bio to `block` completed: the block holds what the bio carried (the page's content
    /// now, or the bounce copy); folio_end_writeback().
    WritebackComplete { frame: u8, block: u8 },
    /// The pass cleaned the page without writing it (`redirtied` false) or left it dirty for a
    /// later pass (`redirtied` true: btrfs's -EAGAIN for its fixup worker).
    WritebackSkip { frame: u8, redirtied: bool },
    /// Acknowledged data the application was told is written was dropped: `content` of
    /// `file`/`page` will never reach the disk.
    DataLost {
        file: u8,
        page: u8,
        content: Content,
        why: Loss,
    },

    // The disk and the file's block map ----------------------------------------------------------
    /// The block is now in use (allocated; for fs-DAX its storage is zeroed).
    BlockAlloc { block: u8 },
    /// The block went back to the allocator.
    BlockFree { block: u8 },
    /// The block holds `content` (the initial state; writes afterwards are `WritebackComplete`,
    /// or `Write`s to fs-DAX storage).
    BlockContent { block: u8, content: Content },
    /// `file`/`page` is now backed by `block` (`state::NONE`: a hole); `unwritten`: an unwritten
    /// extent, which reads as zeros.
    Extent {
        file: u8,
        page: u8,
        block: u8,
        unwritten: bool,
    },
    /// i_size of `file` is now `pages` pages.
    Size { file: u8, pages: u8 },
    /// truncate/punch removed `file`/`page`'s data (cached page and block): data lost because
    /// the application asked for it.
    Punched { file: u8, page: u8 },

    // Integrity passes and freeze ----------------------------------------------------------------
    /// An fsync (`file` is Some) or a sync / freeze's sync (None: every file) started on
    /// `thread`: everything acknowledged so far in its scope must be on disk when it returns.
    SyncStart { thread: u8, file: Option<u8> },
    /// That thread's fsync/sync returned.
    SyncReturn { thread: u8 },
    /// freeze_super() finished: the filesystem is frozen (SB_FREEZE_COMPLETE).
    Frozen,
    /// thaw_super().
    Thawed,

    // Devices ------------------------------------------------------------------------------------
    /// Page `k` of `handle` now holds `frame` (a pin's reference, or a fault-capable device's
    /// page-table entry); `state::NONE`: the zero page, which is never pinned.
    Pin { handle: u8, k: u8, frame: u8 },
    /// Page `k` of `handle` no longer holds its frame (unpin, revocation, an invalidation of a
    /// device page table).
    Unpin { handle: u8, k: u8 },
    /// The device read (`write` None) or wrote page `k` of `handle`, reaching `frame`.
    Dma {
        handle: u8,
        k: u8,
        frame: u8,
        write: Option<Content>,
    },
    /// The design refused a pin the application could otherwise have had.
    Refused { handle: u8 },
    /// The design revoked the device's access through `handle`.
    Revoked { handle: u8 },

    // Threads ------------------------------------------------------------------------------------
    /// A litmus thread's op returned (the thread moves to its next op).
    OpDone { thread: u8 },
}
