use super::{DeviceRules, Flag, ProbeDrive};

/// A GPU mirroring the process address space through HMM (mm/hmm.c, e.g. nouveau SVM, amdgpu).
pub static GPU_HMM: DeviceRules = DeviceRules {
    name: "gpu-hmm",
    summary: "GPU shared virtual memory through HMM (hmm_range_fault + mmu_interval_notifier): no pins; invalidations remove the GPU's mapping and it refaults",
    longterm: Flag::Implied,
    write: Flag::Optional,
    foll_pin: false,
    gup_caller: "hmm_range_fault",
    faults: true,
    probe: ProbeDrive::Skip("gpu-hmm needs a GPU driver using HMM"),
};
