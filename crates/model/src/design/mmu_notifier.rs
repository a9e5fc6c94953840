use super::{Handling, PinRequest, PROCEED};
use crate::scenario::Errno;

/// Seed 003 (Glisse, Dec 2018): "i am fine with telling GUP user that do not abibe by mmu notifier
/// and thus that keep writing to page after write back that they need to stop"; seed 001
/// (Chinner): "I'm not sure this can be solved without having page fault capable RDMA hardware".
/// Devices that cannot fault lose long-term pins of real filesystem pages; fault-capable devices
/// (rdma-odp, gpu-hmm) never pin under any design.
fn refuse(req: &PinRequest) -> Option<Errno> {
    (req.longterm && (req.real_fs_shared() || req.vma_is_fsdax())).then_some(Errno::EOPNOTSUPP)
}

pub static MMU_NOTIFIER: Handling = Handling {
    name: "mmu-notifier",
    summary: "page-fault-capable devices hold no pins: mkclean/unmap/truncate invalidate them and they refault through ->page_mkwrite; long-term pins by devices that cannot fault are refused on shared real-filesystem and DAX mappings",
    seed: "seed 003 (Glisse): devices that do not abide by mmu notifiers \"can not use GUP anymore\"; pin_user_pages.rst CASE 3",
    refuse,
    ..PROCEED
};
