use super::{Handling, OpCost, PROCEED};

/// Seed 001 (Chinner, Oct 2018): "We could address these use-after-free situations via forcing
/// RDMA to use file layout leases and revoke the lease when we need to modify the backing store
/// on leased files. However, this doesn't solve the need for filesystems to receive write fault
/// notifications". Ira Weiny's F_LAYOUT RFC (2019, docs/sources.md#fs-dax) built it on
/// dax_layout_busy_page(), so short-term DAX pins are still waited for.
pub static LAYOUT_LEASE: Handling = Handling {
    name: "layout-lease",
    summary: "a long-term pin of file pages takes a layout lease; truncate, punch or a COW relocation breaks it, and a holder that has not unpinned by the lease-break timeout has its device access revoked",
    seed: "seed 001 (Chinner, Oct 2018): \"forcing RDMA to use file layout leases and revoke the lease when we need to modify the backing store\"",
    layout_lease: true,
    dax_truncate_pinned: super::OnPinned::Wait,
    // Taking the lease: the file's lease lock and an insert in its lease list; released the same way.
    pin_call_cost: OpCost::new(0, 1, 1),
    unpin_call_cost: OpCost::new(0, 1, 1),
    ..PROCEED
};
