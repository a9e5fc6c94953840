//! iomap's buffered writeback (fs/iomap/buffered-io.c), which xfs uses.

use super::buffer::block_map_blocks;
use super::generic::{fs_tolerant_discards, writepage_drop};
use crate::state::{pg, NONE};
use crate::trace::Call;
use crate::world::Ctx;

/// iomap_writepage_map() → iomap_writepage_map_blocks(): a folio is written where blocks are
/// allocated or reserved; an `IOMAP_HOLE` range (a folio dirtied without ->page_mkwrite over a
/// hole) is silently skipped and its data lost (docs/sources.md#xfs-and-iomap).
pub(crate) fn iomap_writepage_map(
    c: &mut Ctx<'_, '_, '_>,
    fr: u8,
    file: usize,
    page: u8,
) -> Option<u8> {
    if fs_tolerant_discards(c, fr, file, page, false) {
        return None;
    }
    let ps = c.s.pages[c.slot(file, page)];
    let private = c.s.frames[fr as usize].has(pg::PRIVATE);
    if !private && !c.w.design.handling.fs_tolerant && ps.block == NONE && !ps.reserved {
        c.call(|| {
            Call::new(
                "iomap_writepage_map_blocks",
                "iomap_writepage_map_blocks: IOMAP_HOLE, skipped silently",
            )
            .file_page(file, page)
        });
        writepage_drop(c, fr, file, page);
        return None;
    }
    block_map_blocks(c, fr, file, page)
}
