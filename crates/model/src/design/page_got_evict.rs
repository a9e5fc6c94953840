use super::{OpCost, PinRef, Tracking};

/// Seed 004 (Wilcox, Jun 2018): "Pages which are 'got' don't need to be on the LRU list", with
/// PageGot kept until the page is evicted from the page cache. Kara's answer in the same mail:
/// "until the flag is cleared (i.e., we are sure there are no writers using references from GUP)
/// you cannot writeback the page safely which does not work well with your idea of clearing the
/// flag only once the page is evicted from page cache (hint, page cache page cannot get evicted
/// until it is written back)". With `wait`, the checker shows the deadlock he predicts.
pub static PAGE_GOT_EVICT: Tracking = Tracking {
    name: "page-got-evict",
    summary: "PageGot set by the first pin and cleared only when the page is evicted: a page once pinned stays off the LRU and looks pinned until it leaves memory",
    seed: "seed 004 (Wilcox, Jun 2018), with Kara's objection: a page cannot be evicted until it is written back",
    pin_ref: PinRef::Sticky,
    pin_fn: "get_user_pages_got",
    unpin_fn: "put_user_page_got",
    unpin_dirty_fn: "put_user_pages_dirty_lock",
    // The same flag and count as page-got, but no LRU putback at unpin.
    pin_page_cost: OpCost::new(2, 0, 0),
    pin_call_cost: OpCost::ZERO,
    unpin_page_cost: OpCost::new(2, 0, 0),
    unpin_call_cost: OpCost::ZERO,
    lru_cost: OpCost::new(1, 2, 0),
    struct_page_bytes: 16,
    off_lru: true,
    unevictable_when_pinned: true,
};
