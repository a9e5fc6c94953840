//! fs-DAX's operations (fs/dax.c), which ext4 and xfs mounted with -o dax use: no page cache;
//! faults, read(2), write(2) and fallocate go to the storage (the model's `crate::dax`).

use super::buffer::{block_fallocate, block_reserve_space, block_write_begin};
use super::generic::{
    filemap_dirty_folio, filemap_release_folio, generic_end_io, generic_writepage_start,
};
use super::{AddressSpaceOps, FileOperations, InodeOperations, SuperOperations, VmOperations};
use crate::design::OnPinned;
use crate::scenario::{Observed, Value};
use crate::state::Owner;
use crate::state::NONE;
use crate::trace::{Call, Change};
use crate::world::{Ctx, Stop};

/// ext4_dax_aops / xfs_dax_aops: there are no page-cache folios to write back.
pub(crate) static DAX_AOPS: AddressSpaceOps = AddressSpaceOps {
    reserve_space: block_reserve_space,
    write_begin: block_write_begin,
    dirty_folio: filemap_dirty_folio,
    writepage_start: generic_writepage_start,
    writepage_map: dax_writepages,
    end_io: generic_end_io,
    release_folio: filemap_release_folio,
};

/// ext4_dax_vm_ops / xfs_file_vm_ops under DAX: ->huge_fault and ->page_mkwrite are both
/// dax_iomap_fault.
pub(crate) static DAX_VM_OPS: VmOperations = VmOperations {
    fault: dax_iomap_fault,
    page_mkwrite: Some(dax_page_mkwrite),
};

/// ext4_file_operations / xfs_file_operations on a DAX inode (IS_DAX: dax_iomap_rw).
pub(crate) static DAX_FILE_OPS: FileOperations = FileOperations {
    read_iter: dax_iomap_read,
    write_iter: dax_iomap_write,
    fallocate: dax_fallocate,
};

/// The inode operations of a DAX file: truncate waits for busy storage (when the design says
/// so) and frees storage a pin may still reach.
pub(crate) static DAX_INODE_OPS: InodeOperations = InodeOperations {
    break_layouts: dax_break_layout,
    free_block: dax_free_block,
};

/// The DAX mount's super_operations.
pub(crate) static DAX_SOPS: SuperOperations = SuperOperations {
    freeze_fs: dax_freeze_fs,
};

/// dax_iomap_fault() (`Ctx::dax_iomap_fault`).
fn dax_iomap_fault(
    c: &mut Ctx<'_, '_, '_>,
    map: usize,
    file: usize,
    page: u8,
    shared: bool,
    write: bool,
    unshare: bool,
) -> Result<u8, Stop> {
    c.dax_iomap_fault(map, file, page, shared, write, unshare)
}

/// ext4_dax_fault as ->page_mkwrite: a DAX write fault runs dax_iomap_fault (`fault`), which
/// does ->page_mkwrite's work itself; there is no page-cache folio to call this with.
fn dax_page_mkwrite(_: &mut Ctx<'_, '_, '_>, _fr: u8, _file: usize, _page: u8) -> Result<(), Stop> {
    unreachable!("fs-DAX write faults are handled in dax_iomap_fault")
}

/// dax_writeback_mapping_range() writes nothing back: the mapping is the storage, and there
/// are no page-cache folios for ->writepages to meet.
fn dax_writepages(_: &mut Ctx<'_, '_, '_>, _fr: u8, _file: usize, _page: u8) -> Option<u8> {
    unreachable!("fs-DAX has no page-cache folios to write back")
}

/// dax_iomap_rw() for read(2): read from the storage.
fn dax_iomap_read(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) -> Observed {
    let r = if page >= c.s.sizes[file] {
        Observed::None
    } else {
        Observed::Val(c.disk_content_of(file, page).value)
    };
    c.call(|| {
        Call::new("dax_iomap_rw", "dax_iomap_rw: read from the storage").file_page(file, page)
    });
    r
}

/// dax_iomap_rw() for write(2) (`Ctx::dax_iomap_rw`).
fn dax_iomap_write(
    c: &mut Ctx<'_, '_, '_>,
    file: usize,
    page: u8,
    value: Value,
    old_size: u8,
) -> Result<(), Stop> {
    c.dax_iomap_rw(file, page, value, old_size)
}

/// ext4_fallocate / xfs_file_fallocate on DAX: the block is allocated and zeroed at once.
fn dax_fallocate(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) -> Result<(), Stop> {
    block_fallocate(c, file, page, |c, file, page| {
        let name = c.w.sc.files[file].name.as_str();
        let b = c.dax_alloc_block(file, page);
        c.call(|| {
            Call::new(
                "vfs_fallocate",
                format!("fallocate({name}[{page}]): block {b} allocated and zeroed"),
            )
            .file_page(file, page)
            .block(b)
            .change(Change::Extent {
                file: file as u8,
                page,
                block: b,
            })
        });
    })
}

/// freeze_super() on DAX: dax_writeback_mapping_range() write-protects every DAX PTE, so the
/// next store faults into ->page_mkwrite and waits for the thaw.
fn dax_freeze_fs(c: &mut Ctx<'_, '_, '_>) {
    // dax_writeback_mapping_range(): write-protect every DAX PTE, so the next store
    // faults into ->page_mkwrite and waits for the thaw.
    for fr in 0..c.s.frames.len() as u8 {
        if matches!(c.s.frames[fr as usize].owner, Owner::Dax { .. }) {
            c.folio_mkclean(fr);
        }
    }
}

/// ext4_break_layouts / xfs_break_dax_layouts → dax_break_layout(): under a design that waits,
/// wait while dax_layout_busy_page() finds a reference beyond the mappings (the PTEs are zapped
/// next, so they do not count).
fn dax_break_layout(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) -> Result<(), Stop> {
    let dax = c.s.pages[c.slot(file, page)].block;
    if dax != NONE
        && c.w.design.handling.dax_truncate_pinned == OnPinned::Wait
        && c.dax_layout_busy_page(dax)
    {
        // dax_break_layout(): wait while dax_layout_busy_page() finds a reference beyond
        // the mappings (the PTEs are zapped below, so they do not count).
        return Err(Stop::Blocked);
    }
    Ok(())
}

/// The block's storage is freed, whoever still holds it (`Ctx::dax_free_block`, seed 001).
fn dax_free_block(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8, b: u8) {
    let busy = c.dax_layout_busy_page(b);
    c.dax_free_block(b);
    c.call(|| {
        let text = format!(
            "block {b} freed{}",
            if busy {
                ": a device still holds its storage"
            } else {
                ""
            }
        );
        Call::new("free_extent", text)
            .block(b)
            .change(Change::Extent {
                file: file as u8,
                page,
                block: NONE,
            })
    });
}
