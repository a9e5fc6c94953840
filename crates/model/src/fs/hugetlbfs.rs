use super::{FsRules, Unprepared};

/// hugetlbfs: memory only; one litmus page stands for one huge page.
pub static HUGETLBFS: FsRules = FsRules {
    name: "hugetlbfs",
    summary: "huge pages, memory only, no ->page_mkwrite, no writeback, no write(2) (seed 000's special filesystems)",
    page_mkwrite: false,
    backing: false,
    cow: false,
    data_checksums: false,
    unprepared: Unprepared::WriteIfMapped,
    write_syscall: false,
    dax: false,
    sealable: false,
    warn_dirty_without_buffers: false,
    kernel_threads: &[],
};
