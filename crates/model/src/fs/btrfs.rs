//! btrfs with data checksums (the default, not nodatasum/NOCOW): copy-on-write, so every
//! writeback allocates a new extent and every clean->dirty needs a new reservation; pages
//! dirtied behind its back go to the fixup worker.

use super::buffer::{block_alloc_extent, block_fallocate, block_write_begin, reserve_block};
use super::generic::{
    filemap_dirty_folio, filemap_fault, filemap_page_mkwrite, filemap_read, filemap_release_folio,
    fs_tolerant_discards, generic_end_io, generic_file_write_iter, generic_freeze_fs,
    GENERIC_INODE_OPS,
};
use super::{
    AddressSpaceOps, FileOperations, FsRules, KernelWork, ProbeBacking, SuperOperations,
    Unprepared, VmOperations,
};
use crate::history::{Event, Loss};
use crate::property::Property;
use crate::scenario::Errno;
use crate::state::{pg, Owner, NONE};
use crate::trace::{Call, Change};
use crate::world::{Ctx, Stop};

pub static BTRFS: FsRules = FsRules {
    name: "btrfs",
    summary: "copy-on-write with data checksums: every clean->dirty needs a new extent reservation; stable pages; pages dirtied without ->page_mkwrite go to the fixup worker",
    backing: true,
    data_checksums: true,
    write_syscall: true,
    dax: false,
    sealable: false,
    cow: true,
    kernel_threads: &[BTRFS_FIXUP],
    unprepared: Unprepared::CowFixup,
    warn_dirty_without_buffers: false,
    probe: ProbeBacking::Btrfs,
    a_ops: &BTRFS_AOPS,
    vm_ops: &BTRFS_VM_OPS,
    f_ops: &BTRFS_FILE_OPS,
    i_ops: &GENERIC_INODE_OPS,
    s_ops: &BTRFS_SOPS,
};

/// The fixup worker's thread (btrfs_writepage_fixup_worker on a workqueue).
const BTRFS_FIXUP: KernelWork = KernelWork {
    thread_name: "kworker/btrfs-fixup",
    work_fn: "btrfs_writepage_fixup_worker",
    run: btrfs_writepage_fixup_worker,
};

/// btrfs_aops.
static BTRFS_AOPS: AddressSpaceOps = AddressSpaceOps {
    reserve_space: btrfs_delalloc_reserve_space,
    write_begin: block_write_begin,
    dirty_folio: filemap_dirty_folio,
    writepage_start: btrfs_writepage_start,
    writepage_map: btrfs_writepage_map,
    end_io: btrfs_finish_ordered_io,
    release_folio: filemap_release_folio,
};

/// btrfs_file_vm_ops (btrfs_page_mkwrite).
static BTRFS_VM_OPS: VmOperations = VmOperations {
    fault: filemap_fault,
    page_mkwrite: Some(filemap_page_mkwrite),
};

/// btrfs_file_operations.
static BTRFS_FILE_OPS: FileOperations = FileOperations {
    read_iter: filemap_read,
    write_iter: generic_file_write_iter,
    fallocate: btrfs_fallocate,
};

/// btrfs_super_ops.
static BTRFS_SOPS: SuperOperations = SuperOperations {
    freeze_fs: generic_freeze_fs,
};

/// btrfs_delalloc_reserve_space(): a COW write never goes in place, so every clean->dirty
/// reserves a new extent, allocated block or not.
fn btrfs_delalloc_reserve_space(
    c: &mut Ctx<'_, '_, '_>,
    file: usize,
    page: u8,
) -> Result<bool, Errno> {
    reserve_block(c, file, page, false)
}

/// A COW write moves the page's data to a new extent: a layout change.
fn btrfs_writepage_start(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) {
    c.break_layout(file, page);
}

/// extent_writepage → writepage_delalloc → cow_file_range: the bio goes to a newly allocated
/// extent (run_delalloc_nocow writes a preallocated one in place the first time); a folio with
/// no reservation goes to btrfs_writepage_cow_fixup.
fn btrfs_writepage_map(c: &mut Ctx<'_, '_, '_>, fr: u8, file: usize, page: u8) -> Option<u8> {
    if fs_tolerant_discards(c, fr, file, page, true) {
        return None;
    }
    let slot = c.slot(file, page);
    let ps = c.s.pages[slot];
    if ps.unwritten {
        // A preallocated extent is written in place the first time (run_delalloc_nocow).
        c.s.pages[slot].reserved = false;
        Some(ps.block)
    } else if ps.reserved {
        c.s.pages[slot].reserved = false;
        Some(c.alloc_block())
    } else if c.w.design.handling.fs_tolerant {
        // Reached only with a reservation-free page that `stored` let through: none.
        unreachable!("fs-tolerant discards unreserved COW pages above")
    } else {
        btrfs_writepage_cow_fixup(c, fr, file, page);
        None
    }
}

/// btrfs_writepage_cow_fixup(): a dirty folio with no ordered extent or delalloc
/// reservation was dirtied behind btrfs's back. The first time, PG_checked is set and
/// btrfs_writepage_fixup_worker queued (with a folio reference); every time, -EAGAIN:
/// folio_redirty_for_writepage() and this pass moves on. The worker reserves space and
/// sets delalloc; only a later writeback writes the page. btrfs_sync_file() does not wait
/// for the worker, so an fsync that meets such a page returns without its data.
fn btrfs_writepage_cow_fixup(c: &mut Ctx<'_, '_, '_>, fr: u8, file: usize, page: u8) {
    let name = c.w.sc.files[file].name.as_str();
    let first = !c.s.frames[fr as usize].has(pg::CHECKED);
    let f = &mut c.s.frames[fr as usize];
    f.set(pg::DIRTY, true);
    f.set(pg::FS_CLEAN, false);
    if first {
        f.set(pg::CHECKED, true);
        f.refcount += 1;
    }
    c.call(|| {
            let text = format!(
                "btrfs_writepage_cow_fixup({name}[{page}] #{fr}): dirtied without ->page_mkwrite{}; -EAGAIN, folio_redirty_for_writepage: skipped in this pass",
                if first {
                    ": PG_checked, btrfs_writepage_fixup_worker queued"
                } else {
                    ", fixup already queued"
                }
            );
            Call::new("btrfs_writepage_cow_fixup", text)
                .file_page(file, page)
                .frame(fr)
                .change(Change::Flag { frame: fr, flag: pg::DIRTY, set: true })
        });
    c.emit(|| Event::WritebackSkip {
        frame: fr,
        redirtied: true,
    });
}

/// btrfs_writepage_fixup_worker() (kworker/btrfs-fixup), for the first folio with
/// PG_checked: if it is still a dirty page-cache page, btrfs_delalloc_reserve_space() and
/// btrfs_set_extent_delalloc() prepare it as ->page_mkwrite would have, and a later
/// writeback writes it; with no space, mapping_set_error() and the folio is cleaned: the
/// data is lost. Returns None when no fixup is queued.
fn btrfs_writepage_fixup_worker(c: &mut Ctx<'_, '_, '_>) -> Option<Result<(), Stop>> {
    let fr = (0..c.s.frames.len()).find(|&i| c.s.frames[i].has(pg::CHECKED))? as u8;
    let f = c.s.frames[fr as usize];
    match f.owner {
        Owner::Cache { file, page } if f.has(pg::DIRTY) => {
            let (file, name) = (file as usize, c.w.sc.files[file as usize].name.as_str());
            match c.reserve_space(file, page) {
                Ok(_) => {
                    let fm = &mut c.s.frames[fr as usize];
                    fm.set(pg::PRIVATE, true);
                    fm.set(pg::FS_CLEAN, false);
                    c.emit(|| Event::Prepared { frame: fr });
                    c.call(|| {
                            Call::new("btrfs_writepage_fixup_worker", format!("btrfs_writepage_fixup_worker({name}[{page}] #{fr}): btrfs_delalloc_reserve_space, btrfs_set_extent_delalloc: a later writeback writes it"))
                                .file_page(file, page)
                                .frame(fr)
                        });
                }
                Err(e) => {
                    c.violate(Property::NoLateEnospc, || {
                        format!("{name}[{page}] was dirtied without a reservation; btrfs's fixup worker finds no space: -{}, data dropped", e.name())
                    });
                    c.call(|| {
                            Call::new("btrfs_writepage_fixup_worker", format!("btrfs_writepage_fixup_worker({name}[{page}] #{fr}): -{}: mapping_set_error, folio_clear_dirty_for_io: data dropped", e.name()))
                                .file_page(file, page)
                                .frame(fr)
                                .change(Change::Flag { frame: fr, flag: pg::DIRTY, set: false })
                        });
                    c.data_lost(fr, file, page, Loss::Enospc);
                    c.folio_mkclean(fr);
                    let fm = &mut c.s.frames[fr as usize];
                    fm.set(pg::DIRTY, false);
                    fm.set(pg::FS_CLEAN, true);
                    c.emit(|| Event::WritebackSkip {
                        frame: fr,
                        redirtied: false,
                    });
                }
            }
        }
        _ => c.call(|| {
                Call::new("btrfs_writepage_fixup_worker", format!("btrfs_writepage_fixup_worker(#{fr}): no longer a dirty page of the file: nothing to do")).frame(fr)
            }),
    }
    c.s.frames[fr as usize].set(pg::CHECKED, false);
    c.folio_put(fr, 1);
    Some(Ok(()))
}

/// btrfs_finish_ordered_io(): the new extent replaces the old one in the file's extent tree,
/// and the old block is freed; a preallocated extent written in place is converted as ext4's.
fn btrfs_finish_ordered_io(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8, b: u8) {
    let ps = c.s.pages[c.slot(file, page)];
    if ps.block != b {
        let old = ps.block;
        if old != NONE {
            c.s.blocks[old as usize].used = false;
            c.emit(|| Event::BlockFree { block: old });
        }
        c.set_extent(file, page, b, false);
    } else {
        generic_end_io(c, file, page, b);
    }
}

/// btrfs_fallocate (mode 0): a preallocated extent, which the first writeback writes in place.
fn btrfs_fallocate(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) -> Result<(), Stop> {
    block_fallocate(c, file, page, |c, file, page| {
        block_alloc_extent(c, file, page, "a preallocated extent")
    })
}
