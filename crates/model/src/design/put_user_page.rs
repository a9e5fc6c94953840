use super::{OpCost, PinRef, Tracking};

pub static PUT_USER_PAGE: Tracking = Tracking {
    name: "put-user-page",
    summary:
        "the same references, released through put_user_page*() so that tracking can be added later",
    seed: "seed 000 (Hubbard's \"mm: introduce put_user_page*(), placeholder versions\", Mar 2019)",
    pin_ref: PinRef::Plain,
    pin_fn: "get_user_pages",
    unpin_fn: "put_user_page",
    unpin_dirty_fn: "put_user_pages_dirty_lock",
    // The placeholder put_user_page() is put_page(): the same one atomic each way.
    pin_page_cost: OpCost::new(1, 0, 0),
    pin_call_cost: OpCost::ZERO,
    unpin_page_cost: OpCost::new(1, 0, 0),
    unpin_call_cost: OpCost::ZERO,
    lru_cost: OpCost::ZERO,
    struct_page_bytes: 0,
    off_lru: false,
    unevictable_when_pinned: false,
};
