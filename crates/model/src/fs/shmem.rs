//! shmem (mm/shmem.c): memory-only files — tmpfs, memfd and, in the model, hugetlbfs. The page
//! is the storage: no ->page_mkwrite, nothing to write back, no swap modelled.

use super::buffer::block_reserve_space;
use super::generic::{
    filemap_dirty_folio, filemap_fault, filemap_read, filemap_release_folio, generic_end_io,
    generic_file_write_iter, generic_freeze_fs, generic_writepage_start,
};
use super::{AddressSpaceOps, FileOperations, SuperOperations, VmOperations};
use crate::scenario::Errno;
use crate::trace::Call;
use crate::world::{Ctx, Stop};

/// shmem_aops. `reserve_space` is only reached by a gup-bounce copy-back, which accounts the
/// page's storage as a block (shmem_inode_acct_blocks).
pub(crate) static SHMEM_AOPS: AddressSpaceOps = AddressSpaceOps {
    reserve_space: block_reserve_space,
    write_begin: shmem_write_begin,
    dirty_folio: filemap_dirty_folio,
    writepage_start: generic_writepage_start,
    writepage_map: shmem_writepage,
    end_io: generic_end_io,
    release_folio: filemap_release_folio,
};

/// shmem_vm_ops: no ->page_mkwrite, so a shared writable mapping is mapped writable at once.
pub(crate) static SHMEM_VM_OPS: VmOperations = VmOperations {
    fault: filemap_fault,
    page_mkwrite: None,
};

/// shmem_file_operations.
pub(crate) static SHMEM_FILE_OPS: FileOperations = FileOperations {
    read_iter: filemap_read,
    write_iter: generic_file_write_iter,
    fallocate: shmem_fallocate,
};

/// shmem_ops.
pub(crate) static SHMEM_SOPS: SuperOperations = SuperOperations {
    freeze_fs: generic_freeze_fs,
};

/// shmem_write_begin(): the page is the storage; nothing to reserve or attach.
fn shmem_write_begin(
    _: &mut Ctx<'_, '_, '_>,
    _fr: u8,
    _file: usize,
    _page: u8,
) -> Result<(), Errno> {
    Ok(())
}

/// shmem_writepage() swaps, which the model does not: a memory-only filesystem has no backing
/// store (`FsRules::backing` is false), so write_cache_pages and reclaim stop before ->writepages.
fn shmem_writepage(_: &mut Ctx<'_, '_, '_>, _fr: u8, _file: usize, _page: u8) -> Option<u8> {
    unreachable!("no backing store: writeback never reaches ->writepages")
}

/// shmem_fallocate() / hugetlbfs_fallocate(): the page itself is the storage.
fn shmem_fallocate(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) -> Result<(), Stop> {
    let name = c.w.sc.files[file].name.as_str();
    if page >= c.s.sizes[file] {
        c.s.sizes[file] = page + 1;
        c.emit_size(file);
    }
    let fr = c.filemap_get_folio(file, page).expect("within i_size");
    let fsname = c.w.fs.name;
    c.call(|| {
        Call::new(
            "vfs_fallocate",
            format!("{fsname}_fallocate({name}[{page}]): #{fr} in the page cache"),
        )
        .file_page(file, page)
        .frame(fr)
    });
    c.next_op();
    Ok(())
}
