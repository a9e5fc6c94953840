use super::dax::{DAX_AOPS, DAX_FILE_OPS, DAX_INODE_OPS, DAX_SOPS, DAX_VM_OPS};
use super::{FsRules, ProbeBacking, Unprepared};

/// XFS mounted with -o dax on persistent memory.
pub static XFS_DAX: FsRules = FsRules {
    name: "xfs-dax",
    summary: "fs-DAX through iomap: the mapping is the storage; ->page_mkwrite allocates blocks directly; truncate frees blocks a pin may still reach (xfs_break_dax_layouts waits for busy pages upstream)",
    backing: true,
    data_checksums: false,
    write_syscall: true,
    dax: true,
    sealable: false,
    cow: false,
    kernel_threads: &[],
    unprepared: Unprepared::WriteIfMapped,
    warn_dirty_without_buffers: false,
    probe: ProbeBacking::Skip("fs-DAX needs persistent memory (a /dev/pmem device); the probe only uses devices it creates"),
    a_ops: &DAX_AOPS,
    vm_ops: &DAX_VM_OPS,
    f_ops: &DAX_FILE_OPS,
    i_ops: &DAX_INODE_OPS,
    s_ops: &DAX_SOPS,
};
