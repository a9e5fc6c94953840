use super::{PinRef, Tracking};

pub static PINCOUNT: Tracking = Tracking {
    name: "pincount",
    summary: "FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to the refcount; folio_maybe_dma_pinned() may report false positives",
    seed: "upstream v5.7 (research/kernel-gup.md §1.2), the descendant of seed 004's PageGot count",
    pin_ref: PinRef::Bias,
    pin_fn: "pin_user_pages",
    unpin_fn: "unpin_user_page",
    unpin_dirty_fn: "unpin_user_pages_dirty_lock",
};
