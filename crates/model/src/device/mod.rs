//! DMA-capable GUP users. Adding a device is one new file defining a `DeviceRules` and one line in
//! `DEVICES`; every field is required, including `probe`: how crates/probe makes the device's
//! pins real on a running kernel, or why it cannot.

mod dio;
mod gpu_hmm;
mod io_uring;
mod process_vm_writev;
mod rdma;
mod rdma_odp;
#[cfg(test)]
mod testdev;
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
    #[cfg(test)]
    &testdev::TESTDEV,
];

/// Whether a GUP flag is implied by the device, optional (the litmus `pin` says), or impossible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Implied,
    Optional,
    Forbidden,
}

/// How the probe (crates/probe, `pinlab probe`) drives a device's pins on a running kernel. The
/// probe matches it exhaustively: a device it cannot drive is an explicit, reported skip, never
/// a stand-in by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeDrive {
    /// IORING_REGISTER_BUFFERS: the device itself (a long-term FOLL_PIN|FOLL_WRITE pin).
    IoUring,
    /// io_uring fixed buffers stand in for the device's long-term pin (the same
    /// FOLL_WRITE|FOLL_LONGTERM pin); a read-only pin cannot be made that way, and is skipped.
    IoUringStandIn,
    /// One O_DIRECT read (or write) per page, at the pin.
    Dio,
    /// One process_vm_writev (or readv) per page, at the pin.
    ProcessVmWritev,
    /// vmsplice into a pipe.
    Vmsplice,
    /// The probe cannot drive it; the reason is what the probe reports for every scenario that
    /// pins through it.
    Skip(&'static str),
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
    /// How the probe drives it (`ProbeDrive`).
    pub probe: ProbeDrive,
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
