use super::{Handling, OnPinned, PinRequest};
use crate::scenario::Errno;

/// `check_vma_flags()` → `writable_file_mapping_allowed()` (mm/gup.c, v6.5): FOLL_PIN |
/// FOLL_LONGTERM | FOLL_WRITE on a VMA that `vma_needs_dirty_tracking()` fails with -EFAULT.
fn refuse(req: &PinRequest) -> Option<Errno> {
    (req.longterm && req.write && req.vma_needs_dirty_tracking()).then_some(Errno::EFAULT)
}

pub static UPSTREAM: Handling = Handling {
    name: "upstream",
    summary: "Linux today: writable long-term pins of dirty-tracked shared file mappings fail with EFAULT; short-term pins race with writeback; reclaim keeps pinned folios and their buffers",
    seed: "research/kernel-gup.md §1.3-1.5 and research/real-kernel.md (measured on 6.18)",
    preset_only: true,
    refuse,
    writeback_pinned: OnPinned::Proceed,
    truncate_pinned: OnPinned::Proceed,
    reclaim_pinned: OnPinned::KeepBuffers,
    unshare_ro_longterm_private: true,
};
