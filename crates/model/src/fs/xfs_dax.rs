use super::{FsRules, Unprepared};

/// XFS mounted with -o dax on persistent memory.
pub static XFS_DAX: FsRules = FsRules {
    name: "xfs-dax",
    summary: "fs-DAX through iomap: the mapping is the storage; ->page_mkwrite allocates blocks directly; truncate frees blocks a pin may still reach (xfs_break_dax_layouts waits for busy pages upstream)",
    page_mkwrite: true,
    backing: true,
    cow: false,
    data_checksums: false,
    unprepared: Unprepared::WriteIfMapped,
    write_syscall: true,
    dax: true,
    sealable: false,
    warn_dirty_without_buffers: false,
    kernel_threads: &[],
};
