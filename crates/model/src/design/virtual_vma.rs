use super::{OpCost, PinRef, Tracking};

/// Seed 004 (Kara, Jun 2018): "inserting a 'virtual' VMA into vma interval tree in the inode - as
/// the GUP references are IMHO closest to an mlocked mapping".
pub static VIRTUAL_VMA: Tracking = Tracking {
    name: "virtual-vma",
    summary: "each pin inserts a pseudo-VMA for the file range into the inode's i_mmap tree, like an mlocked mapping; file-range operations find pins there, exact per range, without struct page space; reclaim moves covered pages aside (unevictable) instead of waiting",
    seed: "seed 004 (Kara, Jun 2018): a \"virtual\" VMA in the inode's vma interval tree",
    pin_ref: PinRef::FileRange,
    pin_fn: "get_user_pages_vma",
    unpin_fn: "put_user_pages_vma",
    unpin_dirty_fn: "put_user_pages_dirty_lock",
    // Each page still takes a reference (one atomic); each pin call allocates the pseudo-VMA and
    // inserts it into the inode's interval tree under i_mmap_rwsem (one lock, one tree update);
    // unpin removes it the same way.
    pin_page_cost: OpCost::new(1, 0, 0),
    pin_call_cost: OpCost::new(0, 1, 1),
    unpin_page_cost: OpCost::new(1, 0, 0),
    unpin_call_cost: OpCost::new(0, 1, 1),
    lru_cost: OpCost::ZERO,
    struct_page_bytes: 0,
    off_lru: false,
    unevictable_when_pinned: true,
};
