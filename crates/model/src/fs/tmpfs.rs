use super::{FsRules, Unprepared};

/// tmpfs/shmem (memfd too): memory only, no ->page_mkwrite, nothing to write back (no swap modelled).
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
};
