use super::{DeviceRules, Flag, ProbeDrive};

/// An RDMA NIC without on-demand paging: a memory registration pins for as long as it lives.
pub static RDMA: DeviceRules = DeviceRules {
    name: "rdma",
    summary: "RDMA memory registration (ib_umem_get): long-term FOLL_PIN, the NIC cannot fault",
    longterm: Flag::Implied,
    write: Flag::Optional,
    foll_pin: true,
    gup_caller: "ib_umem_get",
    faults: false,
    probe: ProbeDrive::IoUringStandIn,
};
