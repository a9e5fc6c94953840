use super::generic::GENERIC_INODE_OPS;
use super::shmem::{SHMEM_AOPS, SHMEM_FILE_OPS, SHMEM_SOPS, SHMEM_VM_OPS};
use super::{FsRules, ProbeBacking, Unprepared};

/// memfd_create(MFD_ALLOW_SEALING): a shmem file like tmpfs's, which F_ADD_SEALS can seal
/// (memfd_file_seals_ptr() finds its seals; on any other file it is -EINVAL).
pub static MEMFD: FsRules = FsRules {
    name: "memfd",
    summary: "memfd_create(MFD_ALLOW_SEALING): shmem as tmpfs (memory only, no ->page_mkwrite, no writeback), and F_SEAL_WRITE can seal it (mm/memfd.c)",
    backing: false,
    data_checksums: false,
    write_syscall: true,
    dax: false,
    sealable: true,
    cow: false,
    kernel_threads: &[],
    unprepared: Unprepared::WriteIfMapped,
    warn_dirty_without_buffers: false,
    probe: ProbeBacking::Memfd,
    a_ops: &SHMEM_AOPS,
    vm_ops: &SHMEM_VM_OPS,
    f_ops: &SHMEM_FILE_OPS,
    i_ops: &GENERIC_INODE_OPS,
    s_ops: &SHMEM_SOPS,
};
