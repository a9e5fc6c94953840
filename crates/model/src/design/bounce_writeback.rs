use super::{Handling, OnPinned, PROCEED};

/// Seed 003 (Glisse, Dec 2018): "have page_mkclean return a is_pin boolean if page is pin than the
/// fs code use a bounce page to do the write back giving a stable bounce page. More over fs will
/// need to keep around all buffer_head, blocks, ... so that any latter set_page_dirty would not
/// freak out". Chinner's answer in the same thread is what the model keeps checking:
/// `->page_mkwrite` must still run on every clean->dirty, and a COW filesystem needs a new extent
/// every time. Glisse's answer: "Is keeping the result of the first page_mkwrite not doable ? ...
/// a latter lighter page_mkwrite_light that can be call by put_user_page" — modelled: the unpin
/// of a dirty page calls it, so the filesystem hears of the dirtying (and a COW filesystem
/// reserves its extent, or reports ENOSPC after the device's data was acknowledged); the DMA
/// writes before it still change a page the filesystem has clean.
pub static BOUNCE_WRITEBACK: Handling = Handling {
    name: "bounce-writeback",
    summary: "writeback of a pinned page writes a stable bounce copy and DMA goes on; the filesystem keeps the page's blocks and buffers (reclaim too), and the unpin calls page_mkwrite_light, which reserves again only on COW",
    seed: "seed 003 (Glisse, Dec 2018): \"use a bounce page to do the write back ... keep around all buffer_head, blocks\"",
    writeback_pinned: OnPinned::Bounce,
    reclaim_pinned: OnPinned::KeepBuffers,
    unpin_mkwrite_light: true,
    ..PROCEED
};
