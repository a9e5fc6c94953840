use super::{DeviceRules, Flag, ProbeDrive};

/// An RDMA NIC with on-demand paging (mlx5 ODP, drivers/infiniband/core/umem_odp.c).
pub static RDMA_ODP: DeviceRules = DeviceRules {
    name: "rdma-odp",
    summary: "RDMA with on-demand paging (ib_umem_odp_get): no pins; an mmu interval notifier invalidates the NIC's page table and the NIC refaults through hmm_range_fault",
    longterm: Flag::Implied,
    write: Flag::Optional,
    foll_pin: false,
    gup_caller: "ib_umem_odp_map_dma_and_lock",
    faults: true,
    probe: ProbeDrive::Skip("rdma-odp needs an ODP-capable RDMA NIC"),
};
