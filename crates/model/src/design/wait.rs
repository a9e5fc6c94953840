use super::{Handling, OnPinned, PROCEED};

pub static WAIT: Handling = Handling {
    name: "wait",
    summary: "folio_mkclean/writeback, truncate and reclaim wait until the page is unpinned",
    seed: "seed 002 (Kara): \"block its unmapping / remapping RO until that is dropped\"; seed 003 (Chinner): mark GUP pages so writeback blocks",
    writeback_pinned: OnPinned::Wait,
    truncate_pinned: OnPinned::Wait,
    dax_truncate_pinned: OnPinned::Wait,
    reclaim_pinned: OnPinned::Wait,
    ..PROCEED
};
