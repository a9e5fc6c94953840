use super::{FsRules, Unprepared};

/// memfd_create(MFD_ALLOW_SEALING): a shmem file like tmpfs's, which F_ADD_SEALS can seal
/// (memfd_file_seals_ptr() finds its seals; on any other file it is -EINVAL).
pub static MEMFD: FsRules = FsRules {
    name: "memfd",
    summary: "memfd_create(MFD_ALLOW_SEALING): shmem as tmpfs (memory only, no ->page_mkwrite, no writeback), and F_SEAL_WRITE can seal it (mm/memfd.c)",
    page_mkwrite: false,
    backing: false,
    cow: false,
    data_checksums: false,
    unprepared: Unprepared::WriteIfMapped,
    write_syscall: true,
    dax: false,
    sealable: true,
    warn_dirty_without_buffers: false,
    kernel_threads: &[],
};
