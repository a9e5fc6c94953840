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

    pub fn is_zero(&self) -> bool {
        *self == Cost::default()
    }

    /// Operations (atomics + locks + tree updates) per pinned page, pin and unpin together, plus
    /// the page copies per pinned page: the single figure `pinlab rank` weighs designs by.
    pub fn ops_per_pin(&self) -> f64 {
        if self.pin_pages == 0 {
            return 0.0;
        }
        let ops = self.pin_atomics
            + self.pin_locks
            + self.pin_tree_updates
            + self.unpin_atomics
            + self.unpin_locks
            + self.unpin_tree_updates
            + self.page_copies;
        ops as f64 / self.pin_pages as f64
    }
}
