use super::{DeviceRules, Flag, ProbeDrive};

/// Direct I/O: the bio pins the user pages for the duration of one I/O.
pub static DIO: DeviceRules = DeviceRules {
    name: "dio",
    summary:
        "O_DIRECT (iov_iter_extract_pages): short-term FOLL_PIN, FOLL_WRITE for a read into memory",
    longterm: Flag::Forbidden,
    write: Flag::Optional,
    foll_pin: true,
    gup_caller: "iov_iter_extract_pages",
    faults: false,
    probe: ProbeDrive::Dio,
};
