use super::{Handling, OnPinned, PinRequest, PROCEED};
use crate::scenario::Errno;

/// `check_vma_flags()` (mm/gup.c): FOLL_LONGTERM on an fs-DAX VMA is -EOPNOTSUPP (v4.15);
/// `writable_file_mapping_allowed()` (v6.5): FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE on a VMA that
/// `vma_needs_dirty_tracking()` fails with -EFAULT.
fn refuse(req: &PinRequest) -> Option<Errno> {
    if req.longterm && req.vma_is_fsdax() {
        return Some(Errno::EOPNOTSUPP);
    }
    (req.longterm && req.write && req.vma_needs_dirty_tracking()).then_some(Errno::EFAULT)
}

pub static UPSTREAM: Handling = Handling {
    name: "upstream",
    summary: "Linux today: writable long-term pins of dirty-tracked shared file mappings fail with EFAULT, long-term pins of fs-DAX with EOPNOTSUPP; short-term pins race with writeback; reclaim keeps pinned folios and their buffers; DAX truncate waits for busy pages",
    seed: "docs/sources.md#what-upstream-linux-did (pin consumers, long-term pins and their refusal, fs-DAX) and docs/sources.md#what-a-real-kernel-does-measured (measured on 6.18)",
    preset_only: true,
    refuse,
    // dax_break_layout() / dax_layout_busy_page() (fs/dax.c, docs/sources.md#fs-dax).
    dax_truncate_pinned: OnPinned::Wait,
    reclaim_pinned: OnPinned::KeepBuffers,
    unshare_ro_longterm_private: true,
    ..PROCEED
};
