use super::{DeviceRules, Flag, ProbeDrive};

/// VFIO device assignment (drivers/vfio/vfio_iommu_type1.c): VFIO_IOMMU_MAP_DMA pins the range
/// with pin_user_pages_remote(FOLL_LONGTERM, plus FOLL_WRITE when the mapping asks for
/// IOMMU_WRITE) in vaddr_get_pfns() and keeps it pinned until VFIO_IOMMU_UNMAP_DMA
/// (put_pfn(): unpin_user_pages_dirty_lock(.., prot & IOMMU_WRITE)). There is no mmu notifier:
/// the IOMMU mapping stays whatever happens to the page tables.
pub static VFIO: DeviceRules = DeviceRules {
    name: "vfio",
    summary: "VFIO device assignment (vfio_iommu_type1 vaddr_get_pfns): long-term FOLL_PIN through pin_user_pages_remote, FOLL_WRITE when the DMA mapping is writable; no mmu notifier",
    longterm: Flag::Implied,
    write: Flag::Optional,
    foll_pin: true,
    gup_caller: "vfio_pin_pages_remote",
    faults: false,
    probe: ProbeDrive::IoUringStandIn,
};
