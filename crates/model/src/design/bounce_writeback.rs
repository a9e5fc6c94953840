use super::{Handling, OnPinned, PROCEED};

/// Seed 003 (Glisse, Dec 2018): "have page_mkclean return a is_pin boolean if page is pin than the
/// fs code use a bounce page to do the write back giving a stable bounce page. More over fs will
/// need to keep around all buffer_head, blocks, ... so that any latter set_page_dirty would not
/// freak out". Chinner's answer in the same thread is what the model keeps checking:
/// `->page_mkwrite` must still run on every clean->dirty, and a COW filesystem needs a new extent
/// every time.
pub static BOUNCE_WRITEBACK: Handling = Handling {
    name: "bounce-writeback",
    summary: "writeback of a pinned page writes a stable bounce copy and DMA goes on; the filesystem keeps the page's blocks and buffers (reclaim too) so a later set_page_dirty needs no allocation, except on COW",
    seed: "seed 003 (Glisse, Dec 2018): \"use a bounce page to do the write back ... keep around all buffer_head, blocks\"",
    writeback_pinned: OnPinned::Bounce,
    reclaim_pinned: OnPinned::KeepBuffers,
    ..PROCEED
};
