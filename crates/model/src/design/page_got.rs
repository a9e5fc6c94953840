use super::{OpCost, PinRef, Tracking};

/// Seed 004 (Wilcox, Jun 2018): "Pages which are 'got' don't need to be on the LRU list ... we can
/// use page->lru for fun things like a 'got' refcount. If we use bit 1 of page->lru for PageGot".
pub static PAGE_GOT: Tracking = Tracking {
    name: "page-got",
    summary: "a PageGot flag and an exact got-count in the page->lru space; a pinned page leaves the LRU (its aging is lost, and reclaim never meets it)",
    seed: "seed 004 (Wilcox, Jun 2018): PageGot in bit 1 of page->lru; Kara: \"pulling a page out of LRU requires page lock\"",
    pin_ref: PinRef::Exact,
    pin_fn: "get_user_pages_got",
    unpin_fn: "put_user_page_got",
    unpin_dirty_fn: "put_user_pages_dirty_lock",
    // Every pin: a page reference and the got-count, two atomics; unpin the same.
    pin_page_cost: OpCost::new(2, 0, 0),
    pin_call_cost: OpCost::ZERO,
    unpin_page_cost: OpCost::new(2, 0, 0),
    unpin_call_cost: OpCost::ZERO,
    // The first pin isolates the folio from the LRU under the folio lock and the lruvec lock
    // (Kara, seed 004: "pulling a page out of LRU requires page lock") and sets PageGot; the last
    // unpin puts it back the same way.
    lru_cost: OpCost::new(1, 2, 0),
    // page->lru is a list_head: two words.
    struct_page_bytes: 16,
    off_lru: true,
    unevictable_when_pinned: true,
};
