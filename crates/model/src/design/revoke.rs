use super::{Handling, OnPinned, OpCost, PROCEED};

/// Seed 002 (Kara, LSF/MM 2018), the first family's other variant: "require that RDMA users
/// provide a way to revoke access from GUPed pages". A long-term pin of file pages registers a
/// revocation callback (a lease, as in `layout-lease`); the kernel calls it before it
/// write-protects (writeback), unmaps (reclaim) or moves the page's storage (truncate, punch,
/// COW), and a holder that has not unpinned loses its access. Short-term pins, which cannot be
/// revoked, are waited for.
pub static REVOKE: Handling = Handling {
    name: "revoke",
    summary: "long-term pins of file pages are revocable: writeback, reclaim, truncate and COW relocation revoke the device's access first; short-term pins are waited for",
    seed: "seed 002 (Kara): \"require that RDMA users provide a way to revoke access from GUPed pages\"",
    layout_lease: true,
    revoke: true,
    writeback_pinned: OnPinned::Wait,
    truncate_pinned: OnPinned::Wait,
    dax_truncate_pinned: OnPinned::Wait,
    reclaim_pinned: OnPinned::Wait,
    // Registering the revocation callback and dropping it: the lease's lock and list.
    pin_call_cost: OpCost::new(0, 1, 1),
    unpin_call_cost: OpCost::new(0, 1, 1),
    ..PROCEED
};
