use super::{DeviceRules, Flag, ProbeDrive};

/// process_vm_writev(2)/process_vm_readv(2): process_vm_rw_single_vec() pins the target's pages
/// with pin_user_pages_remote() (FOLL_WRITE when it writes into them), copies with
/// process_vm_rw_pages() and unpins with unpin_user_pages_dirty_lock() — a short-term pin, as
/// direct I/O's.
pub static PROCESS_VM_WRITEV: DeviceRules = DeviceRules {
    name: "process_vm_writev",
    summary: "process_vm_writev/readv (pin_user_pages_remote): short-term FOLL_PIN, FOLL_WRITE when it writes into the target",
    longterm: Flag::Forbidden,
    write: Flag::Optional,
    foll_pin: true,
    gup_caller: "process_vm_rw_single_vec",
    faults: false,
    probe: ProbeDrive::ProcessVmWritev,
};
