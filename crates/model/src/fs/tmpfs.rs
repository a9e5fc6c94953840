use super::generic::GENERIC_INODE_OPS;
use super::shmem::{SHMEM_AOPS, SHMEM_FILE_OPS, SHMEM_SOPS, SHMEM_VM_OPS};
use super::{FsRules, ProbeBacking, Unprepared};

/// tmpfs/shmem: memory only, no ->page_mkwrite, nothing to write back (no swap modelled).
/// `memfd` is the same shmem with seals.
pub static TMPFS: FsRules = FsRules {
    name: "tmpfs",
    summary: "shmem: memory only, no ->page_mkwrite, no writeback; behaves like anonymous memory (seed 000)",
    backing: false,
    data_checksums: false,
    write_syscall: true,
    dax: false,
    sealable: false,
    cow: false,
    kernel_threads: &[],
    unprepared: Unprepared::WriteIfMapped,
    warn_dirty_without_buffers: false,
    probe: ProbeBacking::Tmpfs,
    a_ops: &SHMEM_AOPS,
    vm_ops: &SHMEM_VM_OPS,
    f_ops: &SHMEM_FILE_OPS,
    i_ops: &GENERIC_INODE_OPS,
    s_ops: &SHMEM_SOPS,
};
