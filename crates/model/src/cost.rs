//! What a design's mechanisms cost, counted per step as the model runs: the figures
//! `pinlab designs --costs` and `pinlab rank` report.

use serde::Serialize;

/// Counters summed over steps. Pin and unpin figures come from the tracking mechanism's and the
/// handling's `OpCost`s; the rest are events the model sees happen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cost {
    /// Pages pinned, and pin calls completed (one per `pin` op that succeeded).
    pub pin_pages: u64,
    pub pin_calls: u64,
    /// Pages unpinned, and unpin calls.
    pub unpin_pages: u64,
    pub unpin_calls: u64,
    pub pin_atomics: u64,
    pub pin_locks: u64,
    pub pin_tree_updates: u64,
    pub unpin_atomics: u64,
    pub unpin_locks: u64,
    pub unpin_tree_updates: u64,
    /// Pages taken off the LRU by a pin (page-got).
    pub lru_removals: u64,
    /// `folio_maybe_dma_pinned()` answered true for a page no FOLL_PIN user holds, at a point
    /// where the answer decided what the kernel did.
    pub false_positives: u64,
    /// Whole-page copies: bounce pages at writeback, gup-bounce copies in and out.
    pub page_copies: u64,
    /// Device mappings torn down by an mmu notifier, and device refaults.
    pub invalidations: u64,
    pub refaults: u64,
}

impl Cost {
    /// Adds `o` to `self`, field by field.
    pub fn add(&mut self, o: &Cost) {
        self.pin_pages += o.pin_pages;
        self.pin_calls += o.pin_calls;
        self.unpin_pages += o.unpin_pages;
        self.unpin_calls += o.unpin_calls;
        self.pin_atomics += o.pin_atomics;
        self.pin_locks += o.pin_locks;
        self.pin_tree_updates += o.pin_tree_updates;
        self.unpin_atomics += o.unpin_atomics;
        self.unpin_locks += o.unpin_locks;
        self.unpin_tree_updates += o.unpin_tree_updates;
        self.lru_removals += o.lru_removals;
        self.false_positives += o.false_positives;
        self.page_copies += o.page_copies;
        self.invalidations += o.invalidations;
        self.refaults += o.refaults;
    }

    /// The single figure `pinlab rank` weighs designs by: operations (atomics + locks + tree
    /// updates) per pinned page, plus the same per unpinned page, plus page copies per pinned
    /// page. Each side is divided by its own page count: the checker counts a step once per
    /// distinct state it is taken from, and an unpin is reached from more states than the pin
    /// before it whenever other threads interleave, so one denominator for both would charge a
    /// design for the interleavings it allows.
    pub fn ops_per_page(&self) -> f64 {
        let ratio = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        ratio(
            self.pin_atomics + self.pin_locks + self.pin_tree_updates,
            self.pin_pages,
        ) + ratio(
            self.unpin_atomics + self.unpin_locks + self.unpin_tree_updates,
            self.unpin_pages,
        ) + ratio(self.page_copies, self.pin_pages)
    }
}
