//! Writeback: `writeback F` (background), `fsync F` / `sync` (integrity), freeze's sync.
//!
//! A pass walks page slots in index order (files in declaration order for `sync`); it finds
//! pages by the dirty tag, so a clean page costs no step. Each page written is two steps of the
//! passing thread: submit (folio_clear_dirty_for_io + ->writepages) and completion
//! (folio_end_writeback), with other threads free to run in between.

use crate::design::OnPinned;
use crate::fs::Unprepared;
use crate::property::Property;
use crate::state::{pg, NONE};
use crate::world::{Ctx, Mutation, Stop, MAX_FILE_PAGES};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PassKind {
    /// Background writeback (WB_SYNC_NONE): skips pages already under writeback.
    Background,
    /// fsync/sync (WB_SYNC_ALL): waits for pages under writeback, promises durability.
    Integrity,
    /// freeze_super(): an integrity sync, then the filesystem is frozen.
    Freeze,
}

/// thread phase values during a pass
const START: u8 = 0;
const SCAN: u8 = 1;
const IN_FLIGHT: u8 = 2;

impl Ctx<'_, '_, '_> {
    /// The (file, page) of the flattened pass cursor, for a pass over `scope` (None: all files).
    fn pass_target(&self, scope: Option<usize>, cursor: u8) -> Option<(usize, u8)> {
        let (first, n) = match scope {
            Some(f) => (f, 1),
            None => (0, self.w.sc.files.len()),
        };
        let i = cursor as usize;
        let per = MAX_FILE_PAGES as usize;
        (i < n * per).then(|| (first + i / per, (i % per) as u8))
    }

    /// Whether the pass has something to do at this page.
    fn pass_wants(&self, kind: PassKind, file: usize, page: u8) -> bool {
        if page >= self.s.sizes[file] {
            return false;
        }
        let fr = self.s.pages[self.slot(file, page)].cache;
        if fr == NONE {
            return false;
        }
        let f = &self.s.frames[fr as usize];
        match kind {
            PassKind::Background => f.has(pg::DIRTY) && !f.has(pg::WRITEBACK),
            PassKind::Integrity | PassKind::Freeze => f.has(pg::DIRTY) || f.has(pg::WRITEBACK),
        }
    }

    /// write_cache_pages() (WB_SYNC_NONE for `writeback`, WB_SYNC_ALL for fsync/sync/freeze):
    /// one step of a writeback pass.
    pub(crate) fn write_cache_pages(
        &mut self,
        scope: Option<usize>,
        kind: PassKind,
    ) -> Result<(), Stop> {
        let t = self.thread;
        if !self.w.fs.backing {
            // No backing store: writeback and fsync have nothing to do.
            if kind == PassKind::Freeze {
                self.s.frozen = true;
            }
            self.call(|| format!("{}: no backing store, nothing to do", self.w.fs.name));
            self.next_op();
            return Ok(());
        }
        if kind == PassKind::Freeze
            && self.w.fs.dax
            && self.w.design.handling.writeback_pinned == OnPinned::Wait
        {
            // Freeze write-protects every DAX PTE (finish_pass); under `wait` the write
            // protection of a pinned page waits, as folio_mkclean does at writeback.
            for fr in 0..self.s.frames.len() as u8 {
                if matches!(
                    self.s.frames[fr as usize].owner,
                    crate::state::Owner::Dax { .. }
                ) && self.folio_maybe_dma_pinned(fr)
                {
                    return Err(Stop::Blocked);
                }
            }
        }
        if self.s.threads[t].phase == START {
            if kind != PassKind::Background {
                self.record_durability(scope);
            }
            self.s.threads[t].phase = SCAN;
        } else if self.s.threads[t].phase == IN_FLIGHT {
            let (file, page) = self
                .pass_target(scope, self.s.threads[t].cursor)
                .expect("in-flight page");
            let fr = self.s.threads[t].aux;
            self.folio_end_writeback(fr, file, page);
            self.s.threads[t].cursor += 1;
            self.s.threads[t].phase = SCAN;
            self.skip_to_work(scope, kind);
            return Ok(());
        }
        if !self.skip_to_work(scope, kind) {
            return Ok(());
        }
        let (file, page) = self
            .pass_target(scope, self.s.threads[t].cursor)
            .expect("scanned page");
        let fr = self.s.pages[self.slot(file, page)].cache;
        if self.s.frames[fr as usize].has(pg::WRITEBACK) {
            // folio_wait_writeback(): integrity passes wait for writeback in flight.
            if !self.mutated(Mutation::IntegrityNoWait) {
                return Err(Stop::Blocked);
            }
            self.s.threads[t].cursor += 1;
            self.skip_to_work(scope, kind);
            return Ok(());
        }
        if self.writepage_submit(file, page)? {
            self.s.threads[t].phase = IN_FLIGHT;
            self.s.threads[t].aux = fr;
        } else {
            self.s.threads[t].cursor += 1;
            self.skip_to_work(scope, kind);
        }
        Ok(())
    }

    /// Moves the cursor to the next page needing work; at the end, finishes the pass (this step
    /// returns from fsync) and returns false.
    fn skip_to_work(&mut self, scope: Option<usize>, kind: PassKind) -> bool {
        let t = self.thread;
        loop {
            match self.pass_target(scope, self.s.threads[t].cursor) {
                None => {
                    self.finish_pass(scope, kind);
                    return false;
                }
                Some((f, p)) if self.pass_wants(kind, f, p) => return true,
                Some(_) => self.s.threads[t].cursor += 1,
            }
        }
    }

    fn files_in(&self, scope: Option<usize>) -> std::ops::Range<usize> {
        match scope {
            Some(f) => f..f + 1,
            None => 0..self.w.sc.files.len(),
        }
    }

    /// At fsync's first step: everything acknowledged so far must be on disk when it returns.
    fn record_durability(&mut self, scope: Option<usize>) {
        for file in self.files_in(scope) {
            for page in 0..self.s.sizes[file] {
                let slot = self.slot(file, page);
                let ps = self.s.pages[slot];
                let w = if ps.cache != NONE {
                    self.s.frames[ps.cache as usize].content.write
                } else {
                    self.disk_content(ps.block).write
                };
                if ps.durable == NONE || self.s.older(ps.durable, w) {
                    self.s.pages[slot].durable = w;
                }
            }
        }
    }

    fn finish_pass(&mut self, scope: Option<usize>, kind: PassKind) {
        if kind != PassKind::Background {
            for file in self.files_in(scope) {
                for page in 0..self.s.sizes[file] {
                    self.check_durable(file, page, "fsync returned");
                }
            }
        }
        if kind == PassKind::Freeze {
            if self.w.fs.dax {
                // dax_writeback_mapping_range(): write-protect every DAX PTE, so the next store
                // faults into ->page_mkwrite and waits for the thaw.
                for fr in 0..self.s.frames.len() as u8 {
                    if matches!(
                        self.s.frames[fr as usize].owner,
                        crate::state::Owner::Dax { .. }
                    ) {
                        self.folio_mkclean(fr);
                    }
                }
            }
            self.s.frozen = true;
            self.call(|| "freeze_super: filesystem frozen".into());
        } else {
            self.call(|| "writeback pass done".into());
        }
        self.next_op();
    }

    /// `durability`: the disk at `file`/`page` holds the promised write or a newer one.
    fn check_durable(&mut self, file: usize, page: u8, when: &str) {
        let ps = self.s.pages[self.slot(file, page)];
        if ps.durable == NONE {
            return;
        }
        let on_disk = self.disk_content(ps.block);
        if self.s.older(on_disk.write, ps.durable) {
            let name = self.w.sc.files[file].name.clone();
            let when = when.to_string();
            let (have, want) = (
                self.val(on_disk).to_string(),
                self.w
                    .sc
                    .value_name(self.w.write_value(ps.durable))
                    .to_string(),
            );
            self.violate(Property::Durability, || {
                format!("{when}: disk {name}[{page}] holds {have}, older than {want}, which was acknowledged before the fsync started")
            });
        }
    }

    /// What block `b` holds on the medium (a hole reads 0; fs-DAX storage is its frame).
    fn disk_content(&self, b: u8) -> crate::state::Content {
        if b == NONE {
            Default::default()
        } else if self.w.fs.dax {
            self.s.frames[b as usize].content
        } else {
            self.s.blocks[b as usize].content
        }
    }

    fn alloc_block(&mut self) -> u8 {
        let b = self
            .s
            .blocks
            .iter()
            .position(|b| !b.used)
            .expect("a reservation guarantees a free block");
        self.s.blocks[b].used = true;
        b as u8
    }

    /// Submit half of writing one dirty page: folio_clear_dirty_for_io() (which calls
    /// folio_mkclean()), then ->writepages decides where the data goes. Returns whether I/O was
    /// started (false: the page was skipped or its data dropped).
    pub(crate) fn writepage_submit(&mut self, file: usize, page: u8) -> Result<bool, Stop> {
        let slot = self.slot(file, page);
        let fr = self.s.pages[slot].cache;
        let h = self.w.design.handling;
        let mut bounce = false;
        match h.writeback_pinned {
            OnPinned::Wait if self.folio_maybe_dma_pinned(fr) => return Err(Stop::Blocked),
            OnPinned::Bounce if self.folio_maybe_dma_pinned(fr) => bounce = true,
            _ => {}
        }
        // fs-tolerant cannot know which pages a device may write: every page written where
        // writes must be stable goes out from a bounce copy (seed 002: "bounce buffers for
        // DIF/DIX").
        bounce |= h.fs_tolerant && self.w.stable;
        let fs = self.w.fs;
        if fs.cow {
            // A COW write moves the page's data to a new extent: a layout change.
            self.break_layout(file, page);
        }
        let name = self.w.sc.files[file].name.clone();
        self.call(|| format!("folio_clear_dirty_for_io({name}[{page}] #{fr})"));
        self.folio_mkclean(fr);
        {
            let f = &mut self.s.frames[fr as usize];
            f.set(pg::DIRTY, false);
            f.set(pg::FS_CLEAN, fs.page_mkwrite);
        }
        let ps = self.s.pages[slot];
        let private = self.s.frames[fr as usize].has(pg::PRIVATE);
        let target = if fs.cow {
            if ps.reserved {
                self.s.pages[slot].reserved = false;
                self.alloc_block()
            } else if self.s.free_blocks() > 0 {
                self.call(|| format!("{}: dirtied without ->page_mkwrite: btrfs_writepage_fixup_worker reserves a new extent", fs.name));
                self.alloc_block()
            } else {
                self.violate(Property::NoLateEnospc, || {
                    format!("{name}[{page}] was dirtied without a reservation; the COW fixup at writeback finds no space: -ENOSPC, data dropped")
                });
                self.call(|| {
                    "btrfs_writepage_fixup_worker: -ENOSPC, mapping_set_error, data dropped".into()
                });
                return Ok(false);
            }
        } else {
            if !private && !h.fs_tolerant {
                match fs.unprepared {
                    Unprepared::WarnAndSkip => {
                        self.violate(Property::FsIntegrity, || {
                            format!("{}: \"page {page} does not have buffers attached\" ({name}): dirty page without buffers at writeback; skipped, data not written", fs.name)
                        });
                        self.call(|| format!("{}_writepages: warn, clear dirty, skip", fs.name));
                        return Ok(false);
                    }
                    Unprepared::WriteIfMapped | Unprepared::CowFixup
                        if ps.block == NONE && !ps.reserved =>
                    {
                        self.call(|| {
                            "iomap_writepage_map_blocks: IOMAP_HOLE, skipped silently".into()
                        });
                        return Ok(false);
                    }
                    _ => {}
                }
            }
            if ps.block != NONE {
                ps.block
            } else if ps.reserved {
                self.s.pages[slot].reserved = false;
                let b = self.alloc_block();
                self.s.pages[slot].block = b;
                self.call(|| format!("delalloc conversion: block {b} allocated"));
                b
            } else if self.s.free_blocks() > 0 {
                let b = self.alloc_block();
                self.s.pages[slot].block = b;
                b
            } else {
                self.violate(Property::NoLateEnospc, || {
                    format!("{name}[{page}]: allocation at writeback failed: -ENOSPC, data dropped")
                });
                return Ok(false);
            }
        };
        let f = &mut self.s.frames[fr as usize];
        f.set(pg::WRITEBACK, true);
        f.set(pg::BOUNCE, bounce);
        f.wb_block = target;
        f.wb_snapshot = f.content;
        let c = f.content;
        let v = self.val(c).to_string();
        if bounce {
            self.info.cost.page_copies += 1;
            self.call(|| {
                format!("bounce page: a stable copy of #{fr} ({v}) is what the bio writes")
            });
        }
        let stable = if self.w.stable {
            ", checksum computed"
        } else {
            ""
        };
        self.call(|| {
            format!(
                "folio_start_writeback(#{fr}): bio to block {target} submitted with {v}{stable}"
            )
        });
        Ok(true)
    }

    /// Completion half: the block receives the frame's content as it is now; the checksum /
    /// integrity tag computed at submit is checked; folio_end_writeback().
    pub(crate) fn folio_end_writeback(&mut self, fr: u8, file: usize, page: u8) {
        let slot = self.slot(file, page);
        let f = self.s.frames[fr as usize];
        let b = f.wb_block;
        let name = self.w.sc.files[file].name.clone();
        if !self.s.blocks[b as usize].used {
            self.violate(Property::NoStorageUaf, || {
                format!("writeback of {name}[{page}] wrote block {b} after it was freed")
            });
        }
        // A bounced write sends the copy taken at submit: what the page holds now is irrelevant.
        let sent = if f.has(pg::BOUNCE) {
            f.wb_snapshot
        } else {
            f.content
        };
        if self.w.stable && sent != f.wb_snapshot {
            let (was, now) = (
                self.val(f.wb_snapshot).to_string(),
                self.val(f.content).to_string(),
            );
            let what = if self.w.fs.data_checksums {
                "data checksum"
            } else {
                "DIF/DIX guard tag"
            };
            self.violate(Property::StableWrites, || {
                format!("{name}[{page}] changed from {was} to {now} under writeback: the {what} computed at submit no longer matches")
            });
        }
        if self.s.frozen {
            self.violate(Property::FreezeConsistency, || {
                format!("disk write to {name}[{page}] while the filesystem is frozen")
            });
        }
        self.s.blocks[b as usize].content = sent;
        let still_cached = self.s.pages[slot].cache == fr;
        if self.w.fs.cow && still_cached {
            let old = self.s.pages[slot].block;
            if old != NONE && old != b {
                self.s.blocks[old as usize].used = false;
            }
            self.s.pages[slot].block = b;
        }
        let fm = &mut self.s.frames[fr as usize];
        fm.set(pg::WRITEBACK, false);
        fm.set(pg::BOUNCE, false);
        fm.wb_block = NONE;
        let v = self.val(sent).to_string();
        self.call(|| format!("bio completes: block {b} = {v}; folio_end_writeback(#{fr})"));
        if still_cached {
            self.check_durable(file, page, "writeback completed");
        }
    }
}
