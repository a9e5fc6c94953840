//! Writeback: `writeback F` (background), `fsync F` / `sync` (integrity), freeze_super().
//!
//! A pass walks page slots in index order (files in declaration order for `sync`); it finds
//! pages by the dirty tag, so a clean page costs no step. Each page written is two steps of the
//! passing thread: submit (folio_clear_dirty_for_io + ->writepages) and completion
//! (folio_end_writeback), with other threads free to run in between.
//!
//! An integrity pass promises, at its first step, that everything in its scope then is on disk
//! when it returns; each pass keeps its own promise (`State::promises`), so two fsyncs in flight
//! are each held to what was acknowledged before *they* started.

use crate::design::OnPinned;
use crate::history::{Event, Loss};
use crate::property::Property;
use crate::state::{freeze, pg, Content, Owner, NONE};
use crate::trace::{Arrow, Call, Change, Object};
use crate::world::{Ctx, Mutation, Stop, MAX_FILE_PAGES};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PassKind {
    /// Background writeback (WB_SYNC_NONE): skips pages already under writeback.
    Background,
    /// fsync/sync (WB_SYNC_ALL): waits for pages under writeback, promises durability.
    Integrity,
    /// freeze_super(): block writers, then write faults, then an integrity sync, then frozen.
    Freeze,
}

/// Whose promise a durability check holds the disk to.
#[derive(Clone, Copy)]
enum Promise {
    /// The integrity pass that is returning now.
    ThisPass,
    /// The newest promise of a pass that has returned (a crash must not lose it).
    Returned,
}

/// thread phase values during a pass
const START: u8 = 0;
const SCAN: u8 = 1;
const IN_FLIGHT: u8 = 2;
/// freeze_super() has set SB_FREEZE_WRITE and waits for writers in flight to drain.
const DRAIN_WRITERS: u8 = 3;

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

    /// A thread is inside an operation that holds sb_start_write() across steps (a truncate or
    /// punch that has started): freeze_super() waits for it to finish (sb_wait_write).
    fn writers_in_flight(&self) -> bool {
        self.w.sc.threads.iter().enumerate().any(|(t, th)| {
            let ts = self.s.threads[t];
            ts.phase != 0
                && matches!(
                    th.ops.get(ts.pc as usize).map(|o| o.op),
                    Some(crate::scenario::Op::Truncate { .. } | crate::scenario::Op::Punch { .. })
                )
        })
    }

    /// freeze_super()'s first steps: SB_FREEZE_WRITE, then (writers drained) SB_FREEZE_PAGEFAULT.
    /// Returns true when the sync may start in this step.
    fn freeze_super_begin(&mut self) -> Result<bool, Stop> {
        let t = self.thread;
        match self.s.threads[t].phase {
            START => {
                if self.s.freeze != freeze::UNFROZEN {
                    self.call(|| {
                        Call::new(
                            "freeze_super",
                            "freeze_super: already frozen or freezing -> -EBUSY",
                        )
                        .touch(Object::Super)
                    });
                    self.next_op();
                    return Ok(false);
                }
                self.s.freeze = freeze::WRITE;
                self.s.threads[t].phase = DRAIN_WRITERS;
                self.call(|| {
                    Call::new(
                        "freeze_super",
                        "freeze_super: SB_FREEZE_WRITE: new writers (write, truncate, fallocate) wait",
                    )
                    .touch(Object::Super)
                });
                Ok(false)
            }
            DRAIN_WRITERS => {
                if self.writers_in_flight() {
                    // sb_wait_write(SB_FREEZE_WRITE): a truncate in progress holds it.
                    return Err(Stop::Blocked);
                }
                self.s.freeze = freeze::PAGEFAULT;
                self.s.threads[t].phase = START;
                self.call(|| {
                    Call::new("freeze_super", "freeze_super: writers drained; SB_FREEZE_PAGEFAULT: write faults wait; sync_filesystem").touch(Object::Super)
                });
                Ok(true)
            }
            _ => Ok(true),
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
        if kind == PassKind::Freeze
            && matches!(self.s.threads[t].phase, START | DRAIN_WRITERS)
            && !self.freeze_super_begin()?
        {
            return Ok(());
        }
        if !self.w.fs.backing {
            // No backing store: writeback and fsync have nothing to do.
            if kind == PassKind::Freeze {
                self.s.freeze = freeze::COMPLETE;
                self.emit(|| Event::Frozen);
            }
            let fsname = self.w.fs.name;
            self.call(|| {
                Call::new(
                    "write_cache_pages",
                    format!("{fsname}: no backing store, nothing to do"),
                )
            });
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
                if matches!(self.s.frames[fr as usize].owner, Owner::Dax { .. })
                    && self.folio_maybe_dma_pinned(fr)
                {
                    return Err(Stop::Blocked);
                }
            }
        }
        if self.s.threads[t].phase == START {
            if kind != PassKind::Background {
                self.record_promises(scope);
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

    /// What the file holds at `file`/`page` now: the page-cache page, else the disk.
    fn file_content(&self, file: usize, page: u8) -> Content {
        let ps = self.s.pages[self.slot(file, page)];
        if ps.cache != NONE {
            self.s.frames[ps.cache as usize].content
        } else {
            self.disk_content_of(file, page)
        }
    }

    /// At an integrity pass's first step: everything the files in scope hold now must be on
    /// disk when it returns. The promise is this pass's own.
    fn record_promises(&mut self, scope: Option<usize>) {
        let t = self.thread;
        let thread = t as u8;
        let file = scope.map(|f| f as u8);
        self.emit(|| Event::SyncStart { thread, file });
        for file in self.files_in(scope) {
            for page in 0..self.s.sizes[file] {
                let w = self.file_content(file, page).write;
                let i = self
                    .w
                    .promise_slot(t, file, page)
                    .expect("threads that fsync have promise slots");
                self.s.promises[i] = w;
            }
        }
    }

    fn finish_pass(&mut self, scope: Option<usize>, kind: PassKind) {
        let t = self.thread;
        if kind != PassKind::Background {
            for file in self.files_in(scope) {
                for page in 0..MAX_FILE_PAGES {
                    let Some(i) = self.w.promise_slot(t, file, page) else {
                        continue;
                    };
                    let promised = self.s.promises[i];
                    if promised == NONE {
                        continue;
                    }
                    self.s.promises[i] = NONE;
                    if page >= self.s.sizes[file] {
                        continue;
                    }
                    self.check_durable(file, page, promised, Promise::ThisPass);
                    // From now on a crash must not lose it: the newest promise of a returned
                    // pass stands until the page is truncated.
                    let slot = self.slot(file, page);
                    let d = self.s.pages[slot].durable;
                    if d == NONE || self.s.older(d, promised) {
                        self.s.pages[slot].durable = promised;
                    }
                }
            }
            let thread = t as u8;
            self.emit(|| Event::SyncReturn { thread });
        }
        if kind == PassKind::Freeze {
            (self.w.fs.s_ops.freeze_fs)(self);
            // A page dirtied after the sync passed it (behind the filesystem's back: write
            // faults and writers were blocked) is in the frozen filesystem, not in its image.
            for slot in 0..self.s.pages.len() {
                let fr = self.s.pages[slot].cache;
                if fr != NONE && self.s.frames[fr as usize].has(pg::DIRTY) {
                    if let Owner::Cache { file, page } = self.s.frames[fr as usize].owner {
                        let name = self.w.sc.files[file as usize].name.as_str();
                        self.violate(Property::FreezeConsistency, || {
                            format!("{name}[{page}] (#{fr}) is dirty when the filesystem freezes: the frozen image does not hold it")
                        });
                    }
                }
            }
            self.s.freeze = freeze::COMPLETE;
            self.emit(|| Event::Frozen);
            self.call(|| {
                Call::new(
                    "freeze_super",
                    "freeze_super: SB_FREEZE_COMPLETE: filesystem frozen",
                )
                .touch(Object::Super)
            });
        } else {
            self.call(|| Call::new("write_cache_pages", "writeback pass done"));
        }
        self.next_op();
    }

    /// `durability` after the disk at `file`/`page` changed other than by writeback completion
    /// (a copy into fs-DAX storage): the standing promise of the fsyncs that have returned holds.
    pub(crate) fn check_standing_promise(&mut self, file: usize, page: u8) {
        let d = self.s.pages[self.slot(file, page)].durable;
        if d != NONE {
            self.check_durable(file, page, d, Promise::Returned);
        }
    }

    /// `durability`: the disk at `file`/`page` holds `promised` or a newer write.
    fn check_durable(&mut self, file: usize, page: u8, promised: u8, whose: Promise) {
        let on_disk = self.disk_content_of(file, page);
        if self.s.older(on_disk.write, promised) {
            let name = self.w.sc.files[file].name.as_str();
            let (when, which) = match whose {
                Promise::ThisPass => (
                    "fsync returned",
                    "was acknowledged before the fsync started",
                ),
                Promise::Returned => (
                    "the disk changed",
                    "an fsync that has returned promised was on disk",
                ),
            };
            let (have, want) = (
                self.val(on_disk),
                self.w
                    .sc
                    .value_name(self.w.write_value(promised))
                    .to_string(),
            );
            self.violate(Property::Durability, || {
                format!(
                    "{when}: disk {name}[{page}] holds {have}, older than {want}, which {which}"
                )
            });
        }
    }

    /// What `file`/`page` reads from the medium: a hole or an unwritten extent reads zeros;
    /// fs-DAX storage is its frame.
    pub(crate) fn disk_content_of(&self, file: usize, page: u8) -> Content {
        let ps = self.s.pages[self.slot(file, page)];
        if ps.block == NONE || ps.unwritten {
            Default::default()
        } else if self.w.fs.dax {
            self.s.frames[ps.block as usize].content
        } else {
            self.s.blocks[ps.block as usize].content
        }
    }

    pub(crate) fn alloc_block(&mut self) -> u8 {
        let b = self
            .s
            .blocks
            .iter()
            .position(|b| !b.used)
            .expect("a reservation guarantees a free block");
        self.s.blocks[b].used = true;
        let block = b as u8;
        self.emit(|| Event::BlockAlloc { block });
        block
    }

    /// `file`/`page` is now backed by `block` (NONE: a hole).
    pub(crate) fn set_extent(&mut self, file: usize, page: u8, block: u8, unwritten: bool) {
        let slot = self.slot(file, page);
        self.s.pages[slot].block = block;
        self.s.pages[slot].unwritten = unwritten && block != NONE;
        let (file, unwritten) = (file as u8, unwritten && block != NONE);
        self.emit(|| Event::Extent {
            file,
            page,
            block,
            unwritten,
        });
    }

    /// Acknowledged data of `file`/`page` held by frame `fr` will never be written.
    pub(crate) fn data_lost(&mut self, fr: u8, file: usize, page: u8, why: Loss) {
        let content = self.s.frames[fr as usize].content;
        let file = file as u8;
        self.emit(|| Event::DataLost {
            file,
            page,
            content,
            why,
        });
    }

    /// Submit half of writing one dirty page: folio_clear_dirty_for_io() (which calls
    /// folio_mkclean()), then ->writepages decides where the data goes. Returns whether I/O was
    /// started (false: the page was skipped, redirtied or its data dropped).
    pub(crate) fn writepage_submit(&mut self, file: usize, page: u8) -> Result<bool, Stop> {
        let slot = self.slot(file, page);
        let fr = self.s.pages[slot].cache;
        let h = self.w.design.handling;
        if h.revoke {
            // The device's access goes before the page is write-protected (seed 002: "require
            // that RDMA users provide a way to revoke access"); short-term pins are waited for.
            self.revoke_pins_of(file, page, "folio_mkclean");
        }
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
        let (f8, fr_) = (file as u8, fr);
        self.emit(|| Event::WritebackMeets {
            frame: fr_,
            file: f8,
            page,
        });
        (fs.a_ops.writepage_start)(self, file, page);
        let name = self.w.sc.files[file].name.as_str();
        self.call(|| {
            Call::new(
                "folio_clear_dirty_for_io",
                format!("folio_clear_dirty_for_io({name}[{page}] #{fr})"),
            )
            .file_page(file, page)
            .frame(fr)
            .change(Change::Flag {
                frame: fr,
                flag: pg::DIRTY,
                set: false,
            })
        });
        self.folio_mkclean(fr);
        {
            let f = &mut self.s.frames[fr as usize];
            f.set(pg::DIRTY, false);
            f.set(pg::FS_CLEAN, fs.has_page_mkwrite());
        }
        let ps = self.s.pages[slot];
        let Some(target) = (fs.a_ops.writepage_map)(self, fr, file, page) else {
            return Ok(false);
        };
        let f = &mut self.s.frames[fr as usize];
        f.set(pg::WRITEBACK, true);
        f.set(pg::BOUNCE, bounce);
        f.wb_block = target;
        f.wb_snapshot = f.content;
        let c = f.content;
        let v = self.val(c);
        self.emit(|| Event::WritebackSubmit {
            frame: fr,
            block: target,
            bounce,
        });
        if bounce {
            self.info.cost.page_copies += 1;
            self.call(|| {
                Call::new(
                    "writepages",
                    format!("bounce page: a stable copy of #{fr} ({v}) is what the bio writes"),
                )
                .frame(fr)
            });
        }
        let stable = if self.w.stable {
            ", checksum computed"
        } else {
            ""
        };
        let how = if ps.unwritten && target == ps.block {
            " (an unwritten extent, converted at completion)"
        } else {
            ""
        };
        self.call(|| {
            let text = format!(
                "folio_start_writeback(#{fr}): bio to block {target}{how} submitted with {v}{stable}"
            );
            Call::new("folio_start_writeback", text)
                .arrow(Arrow::BioSubmit)
                .frame(fr)
                .block(target)
                .change(Change::Flag { frame: fr, flag: pg::WRITEBACK, set: true })
        });
        Ok(true)
    }

    /// Completion half: the block receives the frame's content as it is now; the checksum /
    /// integrity tag computed at submit is checked; an unwritten extent is converted;
    /// folio_end_writeback().
    pub(crate) fn folio_end_writeback(&mut self, fr: u8, file: usize, page: u8) {
        let slot = self.slot(file, page);
        let f = self.s.frames[fr as usize];
        let b = f.wb_block;
        let name = self.w.sc.files[file].name.as_str();
        if b == NONE {
            // Only a broken model gets here (a mutant truncate freed the page under I/O and the
            // frame was allocated again, which forgets its bio): nothing is left to complete.
            // A page freed but not reused still completes, into a block `no-storage-uaf` judges.
            self.call(|| {
                Call::new("folio_end_writeback", format!("writeback of {name}[{page}]: #{fr} was freed and reused under I/O; its bio is lost"))
                    .file_page(file, page)
                    .frame(fr)
            });
            return;
        }
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
        // The checksum or tag covers bytes: a write of the same value leaves it matching (unlike
        // `durability` and `mkwrite-contract`, which count writes, not values).
        if self.w.stable && sent.value != f.wb_snapshot.value {
            let (was, now) = (self.val(f.wb_snapshot), self.val(f.content));
            let what = if self.w.fs.data_checksums {
                "data checksum"
            } else {
                "DIF/DIX guard tag"
            };
            self.violate(Property::StableWrites, || {
                format!("{name}[{page}] changed from {was} to {now} under writeback: the {what} computed at submit no longer matches")
            });
        }
        if self.s.frozen() {
            self.violate(Property::FreezeConsistency, || {
                format!("disk write to {name}[{page}] while the filesystem is frozen")
            });
        }
        self.s.blocks[b as usize].content = sent;
        self.emit(|| Event::WritebackComplete {
            frame: fr,
            block: b,
        });
        let still_cached = self.s.pages[slot].cache == fr;
        if still_cached {
            (self.w.fs.a_ops.end_io)(self, file, page, b);
        }
        let fm = &mut self.s.frames[fr as usize];
        fm.set(pg::WRITEBACK, false);
        fm.set(pg::BOUNCE, false);
        fm.wb_block = NONE;
        let v = self.val(sent);
        self.call(|| {
            Call::new(
                "folio_end_writeback",
                format!("bio completes: block {b} = {v}; folio_end_writeback(#{fr})"),
            )
            .arrow(Arrow::BioComplete)
            .block(b)
            .frame(fr)
            .change(Change::Block {
                block: b,
                value: sent.value,
            })
            .change(Change::Flag {
                frame: fr,
                flag: pg::WRITEBACK,
                set: false,
            })
        });
        if still_cached {
            self.check_standing_promise(file, page);
        }
    }
}
