use super::{FsRules, Unprepared};

/// XFS through iomap.
pub static XFS: FsRules = FsRules {
    name: "xfs",
    summary: "iomap delalloc: ->page_mkwrite (iomap_page_mkwrite) reserves; writeback writes allocated blocks and silently skips holes",
    page_mkwrite: true,
    backing: true,
    cow: false,
    data_checksums: false,
    unprepared: Unprepared::WriteIfMapped,
    write_syscall: true,
    dax: false,
    sealable: false,
    warn_dirty_without_buffers: false,
    kernel_threads: &[],
};
