//! XFS through iomap: delalloc reservations at ->page_mkwrite, writeback writes allocated blocks
//! and silently skips holes.

use super::buffer::{block_fallocate_unwritten, block_reserve_space, block_write_begin};
use super::generic::{
    filemap_dirty_folio, filemap_fault, filemap_page_mkwrite, filemap_read, filemap_release_folio,
    generic_end_io, generic_file_write_iter, generic_freeze_fs, generic_writepage_start,
    GENERIC_INODE_OPS,
};
use super::iomap::iomap_writepage_map;
use super::{
    AddressSpaceOps, FileOperations, FsRules, ProbeBacking, SuperOperations, Unprepared,
    VmOperations,
};

pub static XFS: FsRules = FsRules {
    name: "xfs",
    summary: "iomap delalloc: ->page_mkwrite (iomap_page_mkwrite) reserves; writeback writes allocated blocks and silently skips holes",
    backing: true,
    data_checksums: false,
    write_syscall: true,
    dax: false,
    sealable: false,
    cow: false,
    kernel_threads: &[],
    unprepared: Unprepared::WriteIfMapped,
    warn_dirty_without_buffers: false,
    probe: ProbeBacking::Xfs,
    a_ops: &XFS_AOPS,
    vm_ops: &XFS_VM_OPS,
    f_ops: &XFS_FILE_OPS,
    i_ops: &GENERIC_INODE_OPS,
    s_ops: &XFS_SOPS,
};

/// xfs_address_space_operations.
static XFS_AOPS: AddressSpaceOps = AddressSpaceOps {
    reserve_space: block_reserve_space,
    write_begin: block_write_begin,
    dirty_folio: filemap_dirty_folio,
    writepage_start: generic_writepage_start,
    writepage_map: iomap_writepage_map,
    end_io: generic_end_io,
    release_folio: filemap_release_folio,
};

/// xfs_file_vm_ops (xfs_filemap_page_mkwrite → iomap_page_mkwrite).
static XFS_VM_OPS: VmOperations = VmOperations {
    fault: filemap_fault,
    page_mkwrite: Some(filemap_page_mkwrite),
};

/// xfs_file_operations.
static XFS_FILE_OPS: FileOperations = FileOperations {
    read_iter: filemap_read,
    write_iter: generic_file_write_iter,
    fallocate: block_fallocate_unwritten,
};

/// xfs_super_operations.
static XFS_SOPS: SuperOperations = SuperOperations {
    freeze_fs: generic_freeze_fs,
};
