//! DMA-capable GUP users. Adding a device is one new file defining a `DeviceRules` and one line in
//! `DEVICES`.

mod dio;
mod gpu_hmm;
mod io_uring;
mod process_vm_writev;
mod rdma;
mod rdma_odp;
mod vfio;
mod vmsplice;

pub static DEVICES: &[&DeviceRules] = &[
    &rdma::RDMA,
    &dio::DIO,
    &process_vm_writev::PROCESS_VM_WRITEV,
    &io_uring::IO_URING,
    &vmsplice::VMSPLICE,
    &rdma_odp::RDMA_ODP,
    &gpu_hmm::GPU_HMM,
    &vfio::VFIO,
];

/// Whether a GUP flag is implied by the device, optional (the litmus `pin` says), or impossible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Implied,
    Optional,
    Forbidden,
}

#[derive(Debug)]
pub struct DeviceRules {
    pub name: &'static str,
    pub summary: &'static str,
    /// FOLL_LONGTERM
    pub longterm: Flag,
    /// FOLL_WRITE (the device may write the pages)
    pub write: Flag,
    /// Uses FOLL_PIN once the kernel has it (false: plain FOLL_GET references, as vmsplice).
    pub foll_pin: bool,
    /// The kernel function that takes the references, for traces.
    pub gup_caller: &'static str,
    /// Page-fault capable (ODP, HMM): holds no pins under any design; registers an mmu interval
    /// notifier, faults pages in with hmm_range_fault(), loses its mapping of a page on every
    /// invalidation (folio_mkclean, unmap, truncate) and refaults before its next access.
    pub faults: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeviceKind(pub u8);

impl DeviceKind {
    pub fn rules(self) -> &'static DeviceRules {
        DEVICES[self.0 as usize]
    }
    pub fn name(self) -> &'static str {
        self.rules().name
    }
    pub fn from_name(s: &str) -> Option<DeviceKind> {
        DEVICES
            .iter()
            .position(|d| d.name == s)
            .map(|i| DeviceKind(i as u8))
    }
    pub fn names() -> Vec<&'static str> {
        DEVICES.iter().map(|d| d.name).collect()
    }
}
