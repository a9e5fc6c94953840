use super::{FsRules, Unprepared};

/// tmpfs/shmem: memory only, no ->page_mkwrite, nothing to write back (no swap modelled).
/// `memfd` is the same shmem with seals.
pub static TMPFS: FsRules = FsRules {
    name: "tmpfs",
    summary: "shmem: memory only, no ->page_mkwrite, no writeback; behaves like anonymous memory (seed 000)",
    page_mkwrite: false,
    backing: false,
    cow: false,
    data_checksums: false,
    unprepared: Unprepared::WriteIfMapped,
    write_syscall: true,
    dax: false,
    sealable: false,
    warn_dirty_without_buffers: false,
    kernel_threads: &[],
};
