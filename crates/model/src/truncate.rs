//! truncate(2) and hole punching: truncate_inode_pages_range().

use crate::design::OnPinned;
use crate::history::Event;
use crate::scenario::MapKind;
use crate::state::{freeze, pg, Owner, NONE};
use crate::trace::{Call, Change, Object};
use crate::world::{Ctx, Mutation, Stop, MAX_FILE_PAGES};

impl Ctx<'_, '_, '_> {
    /// Whether truncating `file`/`page` has anything to do.
    fn truncate_wants(&self, file: usize, page: u8) -> bool {
        let ps = self.s.pages[self.slot(file, page)];
        ps.cache != NONE
            || ps.block != NONE
            || ps.reserved
            || self
                .file_ptes(file, page)
                .any(|pi| self.s.ptes[pi].frame != NONE)
    }

    /// PTE slots of every mapping of `file` at `page` (private COW copies included, as
    /// unmap_mapping_range(..., even_cows=1) does for truncate).
    fn file_ptes(&self, file: usize, page: u8) -> impl Iterator<Item = usize> + '_ {
        self.w
            .sc
            .maps
            .iter()
            .enumerate()
            .filter_map(move |(m, md)| match md.kind {
                MapKind::File { file: f, .. } if f == file && page < self.w.map_pages(m) => {
                    Some(self.w.pte(m, page))
                }
                _ => None,
            })
    }

    /// truncate_inode_pages_range(): one step of `truncate F N` (pages >= N) or `punch F i`
    /// (page i only, as punch_hole does): per page, unmap,
    /// wait for writeback, remove from the page cache (a page still referenced survives as an
    /// orphan), free the blocks.
    pub(crate) fn truncate_inode_pages_range(
        &mut self,
        file: usize,
        from: u8,
        to: u8,
        set_size: Option<u8>,
    ) -> Result<(), Stop> {
        let t = self.thread;
        if self.s.threads[t].phase == 0 {
            // sb_start_write(): a new truncate waits from SB_FREEZE_WRITE until thaw; one in
            // progress holds it, and freeze_super() waits for it to finish.
            if self.s.freeze >= freeze::WRITE {
                return Err(Stop::Blocked);
            }
            self.s.threads[t].phase = 1;
            self.s.threads[t].cursor = from;
            if let Some(n) = set_size {
                let name = self.w.sc.files[file].name.as_str();
                self.call(|| {
                    Call::new(
                        "truncate_setsize",
                        format!("truncate_setsize({name}, {n} pages)"),
                    )
                    .touch(Object::File(file as u8))
                });
                self.s.sizes[file] = n;
                self.emit_size(file);
            }
        }
        loop {
            let page = self.s.threads[t].cursor;
            if page >= to {
                self.call(|| {
                    Call::new("truncate_inode_pages_range", "truncate done")
                        .touch(Object::File(file as u8))
                });
                self.next_op();
                return Ok(());
            }
            if self.truncate_wants(file, page) {
                self.truncate_inode_folio(file, page)?;
                self.s.threads[t].cursor += 1;
                // Finish in this step when nothing more is left.
                let rest = (page + 1..to).any(|p| self.truncate_wants(file, p));
                if !rest {
                    self.next_op();
                }
                return Ok(());
            }
            self.s.threads[t].cursor += 1;
        }
    }

    /// truncate_inode_folio(): one page of the range: break layout leases, wait where the design
    /// (or writeback) says so, unmap, remove from the page cache (or, on fs-DAX, free the storage
    /// the mapping pointed at), free the block.
    fn truncate_inode_folio(&mut self, file: usize, page: u8) -> Result<(), Stop> {
        let slot = self.slot(file, page);
        let fr = self.s.pages[slot].cache;
        let h = self.w.design.handling;
        if fr != NONE
            && self.s.frames[fr as usize].has(pg::WRITEBACK)
            && !self.mutated(Mutation::TruncateNoWritebackWait)
        {
            return Err(Stop::Blocked);
        }
        // A step that waits is discarded whole, so what comes before a wait may change state.
        self.break_layout(file, page);
        if fr != NONE && h.truncate_pinned == OnPinned::Wait && self.folio_maybe_dma_pinned(fr) {
            return Err(Stop::Blocked);
        }
        (self.w.fs.i_ops.break_layouts)(self, file, page)?;
        let name = self.w.sc.files[file].name.as_str();
        let ptes: Vec<usize> = self.file_ptes(file, page).collect();
        for pi in ptes {
            self.zap_pte(pi);
        }
        self.call(|| {
            Call::new(
                "unmap_mapping_range",
                format!("unmap_mapping_range({name}[{page}])"),
            )
            .file_page(file, page)
        });
        let f8 = file as u8;
        self.emit(|| Event::Punched { file: f8, page });
        if fr != NONE {
            let f = &mut self.s.frames[fr as usize];
            f.set(pg::DIRTY, false);
            f.set(pg::PRIVATE, false);
            f.set(pg::FS_CLEAN, false);
            f.owner = Owner::Orphan {
                file: file as u8,
                page,
            };
            self.s.pages[slot].cache = NONE;
            let rc = f.refcount - 1;
            self.emit(|| Event::Orphaned { frame: fr });
            self.call(|| {
                Call::new("truncate_inode_folio", format!("truncate_inode_folio(#{fr}): folio_invalidate, removed from page cache, refcount {rc}{}", if rc > 0 { ": still referenced, orphaned" } else { "" }))
                    .frame(fr)
                    .change(Change::Refcount { frame: fr, to: rc })
            });
            self.folio_put(fr, 1);
        }
        // The data is gone because the application asked: no fsync's promise covers it now.
        for t in 0..self.w.sc.threads.len() {
            if let Some(i) = self.w.promise_slot(t, file, page) {
                self.s.promises[i] = NONE;
            }
        }
        let ps = &mut self.s.pages[slot];
        let b = ps.block;
        ps.reserved = false;
        ps.durable = NONE;
        if b != NONE {
            self.set_extent(file, page, NONE, false);
            (self.w.fs.i_ops.free_block)(self, file, page, b);
        }
        Ok(())
    }

    /// truncate_setsize(): i_size, then truncate_pagecache() of everything beyond it.
    pub(crate) fn truncate_setsize(&mut self, file: usize, pages: u8) -> Result<(), Stop> {
        let old = self.s.sizes[file];
        // Only the first step decides: later steps of a shrinking truncate see i_size already
        // set and must go on removing the rest of the range.
        if self.s.threads[self.thread].phase == 0 && pages >= old {
            if self.s.freeze >= freeze::WRITE {
                return Err(Stop::Blocked);
            }
            self.s.sizes[file] = pages;
            self.emit_size(file);
            let name = self.w.sc.files[file].name.as_str();
            self.call(|| {
                Call::new(
                    "truncate_setsize",
                    format!("truncate_setsize({name}, {pages} pages): extended with holes"),
                )
                .touch(Object::File(file as u8))
            });
            self.next_op();
            return Ok(());
        }
        self.truncate_inode_pages_range(file, pages, MAX_FILE_PAGES, Some(pages))
    }
}
