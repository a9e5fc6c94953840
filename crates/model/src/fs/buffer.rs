//! Buffer-head filesystems' shared operations (fs/buffer.c, block_*): delayed allocation with
//! buffers attached at ->write_begin / ->page_mkwrite and blocks mapped at writeback.

use crate::history::{Event, Loss};
use crate::property::Property;
use crate::scenario::Errno;
use crate::state::{pg, NONE};
use crate::trace::{Call, Change};
use crate::world::{Ctx, Mutation, Stop};

/// The delalloc reservation shared by every filesystem (ext4_da_reserve_space(), xfs delalloc,
/// btrfs_delalloc_reserve_space()): reserves a block for `file`/`page` unless one is reserved
/// already, or allocated and `rewrite_in_place` (a COW filesystem never rewrites in place).
/// Ok(true) when a block was reserved, Ok(false) when none was needed, Err(ENOSPC) when the
/// disk is full.
pub(crate) fn reserve_block(
    c: &mut Ctx<'_, '_, '_>,
    file: usize,
    page: u8,
    rewrite_in_place: bool,
) -> Result<bool, Errno> {
    let slot = c.slot(file, page);
    let ps = c.s.pages[slot];
    let needed = !ps.reserved && (!rewrite_in_place || ps.block == NONE);
    if !needed || c.mutated(Mutation::NoReserve) {
        return Ok(false);
    }
    if c.s.free_blocks() == 0 {
        return Err(Errno::ENOSPC);
    }
    c.s.pages[slot].reserved = true;
    Ok(true)
}

/// ext4_da_reserve_space() (via block_page_mkwrite / ext4_da_write_begin), xfs delalloc: a
/// page whose block is allocated is rewritten in place and needs no reservation.
pub(crate) fn block_reserve_space(
    c: &mut Ctx<'_, '_, '_>,
    file: usize,
    page: u8,
) -> Result<bool, Errno> {
    reserve_block(c, file, page, true)
}

/// block_write_begin() / iomap_write_begin(): reserve (`a_ops.reserve_space`) and attach
/// buffers to page-cache frame `fr`, so writeback finds the folio prepared.
pub(crate) fn block_write_begin(
    c: &mut Ctx<'_, '_, '_>,
    fr: u8,
    file: usize,
    page: u8,
) -> Result<(), Errno> {
    c.reserve_space(file, page)?;
    let f = &mut c.s.frames[fr as usize];
    f.set(pg::PRIVATE, true);
    f.set(pg::FS_CLEAN, false);
    c.emit(|| Event::Prepared { frame: fr });
    Ok(())
}

/// The block an overwrite-in-place filesystem writes `file`/`page` to (ext4's
/// mpage_map_and_submit_extent, iomap_writepage_map_blocks): the allocated block, the delayed
/// allocation's reservation converted, or a block allocated now; None when allocation fails at
/// writeback (`no-late-enospc`: the data is dropped).
pub(crate) fn block_map_blocks(
    c: &mut Ctx<'_, '_, '_>,
    fr: u8,
    file: usize,
    page: u8,
) -> Option<u8> {
    let slot = c.slot(file, page);
    let ps = c.s.pages[slot];
    let name = c.w.sc.files[file].name.as_str();
    if ps.block != NONE {
        if ps.reserved {
            // fallocate turned the range into an extent after the reservation.
            c.s.pages[slot].reserved = false;
        }
        Some(ps.block)
    } else if ps.reserved {
        c.s.pages[slot].reserved = false;
        let b = c.alloc_block();
        c.set_extent(file, page, b, false);
        c.call(|| {
            Call::new(
                "writepages",
                format!("delalloc conversion: block {b} allocated"),
            )
            .block(b)
            .change(Change::Extent {
                file: file as u8,
                page,
                block: b,
            })
        });
        Some(b)
    } else if c.s.free_blocks() > 0 {
        let b = c.alloc_block();
        c.set_extent(file, page, b, false);
        Some(b)
    } else {
        c.violate(Property::NoLateEnospc, || {
            format!("{name}[{page}]: allocation at writeback failed: -ENOSPC, data dropped")
        });
        c.data_lost(fr, file, page, Loss::Enospc);
        c.emit(|| Event::WritebackSkip {
            frame: fr,
            redirtied: false,
        });
        None
    }
}

/// The shared half of a block filesystem's ->fallocate (ext4_fallocate, xfs_file_fallocate,
/// btrfs_fallocate, the fs-DAX ones): i_size grows beyond EOF; an allocated page is left
/// alone; a reservation becomes the extent; with no space it is -ENOSPC and nothing changes.
/// `alloc` allocates the block as the filesystem does and says so.
pub(crate) fn block_fallocate(
    c: &mut Ctx<'_, '_, '_>,
    file: usize,
    page: u8,
    alloc: fn(&mut Ctx<'_, '_, '_>, usize, u8),
) -> Result<(), Stop> {
    let name = c.w.sc.files[file].name.as_str();
    let grows = page >= c.s.sizes[file];
    let grow = |me: &mut Ctx<'_, '_, '_>| {
        if grows {
            me.s.sizes[file] = page + 1;
            me.emit_size(file);
        }
    };
    let slot = c.slot(file, page);
    let ps = c.s.pages[slot];
    if ps.block != NONE {
        grow(c);
        c.call(|| {
            Call::new(
                "vfs_fallocate",
                format!("fallocate({name}[{page}]): already allocated"),
            )
            .file_page(file, page)
        });
        c.next_op();
        return Ok(());
    }
    if ps.reserved {
        // The delayed allocation's reservation becomes the extent.
        c.s.pages[slot].reserved = false;
    } else if c.s.free_blocks() == 0 {
        c.call(|| {
            Call::new(
                "vfs_fallocate",
                format!("fallocate({name}[{page}]) -> -ENOSPC"),
            )
            .file_page(file, page)
        });
        c.next_op();
        return Ok(());
    }
    grow(c);
    alloc(c, file, page);
    c.next_op();
    Ok(())
}

/// ext4 and xfs allocate an unwritten extent: it reads zeros, ->page_mkwrite needs no
/// reservation for it, writeback writes the block and converts the extent at I/O completion.
pub(crate) fn block_alloc_unwritten(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8) {
    block_alloc_extent(c, file, page, "an unwritten extent");
}

/// Allocates page `page`'s block as an extent not yet written (`what`, as the trace names it):
/// it reads zeros until the first writeback writes it in place.
pub(crate) fn block_alloc_extent(c: &mut Ctx<'_, '_, '_>, file: usize, page: u8, what: &str) {
    let name = c.w.sc.files[file].name.as_str();
    let b = c.alloc_block();
    c.set_extent(file, page, b, true);
    c.call(|| {
        Call::new(
            "vfs_fallocate",
            format!("fallocate({name}[{page}]): block {b} allocated as {what}"),
        )
        .file_page(file, page)
        .block(b)
        .change(Change::Extent {
            file: file as u8,
            page,
            block: b,
        })
    });
}

/// ext4_fallocate / xfs_file_fallocate (mode 0): an unwritten extent (`block_alloc_unwritten`).
pub(crate) fn block_fallocate_unwritten(
    c: &mut Ctx<'_, '_, '_>,
    file: usize,
    page: u8,
) -> Result<(), Stop> {
    block_fallocate(c, file, page, block_alloc_unwritten)
}
