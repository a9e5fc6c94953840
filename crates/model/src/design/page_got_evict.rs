use super::{PinRef, Tracking};

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
    // The same flag, count and costs as page-got; the unpin just never puts the page back on
    // the LRU.
    ..super::page_got::PAGE_GOT
};
