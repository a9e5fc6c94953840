//! Memory management: page faults, the page cache lookup, ->page_mkwrite, rmap walks and GUP.

use crate::design::{PinRef, PinRequest, GUP_PIN_COUNTING_BIAS};
use crate::property::Property;
use crate::scenario::{Errno, MapKind, Observed, PinResult, Value};
use crate::state::{pg, Content, Owner, NONE};
use crate::world::{Ctx, Mutation, Stop};

impl Ctx<'_, '_, '_> {
    /// filemap_get_folio() / filemap_fault(): the page-cache folio of `file`/`page`, read in
    /// (->read_folio) when absent. Beyond EOF is SIGBUS.
    pub(crate) fn filemap_get_folio(&mut self, file: usize, page: u8) -> Result<u8, Stop> {
        if page >= self.s.sizes[file] {
            return Err(Stop::Sigbus);
        }
        let slot = self.slot(file, page);
        let fr = self.s.pages[slot].cache;
        if fr != NONE {
            return Ok(fr);
        }
        let content = match self.s.pages[slot].block {
            NONE => Content::default(),
            b => self.s.blocks[b as usize].content,
        };
        let fr = self.alloc_frame(
            Owner::Cache {
                file: file as u8,
                page,
            },
            content,
        );
        let needs_mkwrite = self.w.fs.page_mkwrite;
        let f = &mut self.s.frames[fr as usize];
        f.refcount = 1;
        // Read in clean and without buffers: to the filesystem it is clean until ->page_mkwrite.
        f.set(pg::FS_CLEAN, needs_mkwrite);
        self.s.pages[slot].cache = fr;
        let v = self.val(content).to_string();
        self.call(|| {
            format!(
                "filemap_fault: read_folio({}) -> #{fr} = {v}",
                self.w.sc.files[file].name
            )
        });
        Ok(fr)
    }

    /// ext4_da_reserve_space() / xfs delalloc / btrfs_delalloc_reserve_space(): reserves what the
    /// filesystem needs to write `file`/`page` back later (btrfs: a new COW extent every time). Ok(true) when a block was reserved, Ok(false) when
    /// none was needed, Err(ENOSPC) when the disk is full.
    pub(crate) fn reserve_space(&mut self, file: usize, page: u8) -> Result<bool, Errno> {
        let slot = self.slot(file, page);
        let ps = self.s.pages[slot];
        let needed = !ps.reserved && (self.w.fs.cow || ps.block == NONE);
        if !needed || self.mutated(Mutation::NoReserve) {
            return Ok(false);
        }
        if self.s.free_blocks() == 0 {
            return Err(Errno::ENOSPC);
        }
        self.s.pages[slot].reserved = true;
        Ok(true)
    }

    /// ->page_mkwrite (ext4_page_mkwrite, iomap_page_mkwrite, btrfs_page_mkwrite): the
    /// filesystem's notification that a clean page is about to be dirtied through a mapping.
    pub(crate) fn page_mkwrite(&mut self, fr: u8, file: usize, page: u8) -> Result<(), Stop> {
        // sb_start_pagefault(): write faults wait while the filesystem is frozen.
        if self.s.frozen && !self.mutated(Mutation::NoFreezeWait) {
            return Err(Stop::Blocked);
        }
        // folio_wait_stable()
        if self.w.stable
            && self.s.frames[fr as usize].has(pg::WRITEBACK)
            && !self.mutated(Mutation::NoStableWait)
        {
            return Err(Stop::Blocked);
        }
        let fsname = self.w.fs.name;
        let reserved = match self.reserve_space(file, page) {
            Ok(r) => r,
            Err(e) => {
                self.call(|| {
                    format!(
                        "page_mkwrite [{fsname}]: reserve -> {} => VM_FAULT_SIGBUS",
                        e.name()
                    )
                });
                return Err(Stop::Sigbus);
            }
        };
        let f = &mut self.s.frames[fr as usize];
        f.set(pg::PRIVATE, true);
        f.set(pg::FS_CLEAN, false);
        let what = if reserved {
            "one block reserved"
        } else {
            "blocks already allocated"
        };
        self.call(|| format!("page_mkwrite [{fsname}]: {what}, buffers attached"));
        Ok(())
    }

    /// folio_mark_dirty() as reached from outside the filesystem's own paths
    /// (set_page_dirty_lock at unpin): checks that the filesystem was told first.
    pub(crate) fn folio_mark_dirty(&mut self, fr: u8) {
        let f = self.s.frames[fr as usize];
        let Owner::Cache { file, page } = f.owner else {
            // folio->mapping is NULL (truncated) or anonymous: nothing for a filesystem to do.
            self.call(|| format!("folio_mark_dirty(#{fr}): no mapping, no-op"));
            return;
        };
        if self.w.fs.page_mkwrite && f.has(pg::FS_CLEAN) {
            let name = self.w.sc.files[file as usize].name.clone();
            self.violate(Property::MkwriteContract, || {
                format!("{name}[{page}] (#{fr}) dirtied while the filesystem has it clean: no ->page_mkwrite since it was cleaned")
            });
        }
        if self.s.frozen && self.w.fs.backing {
            let name = self.w.sc.files[file as usize].name.clone();
            self.violate(Property::FreezeConsistency, || {
                format!("{name}[{page}] dirtied while the filesystem is frozen")
            });
        }
        if !f.has(pg::DIRTY) {
            self.s.frames[fr as usize].set(pg::DIRTY, true);
        }
        self.call(|| format!("folio_mark_dirty(#{fr})"));
    }

    /// handle_mm_fault(): makes `map`[`page`] present (and writable when `write`), running
    /// filemap_fault, ->page_mkwrite (do_shared_fault / wp_page_shared) or the COW copy
    /// (wp_page_copy) as the kernel would. `unshare` is FAULT_FLAG_UNSHARE.
    pub(crate) fn handle_mm_fault(
        &mut self,
        map: usize,
        page: u8,
        write: bool,
        unshare: bool,
    ) -> Result<u8, Stop> {
        let ms = self.s.maps[map];
        if !ms.mapped || (write && !ms.writable) {
            return Err(Stop::Segv);
        }
        let pi = self.w.pte(map, page);
        let pte = self.s.ptes[pi];
        match self.w.sc.maps[map].kind {
            MapKind::Anon { .. } => {
                if pte.frame != NONE {
                    return Ok(pte.frame);
                }
                let fr = self.alloc_frame(Owner::Anon, Content::default());
                let f = &mut self.s.frames[fr as usize];
                f.refcount = 1;
                f.mapcount = 1;
                self.s.ptes[pi] = crate::state::Pte {
                    frame: fr,
                    writable: true,
                };
                self.call(|| format!("do_anonymous_page -> #{fr}"));
                Ok(fr)
            }
            MapKind::File { file, shared, .. } => {
                if page >= self.s.sizes[file] {
                    return Err(Stop::Sigbus);
                }
                let mut fr = pte.frame;
                if fr == NONE {
                    fr = self.filemap_get_folio(file, page)?;
                    // Without write notification (tmpfs) a shared writable mapping is mapped
                    // writable at once; otherwise read-only until the write fault.
                    let writable = shared && ms.writable && !self.w.fs.page_mkwrite;
                    self.s.ptes[pi] = crate::state::Pte {
                        frame: fr,
                        writable,
                    };
                    let f = &mut self.s.frames[fr as usize];
                    f.refcount += 1;
                    f.mapcount += 1;
                    let m = self.w.sc.maps[map].name.clone();
                    self.call(|| {
                        format!(
                            "map {m}[{page}] -> #{fr} ({})",
                            if writable { "rw" } else { "ro" }
                        )
                    });
                }
                if !(write || unshare) || self.s.ptes[pi].writable {
                    return Ok(fr);
                }
                if shared {
                    // do_shared_fault / wp_page_shared: ->page_mkwrite, then dirty and map writable.
                    if self.w.fs.page_mkwrite {
                        self.page_mkwrite(fr, file, page)?;
                    }
                    if !self.s.frames[fr as usize].has(pg::DIRTY) {
                        self.s.frames[fr as usize].set(pg::DIRTY, true);
                        if self.s.frozen && self.w.fs.backing {
                            self.violate(Property::FreezeConsistency, || {
                                format!("#{fr} dirtied by a write fault while frozen")
                            });
                        }
                    }
                    self.s.ptes[pi].writable = true;
                    let m = self.w.sc.maps[map].name.clone();
                    self.call(|| {
                        format!("wp_page_shared: folio_mark_dirty(#{fr}), {m}[{page}] writable")
                    });
                    Ok(fr)
                } else if self.s.frames[fr as usize].owner == Owner::Anon {
                    // Already our exclusive COW copy: reuse it (wp_page_reuse).
                    self.s.ptes[pi].writable = write;
                    Ok(fr)
                } else {
                    // wp_page_copy: a private anonymous copy replaces the page-cache page.
                    let content = self.s.frames[fr as usize].content;
                    let new = self.alloc_frame(Owner::Anon, content);
                    let nf = &mut self.s.frames[new as usize];
                    nf.refcount = 1;
                    nf.mapcount = 1;
                    self.s.frames[fr as usize].mapcount -= 1;
                    self.folio_put(fr, 1);
                    self.s.ptes[pi] = crate::state::Pte {
                        frame: new,
                        writable: write,
                    };
                    let why = if unshare && !write {
                        "FAULT_FLAG_UNSHARE"
                    } else {
                        "write"
                    };
                    self.call(|| format!("wp_page_copy ({why}): #{fr} -> anonymous copy #{new}"));
                    Ok(new)
                }
            }
        }
    }

    /// folio_mkclean(): write-protect every PTE that maps the frame (rmap walk).
    pub(crate) fn folio_mkclean(&mut self, fr: u8) {
        let mut n = 0;
        if self.mutated(Mutation::NoMkclean) {
            return;
        }
        for p in self.s.ptes.iter_mut() {
            if p.frame == fr && p.writable {
                p.writable = false;
                n += 1;
            }
        }
        self.call(|| format!("folio_mkclean(#{fr}): {n} PTE(s) write-protected"));
    }

    /// try_to_unmap(): remove every PTE that maps the frame.
    pub(crate) fn try_to_unmap(&mut self, fr: u8) {
        let mut n = 0u16;
        for p in self.s.ptes.iter_mut() {
            if p.frame == fr {
                p.frame = NONE;
                p.writable = false;
                n += 1;
            }
        }
        if n > 0 {
            self.s.frames[fr as usize].mapcount -= n as u8;
            self.call(|| format!("try_to_unmap(#{fr}): {n} PTE(s) removed"));
            self.folio_put(fr, n);
        }
    }

    /// Drops one PTE (zap_pte_range).
    pub(crate) fn zap_pte(&mut self, pi: usize) {
        let fr = self.s.ptes[pi].frame;
        if fr == NONE {
            return;
        }
        self.s.ptes[pi] = crate::state::Pte {
            frame: NONE,
            writable: false,
        };
        self.s.frames[fr as usize].mapcount -= 1;
        self.folio_put(fr, 1);
    }

    /// The references a GUP of `handle`'s device takes under this design.
    fn gup_ref(&self, device: usize) -> u16 {
        if self.mutated(Mutation::PinNoRef) {
            return 0;
        }
        let foll_pin = self.w.sc.devices[device].kind.rules().foll_pin;
        match self.w.design.tracking.pin_ref {
            PinRef::Bias if foll_pin => GUP_PIN_COUNTING_BIAS,
            _ => 1,
        }
    }

    /// One page of `pin_user_pages()` / `get_user_pages()` (per design): fault the page in
    /// (FOLL_WRITE: a write fault, so ->page_mkwrite) and take the reference. The design's veto
    /// (`check_vma_flags`) runs before the first page.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pin_user_pages(
        &mut self,
        handle: usize,
        device: usize,
        map: usize,
        start: u8,
        end: u8,
        write: bool,
        longterm: bool,
    ) -> Result<(), Stop> {
        let cursor = self.s.threads[self.thread].cursor;
        let dev_pins = self.w.sc.devices[device].kind.rules().foll_pin;
        // A device that takes plain references (vmsplice) does so whatever the design.
        let pin_fn = if dev_pins {
            self.w.design.tracking.pin_fn
        } else {
            "get_user_pages_fast"
        };
        let dev = self.w.sc.devices[device].kind.rules();
        let flags = || {
            format!(
                "{}{}",
                if write { "FOLL_WRITE" } else { "0" },
                if longterm { "|FOLL_LONGTERM" } else { "" }
            )
        };
        if cursor == 0 {
            let ms = self.s.maps[map];
            let (fs, shared) = match self.w.sc.maps[map].kind {
                MapKind::File { shared, .. } => (Some(self.w.fs), shared),
                MapKind::Anon { .. } => (None, false),
            };
            if !ms.mapped || (write && !ms.writable) {
                let f = flags();
                self.call(|| {
                    format!(
                        "{} -> {pin_fn}({f}): check_vma_flags -> -EFAULT",
                        dev.gup_caller
                    )
                });
                self.s.handles[handle].result = PinResult::Err(Errno::EFAULT);
                self.next_op();
                return Ok(());
            }
            let req = PinRequest {
                fs,
                shared,
                vma_writable: ms.writable,
                write,
                longterm,
            };
            if let Some(e) = (self.w.design.handling.refuse)(&req) {
                let (f, h) = (flags(), self.w.design.handling.name);
                self.call(|| {
                    format!(
                        "{} -> {pin_fn}({f}): refused by `{h}` -> -{}",
                        dev.gup_caller,
                        e.name()
                    )
                });
                self.s.handles[handle].result = PinResult::Err(e);
                self.info.refused = true;
                self.next_op();
                return Ok(());
            }
        }
        let page = start + cursor;
        let private_file = matches!(
            self.w.sc.maps[map].kind,
            MapKind::File { shared: false, .. }
        );
        let unshare = self.w.design.handling.unshare_ro_longterm_private
            && private_file
            && longterm
            && !write;
        match self.handle_mm_fault(map, page, write, unshare) {
            Ok(fr) => {
                let r = self.gup_ref(device);
                let f = &mut self.s.frames[fr as usize];
                f.refcount += r;
                f.pincount += 1;
                let gen = f.gen;
                let hs = self.w.handle_slot(handle, cursor);
                self.s.pinned[hs] = (fr, gen);
                let (fl, rc) = (flags(), f.refcount);
                self.call(|| {
                    format!(
                        "{} -> {pin_fn}({fl}) page {page}: #{fr} refcount +{r} = {rc}",
                        dev.gup_caller
                    )
                });
                if cursor + 1 == end - start {
                    self.s.handles[handle].result = PinResult::Ok;
                    self.next_op();
                } else {
                    self.s.threads[self.thread].cursor += 1;
                }
            }
            Err(Stop::Blocked) => return Err(Stop::Blocked),
            Err(_) => {
                // The fault failed: release what was taken, the pin fails with -EFAULT.
                let r = self.gup_ref(device);
                for k in 0..cursor {
                    let (fr, _) = self.s.pinned[self.w.handle_slot(handle, k)];
                    self.s.frames[fr as usize].pincount -= 1;
                    self.folio_put(fr, r);
                }
                let f = flags();
                self.call(|| {
                    format!(
                        "{} -> {pin_fn}({f}) page {page}: fault failed -> -EFAULT",
                        dev.gup_caller
                    )
                });
                self.s.handles[handle].result = PinResult::Err(Errno::EFAULT);
                self.next_op();
            }
        }
        Ok(())
    }

    /// `unpin_user_pages_dirty_lock()` (or, per design, set_page_dirty_lock() + put_page()).
    pub(crate) fn unpin_user_pages(&mut self, handle: usize, dirty: bool) {
        let tr = self.w.design.tracking;
        let device = self.w.handle_device(handle);
        let r = self.gup_ref(device);
        let foll_pin = self.w.sc.devices[device].kind.rules().foll_pin;
        for k in 0..self.w.handle_len(handle) {
            let (fr, gen) = self.s.pinned[self.w.handle_slot(handle, k)];
            if self.s.frames[fr as usize].gen != gen
                || self.s.frames[fr as usize].owner == Owner::Free
            {
                continue;
            }
            if dirty {
                self.call(|| {
                    format!(
                        "{}(#{fr})",
                        if foll_pin {
                            tr.unpin_dirty_fn
                        } else {
                            "set_page_dirty_lock"
                        }
                    )
                });
                self.folio_mark_dirty(fr);
            }
            let f = &mut self.s.frames[fr as usize];
            f.pincount = f.pincount.saturating_sub(1);
            let rc = f.refcount.saturating_sub(r);
            self.call(|| {
                format!(
                    "{}(#{fr}): refcount -{r} = {rc}",
                    if foll_pin { tr.unpin_fn } else { "put_page" }
                )
            });
            self.folio_put(fr, r);
        }
        self.s.handles[handle].released = true;
    }

    /// The device writes (`Some(value)`) or reads the k-th page of a handle: no PTE, no fault.
    pub(crate) fn dma(
        &mut self,
        handle: usize,
        k: u8,
        write: Option<Value>,
        reg: Option<usize>,
    ) -> Result<(), Stop> {
        match self.s.handles[handle].result {
            PinResult::Pending => return Err(Stop::Blocked),
            PinResult::Err(_) => {
                self.call(|| "the pin failed: the driver skips this transfer".into());
                self.next_op();
                return Ok(());
            }
            PinResult::Ok => {}
        }
        let (fr, gen) = self.s.pinned[self.w.handle_slot(handle, k)];
        let f = self.s.frames[fr as usize];
        if f.gen != gen || f.owner == Owner::Free {
            let h = self.w.sc.handles[handle].clone();
            self.violate(Property::NoFrameUaf, || {
                format!(
                    "DMA through {h}[{k}] reached frame #{fr} after it was freed{}",
                    if f.owner == Owner::Free {
                        ""
                    } else {
                        " and reused"
                    }
                )
            });
            if f.owner == Owner::Free {
                if let Some(r) = reg {
                    self.s.regs[r] = Observed::None;
                }
                self.next_op();
                return Ok(());
            }
        }
        match write {
            Some(v) => {
                let c = self.content(v);
                if let Owner::Cache { file, page } = f.owner {
                    if self.w.fs.page_mkwrite && f.has(pg::FS_CLEAN) {
                        let name = self.w.sc.files[file as usize].name.clone();
                        self.violate(Property::MkwriteContract, || {
                            format!("DMA changed {name}[{page}] (#{fr}) while the filesystem has it clean: no ->page_mkwrite since it was cleaned")
                        });
                    }
                }
                let old = self.val(f.content).to_string();
                self.s.frames[fr as usize].content = c;
                let new = self.val(c).to_string();
                self.call(|| format!("DMA write #{fr}: {old} -> {new} (no PTE, no fault)"));
                self.ack(c.write);
            }
            None => {
                let v = f.content.value;
                if let Some(r) = reg {
                    self.s.regs[r] = Observed::Val(v);
                }
                let vs = self.val(f.content).to_string();
                self.call(|| format!("DMA read #{fr} = {vs}"));
            }
        }
        self.next_op();
        Ok(())
    }
}
