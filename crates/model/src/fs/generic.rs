//! The generic operations (mm/filemap.c, mm/memory.c, fs/libfs.c): what a filesystem's table
//! points at where it does what every page-cache filesystem does.

use super::InodeOperations;
use crate::history::{Event, Loss};
use crate::scenario::{Observed, Value};
use crate::state::{pg, NONE};
use crate::trace::{Call, Change};
use crate::world::{Ctx, Stop};

/// filemap_fault() with do_shared_fault / wp_page_shared / wp_page_copy (`Ctx::filemap_fault`).
pub(crate) fn filemap_fault(
    c: &mut Ctx<'_, '_, '_>,
    map: usize,
    file: usize,
    page: u8,
    shared: bool,
    write: bool,
    unshare: bool,
) -> Result<u8, Stop> {
    c.filemap_fault(map, file, page, shared, write, unshare)
}

/// filemap_page_mkwrite() as ext4_page_mkwrite / iomap_page_mkwrite / btrfs_page_mkwrite all do
/// it: wait for a thaw and for stable writeback, reserve through `a_ops.reserve_space`, attach
/// buffers (`Ctx::filemap_page_mkwrite`).
pub(crate) fn filemap_page_mkwrite(
    c: &mut Ctx<'_, '_, '_>,
    fr: u8,
    file: usize,
    page: u8,
) -> Result<(), Stop> {
    c.filemap_page_mkwrite(fr, file, page)
}

/// filemap_read(): read(2) through the page cache, reading the folio in if absent.
pub(crate) fn filemap_read(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) -> Observed {
    match c.filemap_get_folio(file, page) {
        Ok(fr) => Observed::Val(c.s.frames[fr as usize].content.value),
        Err(_) => Observed::None,
    }
}

/// generic_file_write_iter() → generic_perform_write() (`Ctx::generic_perform_write`).
pub(crate) fn generic_file_write_iter(
    c: &mut Ctx<'_, '_, '_>,
    file: usize,
    page: u8,
    value: Value,
    old_size: u8,
) -> Result<(), Stop> {
    c.generic_perform_write(file, page, value, old_size)
}

/// The generic ->dirty_folio (filemap_dirty_folio): tags the folio dirty, no checks of its own.
pub(crate) fn filemap_dirty_folio(_: &mut Ctx<'_, '_, '_>, _fr: u8, _file: usize, _page: u8) {}

/// Nothing to do before folio_clear_dirty_for_io(): the data is rewritten in place.
pub(crate) fn generic_writepage_start(_: &mut Ctx<'_, '_, '_>, _file: usize, _page: u8) {}

/// ext4_end_io / xfs_end_ioend: an unwritten extent the bio wrote becomes written.
pub(crate) fn generic_end_io(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8, b: u8) {
    let ps = c.s.pages[c.slot(file, page)];
    if ps.block == b && ps.unwritten {
        let name = c.w.sc.files[file].name.as_str();
        // xfs_end_ioend / ext4_end_io: the unwritten extent becomes written.
        c.set_extent(file, page, b, false);
        c.call(|| {
            Call::new(
                "iomap_finish_ioend",
                format!("unwritten extent of {name}[{page}] converted"),
            )
            .file_page(file, page)
            .change(Change::Extent {
                file: file as u8,
                page,
                block: b,
            })
        });
    }
}

/// filemap_release_folio() → try_to_free_buffers(): reclaim drops the folio's buffers and
/// reservation.
pub(crate) fn filemap_release_folio(c: &mut Ctx<'_, '_, '_>, fr: u8) {
    if c.s.frames[fr as usize].has(pg::PRIVATE) {
        c.s.frames[fr as usize].set(pg::PRIVATE, false);
        c.emit(|| Event::Released { frame: fr });
        c.call(|| {
            Call::new(
                "release_folio",
                format!("release_folio(#{fr}): buffers released"),
            )
            .frame(fr)
            .change(Change::Flag {
                frame: fr,
                flag: pg::PRIVATE,
                set: false,
            })
        });
    }
}

/// Nothing to wait for: a page-cache filesystem's blocks are reached by pins only through
/// page-cache folios, which truncate orphans.
pub(crate) fn generic_break_layouts(
    _: &mut Ctx<'_, '_, '_>,
    _file: usize,
    _page: u8,
) -> Result<(), Stop> {
    Ok(())
}

/// The block goes back to the allocator.
pub(crate) fn generic_free_block(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8, b: u8) {
    c.s.blocks[b as usize].used = false;
    c.emit(|| Event::BlockFree { block: b });
    c.call(|| {
        Call::new("free_extent", format!("block {b} freed"))
            .block(b)
            .change(Change::Extent {
                file: file as u8,
                page,
                block: NONE,
            })
    });
}

/// ext4_file_inode_operations, xfs_inode_operations, btrfs_file_inode_operations,
/// shmem_inode_operations: truncate frees the blocks with nothing to wait for.
pub(crate) static GENERIC_INODE_OPS: InodeOperations = InodeOperations {
    break_layouts: generic_break_layouts,
    free_block: generic_free_block,
};

/// No ->freeze_fs work beyond freeze_super()'s sync.
pub(crate) fn generic_freeze_fs(_: &mut Ctx<'_, '_, '_>) {}

/// The folio leaves writeback unwritten and clean, its data lost: how ext4's warn-and-skip,
/// iomap's hole and fs-tolerant's discard all end (folio_clear_dirty_for_io without a bio).
pub(crate) fn writepage_drop(c: &mut Ctx<'_, '_, '_>, fr: u8, file: usize, page: u8) {
    c.data_lost(fr, file, page, Loss::Dropped);
    c.emit(|| Event::WritebackSkip {
        frame: fr,
        redirtied: false,
    });
}

/// The fs-tolerant design at ->writepages (Kara, seed 002): a tolerant filesystem "sensibly
/// handle[s] only a case when underlying storage is already allocated / reserved, in all other
/// cases ... just discarding the data". `rewrite_needs_new_block`: a COW filesystem, where an
/// allocated block does not count. Returns true when the folio was discarded.
pub(crate) fn fs_tolerant_discards(
    c: &mut Ctx<'_, '_, '_>,
    fr: u8,
    file: usize,
    page: u8,
    rewrite_needs_new_block: bool,
) -> bool {
    let ps = c.s.pages[c.slot(file, page)];
    let private = c.s.frames[fr as usize].has(pg::PRIVATE);
    let cow = rewrite_needs_new_block;
    let prepared = private && (!cow || ps.reserved || ps.unwritten);
    if c.w.design.handling.fs_tolerant && !prepared {
        let stored = ps.reserved || ps.unwritten || (!cow && ps.block != NONE);
        if !stored {
            let name = c.w.sc.files[file].name.as_str();
            c.call(|| {
                    Call::new("writepages", format!("fs-tolerant: {name}[{page}] was dirtied behind the filesystem's back and has no storage allocated or reserved: data discarded")).file_page(file, page)
                });
            writepage_drop(c, fr, file, page);
            return true;
        }
    }
    false
}
