use super::{DeviceRules, Flag, ProbeDrive};

/// io_uring fixed buffers: IORING_REGISTER_BUFFERS pins FOLL_WRITE|FOLL_LONGTERM.
pub static IO_URING: DeviceRules = DeviceRules {
    name: "io_uring",
    summary: "io_uring fixed buffers (io_pin_pages): long-term FOLL_PIN, always FOLL_WRITE",
    longterm: Flag::Implied,
    write: Flag::Implied,
    foll_pin: true,
    gup_caller: "io_pin_pages",
    faults: false,
    probe: ProbeDrive::IoUring,
};
