//! ext4 with delayed allocation (the default): buffer heads, blocks allocated at writeback, and
//! two checks of its own for a folio dirtied behind its back.

use super::buffer::{
    block_fallocate_unwritten, block_map_blocks, block_reserve_space, block_write_begin,
};
use super::generic::{
    filemap_fault, filemap_page_mkwrite, filemap_read, filemap_release_folio, fs_tolerant_discards,
    generic_end_io, generic_file_write_iter, generic_freeze_fs, generic_writepage_start,
    writepage_drop, GENERIC_INODE_OPS,
};
use super::{
    AddressSpaceOps, FileOperations, FsRules, ProbeBacking, SuperOperations, Unprepared,
    VmOperations,
};
use crate::property::Property;
use crate::state::pg;
use crate::trace::Call;
use crate::world::Ctx;

pub static EXT4: FsRules = FsRules {
    name: "ext4",
    summary: "delalloc: ->page_mkwrite reserves space and attaches buffers; blocks allocated at writeback; a dirty page without buffers is warned about and skipped",
    backing: true,
    data_checksums: false,
    write_syscall: true,
    dax: false,
    sealable: false,
    cow: false,
    kernel_threads: &[],
    unprepared: Unprepared::WarnAndSkip,
    warn_dirty_without_buffers: true,
    probe: ProbeBacking::Ext4,
    a_ops: &EXT4_AOPS,
    vm_ops: &EXT4_VM_OPS,
    f_ops: &EXT4_FILE_OPS,
    i_ops: &GENERIC_INODE_OPS,
    s_ops: &EXT4_SOPS,
};

/// ext4_da_aops.
static EXT4_AOPS: AddressSpaceOps = AddressSpaceOps {
    reserve_space: block_reserve_space,
    write_begin: block_write_begin,
    dirty_folio: ext4_dirty_folio,
    writepage_start: generic_writepage_start,
    writepage_map: ext4_writepage_map,
    end_io: generic_end_io,
    release_folio: filemap_release_folio,
};

/// ext4_file_vm_ops.
static EXT4_VM_OPS: VmOperations = VmOperations {
    fault: filemap_fault,
    page_mkwrite: Some(filemap_page_mkwrite),
};

/// ext4_file_operations.
static EXT4_FILE_OPS: FileOperations = FileOperations {
    read_iter: filemap_read,
    write_iter: generic_file_write_iter,
    fallocate: block_fallocate_unwritten,
};

/// ext4_sops.
static EXT4_SOPS: SuperOperations = SuperOperations {
    freeze_fs: generic_freeze_fs,
};

/// ext4_dirty_folio(): WARN_ON_ONCE(!folio_buffers(folio)) — dirtying a page whose buffers
/// reclaim released is a filesystem bug at the dirtying, not only at writeback.
fn ext4_dirty_folio(c: &mut Ctx<'_, '_, '_>, fr: u8, file: usize, page: u8) {
    let f = c.s.frames[fr as usize];
    let name = c.w.sc.files[file].name.as_str();
    if !f.has(pg::PRIVATE) && !c.w.design.handling.fs_tolerant {
        let fsname = c.w.fs.name;
        c.violate(Property::FsIntegrity, || {
            format!("{fsname}_dirty_folio: WARN_ON_ONCE(!folio_buffers(folio)): {name}[{page}] (#{fr}) dirtied without buffers")
        });
        c.call(|| {
            Call::new(
                "dirty_folio",
                format!("{fsname}_dirty_folio(#{fr}): no buffers attached: WARN"),
            )
            .frame(fr)
        });
    }
}

/// ext4_writepages → mpage_prepare_extent_to_map(): "page %lu does not have buffers attached"
/// — a dirty folio without buffers is warned about, cleaned and skipped (a BUG_ON before
/// v5.18): an `fs-integrity` violation, and the data is lost. Otherwise block_map_blocks.
pub(crate) fn ext4_writepage_map(
    c: &mut Ctx<'_, '_, '_>,
    fr: u8,
    file: usize,
    page: u8,
) -> Option<u8> {
    if fs_tolerant_discards(c, fr, file, page, false) {
        return None;
    }
    let private = c.s.frames[fr as usize].has(pg::PRIVATE);
    if !private && !c.w.design.handling.fs_tolerant {
        let fs = c.w.fs;
        let name = c.w.sc.files[file].name.as_str();
        c.violate(Property::FsIntegrity, || {
            format!("{}: \"page {page} does not have buffers attached\" ({name}): dirty page without buffers at writeback; skipped, data not written", fs.name)
        });
        c.call(|| {
            Call::new(
                "writepages",
                format!("{}_writepages: warn, clear dirty, skip", fs.name),
            )
            .file_page(file, page)
        });
        writepage_drop(c, fr, file, page);
        return None;
    }
    block_map_blocks(c, fr, file, page)
}
