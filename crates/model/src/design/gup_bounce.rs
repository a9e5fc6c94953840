use super::{Handling, OpCost, PROCEED};

/// Seed 002 (Kara, LSF/MM 2018): "GUP users (at least the long term ones) won't get references
/// directly to page cache pages but only to some bounce pages ... and data would be just copied to
/// the page cache pages at set_page_dirty_lock() time ... data won't be visible in the file until
/// GUP user is done with it".
pub static GUP_BOUNCE: Handling = Handling {
    name: "gup-bounce",
    summary: "long-term GUP of real filesystem pages returns private bounce pages; unpin(dirty) writes them into the page cache through the write path (->page_mkwrite, ENOSPC to the unpinning driver); device writes are invisible to the file until then",
    seed: "seed 002 (Kara): \"only to some bounce pages ... copied to the page cache pages at set_page_dirty_lock() time\"",
    longterm_bounce: true,
    // Allocating the bounce page and linking it to its file offset; freeing it at unpin.
    pin_call_cost: OpCost::new(1, 1, 1),
    unpin_call_cost: OpCost::new(1, 1, 1),
    ..PROCEED
};
