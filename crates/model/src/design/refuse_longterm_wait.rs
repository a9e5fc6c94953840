use super::{Handling, OnPinned, PinRequest, PROCEED};
use crate::scenario::Errno;

/// Seed 002 (Kara, LSF/MM 2018), the first family's variant: "refuse to use file pages for RDMA
/// (get_user_pages_longterm()) and block waiting for users like direct IO". Long-term pins are
/// refused as under `refuse-longterm`; the short-term pins left are waited for where the kernel
/// unmaps or write-protects a page (writeback, truncate, reclaim).
fn refuse(req: &PinRequest) -> Option<Errno> {
    super::refuse_longterm::lameter_rule(req)
}

pub static REFUSE_LONGTERM_WAIT: Handling = Handling {
    name: "refuse-longterm-wait",
    summary: "long-term pins of real filesystem pages refused (EOPNOTSUPP) and writeback, truncate and reclaim wait for the short-term ones (direct I/O) until they are unpinned",
    seed: "seed 002 (Kara): \"refuse to use file pages for RDMA (get_user_pages_longterm()) and block waiting for users like direct IO\"",
    refuse,
    writeback_pinned: OnPinned::Wait,
    truncate_pinned: OnPinned::Wait,
    dax_truncate_pinned: OnPinned::Wait,
    reclaim_pinned: OnPinned::Wait,
    ..PROCEED
};
