use super::{OpCost, PinRef, Tracking};

pub static GET: Tracking = Tracking {
    name: "get",
    summary: "FOLL_GET: ordinary page references released with put_page(); a pinned page looks like any other",
    seed: "seed 002 (Kara, LSF/MM 2018): the state of get_user_pages() the problem statement starts from",
    pin_ref: PinRef::Plain,
    pin_fn: "get_user_pages",
    unpin_fn: "put_page",
    unpin_dirty_fn: "set_page_dirty_lock",
    // try_grab_folio(FOLL_GET): one atomic increment of the refcount; put_page one decrement.
    pin_page_cost: OpCost::new(1, 0, 0),
    pin_call_cost: OpCost::ZERO,
    unpin_page_cost: OpCost::new(1, 0, 0),
    unpin_call_cost: OpCost::ZERO,
    lru_cost: OpCost::ZERO,
    struct_page_bytes: 0,
    off_lru: false,
    unevictable_when_pinned: false,
};
