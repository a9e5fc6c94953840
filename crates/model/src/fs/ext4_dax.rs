use super::{FsRules, Unprepared};

/// ext4 mounted with -o dax on persistent memory.
pub static EXT4_DAX: FsRules = FsRules {
    name: "ext4-dax",
    summary: "fs-DAX: the mapping is the storage; ->page_mkwrite (ext4_dax_fault) allocates blocks directly; truncate frees blocks a pin may still reach (ext4_break_layouts waits for busy pages upstream)",
    page_mkwrite: true,
    backing: true,
    cow: false,
    data_checksums: false,
    unprepared: Unprepared::WarnAndSkip,
    write_syscall: true,
    dax: true,
    sealable: false,
    warn_dirty_without_buffers: false,
    kernel_threads: &[],
};
