use super::{Handling, PROCEED};

/// Seed 003 (Chinner, Dec 2018): "you need to mark pages being written to by a GUP as
/// PageWriteback, so all attempts to write the page will block on wait_on_page_writeback()
/// before trying to write the dirty page". Glisse's answer in the same mail: "No you don't and
/// you can't for the simple reasons is that the GUP of some device driver can last days, weeks,
/// months, years". A FOLL_WRITE pin of a page-cache page sets PG_writeback (after waiting for
/// real writeback) and the last unpin ends it: background writeback skips the page, fsync and
/// truncate wait for it, writers (write(2), write faults) block.
pub static WRITEBACK_MARK: Handling = Handling {
    name: "writeback-mark",
    summary: "a page pinned for write carries PG_writeback until the last unpin: writers block in wait_on_page_writeback(), background writeback skips it, fsync and truncate wait for it",
    seed: "seed 003 (Chinner, Dec 2018): \"mark pages being written to by a GUP as PageWriteback\"",
    pin_marks_writeback: true,
    ..PROCEED
};
