use super::{DeviceRules, Flag, ProbeDrive};

/// vmsplice(2) into a pipe: read-only references that live as long as the pipe buffer.
pub static VMSPLICE: DeviceRules = DeviceRules {
    name: "vmsplice",
    summary: "vmsplice without SPLICE_F_GIFT (iov_iter_get_pages2): plain FOLL_GET references, read-only, long-lived",
    longterm: Flag::Forbidden,
    write: Flag::Forbidden,
    foll_pin: false,
    gup_caller: "iov_iter_get_pages2",
    faults: false,
    probe: ProbeDrive::Vmsplice,
};
