use super::generic::GENERIC_INODE_OPS;
use super::shmem::{SHMEM_AOPS, SHMEM_FILE_OPS, SHMEM_SOPS, SHMEM_VM_OPS};
use super::{FsRules, ProbeBacking, Unprepared};

/// hugetlbfs: memory only; one litmus page stands for one huge page. Its operations are
/// shmem's as far as the model goes (hugetlbfs_file_operations has no ->write_iter).
pub static HUGETLBFS: FsRules = FsRules {
    name: "hugetlbfs",
    summary: "huge pages, memory only, no ->page_mkwrite, no writeback, no write(2) (seed 000's special filesystems)",
    backing: false,
    data_checksums: false,
    write_syscall: false,
    dax: false,
    sealable: false,
    cow: false,
    kernel_threads: &[],
    unprepared: Unprepared::WriteIfMapped,
    warn_dirty_without_buffers: false,
    probe: ProbeBacking::Hugetlbfs,
    a_ops: &SHMEM_AOPS,
    vm_ops: &SHMEM_VM_OPS,
    f_ops: &SHMEM_FILE_OPS,
    i_ops: &GENERIC_INODE_OPS,
    s_ops: &SHMEM_SOPS,
};
