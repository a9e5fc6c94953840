use super::{OpCost, PinRef, Tracking};

pub static PINCOUNT: Tracking = Tracking {
    name: "pincount",
    summary: "FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to the refcount; folio_maybe_dma_pinned() may report false positives",
    seed: "upstream v5.7 (docs/sources.md#pin-counting), the descendant of seed 004's PageGot count",
    pin_ref: PinRef::Bias,
    pin_fn: "pin_user_pages",
    unpin_fn: "unpin_user_page",
    unpin_dirty_fn: "unpin_user_pages_dirty_lock",
    // try_grab_folio(FOLL_PIN) on a small folio: one atomic add of 1024 to _refcount (large folios
    // add one more to _pincount); gup_put_folio one atomic subtract. The bias lives in the
    // refcount's own bits: no struct page space.
    pin_page_cost: OpCost::new(1, 0, 0),
    pin_call_cost: OpCost::ZERO,
    unpin_page_cost: OpCost::new(1, 0, 0),
    unpin_call_cost: OpCost::ZERO,
    lru_cost: OpCost::ZERO,
    struct_page_bytes: 0,
    off_lru: false,
    unevictable_when_pinned: false,
};
