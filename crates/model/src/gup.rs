//! GUP and the devices that use it (mm/gup.c, mm/hmm.c): pins as each design takes and drops
//! them, fault-capable devices that take none, DMA through the frames a handle holds, and the
//! design mechanisms that act on pins (gup-bounce pages, layout leases).

use crate::design::{OpCost, PinRef, PinRequest, GUP_PIN_COUNTING_BIAS};
use crate::history::{Event, Loss, Writer};
use crate::property::Property;
use crate::scenario::{Errno, MapKind, Observed, PinResult, Value};
use crate::state::{freeze, pg, Content, Owner, NONE};
use crate::trace::{Arrow, Call, Change, Object};
use crate::world::{Ctx, Mutation, Stop};

/// What FOLL_GET costs whatever the design (vmsplice keeps plain references).
const GET_COST: OpCost = OpCost::new(1, 0, 0);

/// Whether a frame lives on an LRU list (page cache and anonymous memory; not gup-bounce pages,
/// which the kernel allocates for itself, nor fs-DAX device pages).
fn on_lru(o: Owner) -> bool {
    matches!(o, Owner::Cache { .. } | Owner::Orphan { .. } | Owner::Anon)
}

impl Ctx<'_, '_, '_> {
    /// The references a GUP of `device` takes under this design.
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

    fn charge_pin(&mut self, c: OpCost) {
        let k = &mut self.info.cost;
        k.pin_atomics += c.atomics as u64;
        k.pin_locks += c.locks as u64;
        k.pin_tree_updates += c.tree_updates as u64;
    }

    fn charge_unpin(&mut self, c: OpCost) {
        let k = &mut self.info.cost;
        k.unpin_atomics += c.atomics as u64;
        k.unpin_locks += c.locks as u64;
        k.unpin_tree_updates += c.tree_updates as u64;
    }

    /// The facts `check_vma_flags()` and the design's veto look at.
    fn pin_request(&self, map: usize, write: bool, longterm: bool) -> PinRequest {
        let (fs, shared) = match self.w.sc.maps[map].kind {
            MapKind::File { shared, .. } => (Some(self.w.fs), shared),
            MapKind::Anon { .. } => (None, false),
        };
        PinRequest {
            fs,
            shared,
            vma_writable: self.s.maps[map].writable,
            write,
            longterm,
        }
    }

    /// The file page a handle's k-th page stands for (a pin of a file mapping).
    fn handle_file_page(&self, handle: usize, k: u8) -> Option<(usize, u8)> {
        let (map, start) = self.w.handle_map(handle);
        match self.w.sc.maps[map].kind {
            MapKind::File { file, .. } => Some((file, start + k)),
            MapKind::Anon { .. } => None,
        }
    }

    /// One page of `pin_user_pages()` / `get_user_pages()` (per design): fault the page in
    /// (FOLL_WRITE: a write fault, so ->page_mkwrite) and take the reference. The design's veto
    /// (`check_vma_flags`) runs before the first page. Fault-capable devices go to
    /// `hmm_range_fault` instead: they never pin.
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
        let dev = self.w.sc.devices[device].kind.rules();
        if dev.faults {
            return self.hmm_range_fault(handle, map, start, end, write);
        }
        let cursor = self.s.threads[self.thread].cursor;
        // A device that takes plain references (vmsplice) does so whatever the design.
        let pin_fn = if dev.foll_pin {
            self.w.design.tracking.pin_fn
        } else {
            "get_user_pages_fast"
        };
        let flags = || {
            format!(
                "{}{}",
                if write { "FOLL_WRITE" } else { "0" },
                if longterm { "|FOLL_LONGTERM" } else { "" }
            )
        };
        let req = self.pin_request(map, write, longterm);
        if cursor == 0 {
            let ms = self.s.maps[map];
            if !ms.mapped || (write && !ms.writable) {
                let f = flags();
                self.call(|| {
                    let text = format!(
                        "{} -> {pin_fn}({f}): check_vma_flags -> -EFAULT",
                        dev.gup_caller
                    );
                    Call::new(pin_fn, text)
                        .touch(Object::Handle(handle as u8))
                        .touch(Object::Map(map as u8))
                });
                self.s.handles[handle].result = PinResult::Err(Errno::EFAULT);
                self.next_op();
                return Ok(());
            }
            if let Some(e) = (self.w.design.handling.refuse)(&req) {
                let (f, h) = (flags(), self.w.design.handling.name);
                self.call(|| {
                    let text = format!(
                        "{} -> {pin_fn}({f}): refused by `{h}` -> -{}",
                        dev.gup_caller,
                        e.name()
                    );
                    Call::new(pin_fn, text).touch(Object::Handle(handle as u8))
                });
                self.s.handles[handle].result = PinResult::Err(e);
                self.info.refused = true;
                let h8 = handle as u8;
                self.emit(|| Event::Refused { handle: h8 });
                self.next_op();
                return Ok(());
            }
        }
        let page = start + cursor;
        let anon = matches!(self.w.sc.maps[map].kind, MapKind::Anon { .. });
        let private = anon
            || matches!(
                self.w.sc.maps[map].kind,
                MapKind::File { shared: false, .. }
            );
        // gup_must_unshare(): a private (COW) mapping's page-cache page, or the zero page of an
        // anonymous one, is not what a read-only long-term pin may hold.
        let unshare =
            self.w.design.handling.unshare_ro_longterm_private && private && longterm && !write;
        // gup-bounce: the device gets a private copy; the page-cache page is only read.
        let bounce = self.w.design.handling.longterm_bounce
            && longterm
            && dev.foll_pin
            && req.real_fs_shared();
        let fault = if bounce {
            self.handle_mm_fault(map, page, false, false)
        } else {
            self.handle_mm_fault(map, page, write, unshare)
        };
        let got = match fault {
            Ok(fr) => Some(fr),
            Err(Stop::ZeroPage) if bounce => None,
            Err(Stop::ZeroPage) => {
                // The shared zero page: of a PROT_READ anonymous page nobody wrote, or of an
                // fs-DAX hole (dax_load_hole() maps it through a special PTE; follow_page_pte()
                // returns it as is_zero_pfn). try_grab_folio(): "Don't take a pin on the zero
                // page" (FOLL_PIN); FOLL_GET takes a reference on it, which nothing in the model
                // can observe. Either way the page is returned and the call succeeds; the
                // handle's page reads 0, whatever is written to the file later.
                let hs = self.w.handle_slot(handle, cursor);
                self.s.pinned[hs] = (NONE, 0);
                let (h8, k8) = (handle as u8, cursor);
                self.emit(|| Event::Pin {
                    handle: h8,
                    k: k8,
                    frame: NONE,
                });
                let f = flags();
                self.call(|| {
                    let text = format!(
                        "{} -> {pin_fn}({f}) page {page}: the zero page, returned {}",
                        dev.gup_caller,
                        if dev.foll_pin {
                            "unpinned"
                        } else {
                            "with a reference"
                        }
                    );
                    Call::new(pin_fn, text)
                        .touch(Object::Handle(handle as u8))
                        .pte(map, page)
                });
                return self.pin_page_done(handle, start, end, cursor, &req, bounce);
            }
            Err(Stop::Blocked) => return Err(Stop::Blocked),
            Err(e) => {
                // The fault failed: release what was taken, the pin fails with -EFAULT.
                self.gup_release_prefix(handle, device, cursor);
                let f = flags();
                self.call(|| {
                    let text = format!(
                        "{} -> {pin_fn}({f}) page {page}: fault failed ({}) -> -EFAULT",
                        dev.gup_caller,
                        if e == Stop::Sigbus {
                            "SIGBUS"
                        } else {
                            "SIGSEGV"
                        }
                    );
                    Call::new(pin_fn, text)
                        .touch(Object::Handle(handle as u8))
                        .pte(map, page)
                });
                self.s.handles[handle].result = PinResult::Err(Errno::EFAULT);
                self.next_op();
                return Ok(());
            }
        };
        let fr = if bounce {
            let (file, fpage) = self
                .handle_file_page(handle, cursor)
                .expect("a file mapping");
            let content = got.map_or(Content::default(), |fr| self.s.frames[fr as usize].content);
            let b = self.alloc_frame(
                Owner::Bounce {
                    file: file as u8,
                    page: fpage,
                },
                content,
            );
            self.info.cost.page_copies += 1;
            let from = got.map_or("the zero page".to_string(), |fr| format!("#{fr}"));
            self.call(|| {
                let c = Call::new(
                    pin_fn,
                    format!("gup-bounce: bounce page #{b} = copy of {from}; the device gets #{b}"),
                )
                .frame(b);
                // The device gets the bounce page (the arrow's target); the page it copies is
                // touched too, unless it was the zero page.
                match got {
                    Some(fr) => c.frame(fr),
                    None => c,
                }
            });
            b
        } else {
            got.expect("not a bounce")
        };
        let mark = self.w.design.handling.pin_marks_writeback
            && write
            && matches!(self.s.frames[fr as usize].owner, Owner::Cache { .. })
            && self.w.fs.backing;
        if mark
            && self.s.frames[fr as usize].has(pg::WRITEBACK)
            && !self.s.frames[fr as usize].has(pg::GUP_WRITEBACK)
        {
            // folio_wait_writeback() before the mark: PG_writeback of real I/O first ends.
            return Err(Stop::Blocked);
        }
        let r = self.gup_ref(device);
        let tr = self.w.design.tracking;
        let sticky = tr.pin_ref == PinRef::Sticky;
        let f = &mut self.s.frames[fr as usize];
        // At most limits::MAX_REFCOUNT: a u16 overflowed with refs=50000 and sixteen pins.
        f.refcount += u32::from(r);
        let was_got = f.has(pg::GOT);
        if dev.foll_pin {
            f.pincount += 1;
            if sticky {
                f.set(pg::GOT, true);
            }
        }
        let (gen, rc) = (f.gen, f.refcount);
        let first_pin = if sticky { !was_got } else { f.pincount == 1 };
        let off_lru = dev.foll_pin && tr.off_lru && first_pin && on_lru(f.owner);
        if mark && !f.has(pg::GUP_WRITEBACK) {
            f.set(pg::WRITEBACK, true);
            f.set(pg::GUP_WRITEBACK, true);
        }
        let hs = self.w.handle_slot(handle, cursor);
        self.s.pinned[hs] = (fr, gen);
        let (h8, k8) = (handle as u8, cursor);
        self.emit(|| Event::Pin {
            handle: h8,
            k: k8,
            frame: fr,
        });
        let fl = flags();
        self.call(|| {
            let text = format!(
                "{} -> {pin_fn}({fl}) page {page}: #{fr} refcount +{r} = {rc}",
                dev.gup_caller
            );
            Call::new(pin_fn, text)
                .touch(Object::Handle(handle as u8))
                .frame(fr)
                .change(Change::Refcount { frame: fr, to: rc })
        });
        self.info.cost.pin_pages += 1;
        self.charge_pin(if dev.foll_pin {
            tr.pin_page_cost
        } else {
            GET_COST
        });
        if off_lru {
            self.info.cost.lru_removals += 1;
            self.charge_pin(tr.lru_cost);
            self.call(|| {
                Call::new(
                    "folio_isolate_lru",
                    format!("folio_isolate_lru(#{fr}): SetPageGot, off the LRU"),
                )
                .frame(fr)
                .change(Change::Flag {
                    frame: fr,
                    flag: pg::GOT,
                    set: true,
                })
            });
        }
        if mark {
            self.call(|| {
                Call::new("folio_start_writeback", format!("writeback-mark: folio_start_writeback(#{fr}) for the GUP user: writers and fsync wait until the last unpin"))
                    .frame(fr)
                    .change(Change::Flag { frame: fr, flag: pg::WRITEBACK, set: true })
            });
        }
        self.pin_page_done(handle, start, end, cursor, &req, bounce)
    }

    /// A pin that fails part-way drops what it took of pages `0..n` (the zero page holds none).
    fn gup_release_prefix(&mut self, handle: usize, device: usize, n: u8) {
        let r = self.gup_ref(device);
        let foll_pin = self.w.sc.devices[device].kind.rules().foll_pin;
        for k in 0..n {
            let (fr, _) = self.s.pinned[self.w.handle_slot(handle, k)];
            let (h8, k8) = (handle as u8, k);
            self.emit(|| Event::Unpin { handle: h8, k: k8 });
            if fr == NONE {
                continue;
            }
            if foll_pin {
                self.s.frames[fr as usize].pincount -= 1;
            }
            self.end_gup_writeback_mark(fr);
            self.folio_put(fr, r);
        }
    }

    /// writeback-mark: the last pin of a marked page is gone: folio_end_writeback() of the mark.
    fn end_gup_writeback_mark(&mut self, fr: u8) {
        let f = &mut self.s.frames[fr as usize];
        if f.has(pg::GUP_WRITEBACK) && f.pincount == 0 {
            f.set(pg::GUP_WRITEBACK, false);
            f.set(pg::WRITEBACK, false);
            self.call(|| {
                Call::new(
                    "folio_end_writeback",
                    format!(
                        "writeback-mark: folio_end_writeback(#{fr}): the last GUP writer is gone"
                    ),
                )
                .frame(fr)
                .change(Change::Flag {
                    frame: fr,
                    flag: pg::WRITEBACK,
                    set: false,
                })
            });
        }
    }

    /// __get_user_pages() moving on: to the next page of the range, or, after the last, the pin
    /// call's completion (its result, its per-call costs, a layout lease where the design takes
    /// one).
    fn pin_page_done(
        &mut self,
        handle: usize,
        start: u8,
        end: u8,
        cursor: u8,
        req: &PinRequest,
        bounce: bool,
    ) -> Result<(), Stop> {
        if cursor + 1 < end - start {
            self.s.threads[self.thread].cursor += 1;
            return Ok(());
        }
        let dev = self.w.sc.devices[self.w.handle_device(handle)].kind.rules();
        let tr = self.w.design.tracking;
        self.s.handles[handle].result = PinResult::Ok;
        self.info.cost.pin_calls += 1;
        if dev.foll_pin {
            self.charge_pin(tr.pin_call_cost);
        }
        let h = self.w.design.handling;
        if bounce {
            self.charge_pin(h.pin_call_cost);
        }
        // A layout is a block map: tmpfs and hugetlbfs have none to lease. The lease is for pins
        // of file pages (docs/model.md#handling): a write pin of a private mapping holds anonymous COW copies.
        let file_pages = (0..end - start).any(|k| {
            let (fr, _) = self.s.pinned[self.w.handle_slot(handle, k)];
            fr != NONE
                && matches!(
                    self.s.frames[fr as usize].owner,
                    Owner::Cache { .. } | Owner::Dax { .. }
                )
        });
        if h.layout_lease
            && req.longterm
            && dev.foll_pin
            && file_pages
            && req.fs.is_some_and(|f| f.backing)
        {
            self.s.handles[handle].lease = true;
            self.charge_pin(h.pin_call_cost);
            let name = self.w.sc.handles[handle].as_str();
            self.call(|| {
                Call::new("fcntl", format!("layout lease (F_LAYOUT) taken for {name}"))
                    .touch(Object::Handle(handle as u8))
            });
        }
        self.next_op();
        Ok(())
    }

    /// A fault-capable device's registration: mmu_interval_notifier_insert(), then
    /// hmm_range_fault() one page a step (FOLL_WRITE-like write faults go through
    /// ->page_mkwrite). The device page table holds no page references.
    fn hmm_range_fault(
        &mut self,
        handle: usize,
        map: usize,
        start: u8,
        end: u8,
        write: bool,
    ) -> Result<(), Stop> {
        let cursor = self.s.threads[self.thread].cursor;
        if cursor == 0 {
            let ms = self.s.maps[map];
            if !ms.mapped || (write && !ms.writable) {
                self.call(|| {
                    Call::new("hmm_range_fault", "hmm_range_fault -> -EFAULT")
                        .touch(Object::Handle(handle as u8))
                });
                self.s.handles[handle].result = PinResult::Err(Errno::EFAULT);
                self.next_op();
                return Ok(());
            }
            let m = self.w.sc.maps[map].name.as_str();
            self.call(|| {
                Call::new(
                    "mmu_interval_notifier_insert",
                    format!("mmu_interval_notifier_insert({m}[{start}..{end}])"),
                )
                .touch(Object::Handle(handle as u8))
                .touch(Object::Map(map as u8))
            });
        }
        let page = start + cursor;
        let hs = self.w.handle_slot(handle, cursor);
        let (h8, k8) = (handle as u8, cursor);
        match self.handle_mm_fault(map, page, write, false) {
            Ok(fr) => {
                self.s.pinned[hs] = (fr, write as u8);
                self.emit(|| Event::Pin {
                    handle: h8,
                    k: k8,
                    frame: fr,
                });
                let mode = if write { "rw" } else { "ro" };
                self.call(|| {
                    let text = format!(
                        "hmm_range_fault page {page}: device maps #{fr} {mode}, no reference taken"
                    );
                    Call::new("hmm_range_fault", text)
                        .touch(Object::Handle(handle as u8))
                        .frame(fr)
                });
            }
            Err(Stop::ZeroPage) => {
                self.s.pinned[hs] = (NONE, 0);
                self.emit(|| Event::Pin {
                    handle: h8,
                    k: k8,
                    frame: NONE,
                });
            }
            Err(Stop::Blocked) => return Err(Stop::Blocked),
            Err(_) => {
                for k in 0..cursor {
                    let hs = self.w.handle_slot(handle, k);
                    self.s.pinned[hs] = (NONE, 0);
                    self.emit(|| Event::Unpin { handle: h8, k });
                }
                self.call(|| {
                    Call::new(
                        "hmm_range_fault",
                        format!("hmm_range_fault page {page}: fault failed -> -EFAULT"),
                    )
                    .touch(Object::Handle(handle as u8))
                    .pte(map, page)
                });
                self.s.handles[handle].result = PinResult::Err(Errno::EFAULT);
                self.next_op();
                return Ok(());
            }
        }
        if cursor + 1 < end - start {
            self.s.threads[self.thread].cursor += 1;
        } else {
            self.s.handles[handle].result = PinResult::Ok;
            self.next_op();
        }
        Ok(())
    }

    /// Whether a pin taken on frame `fr` at generation `gen` still holds a reference there: fs-DAX
    /// storage always (freeing a block does not drop a device's reference; that is the
    /// `no-storage-uaf` case), any other frame unless it was freed (and perhaps reused) since —
    /// which only a driver bug or a mutant can cause.
    fn pin_holds(&self, fr: u8, gen: u8) -> bool {
        if fr == NONE {
            // The zero page: no pin was taken (see pin_user_pages).
            return false;
        }
        let f = &self.s.frames[fr as usize];
        match f.owner {
            Owner::Dax { .. } | Owner::DaxFree => true,
            Owner::Free => false,
            _ => f.gen == gen,
        }
    }

    /// Whether the handle's pages are gup-bounce pages.
    fn bounced(&self, handle: usize) -> bool {
        let (fr, _) = self.s.pinned[self.w.handle_slot(handle, 0)];
        fr != NONE && matches!(self.s.frames[fr as usize].owner, Owner::Bounce { .. })
    }

    /// `unpin_user_pages_dirty_lock()` (or, per design, set_page_dirty_lock() + put_page(); for a
    /// fault-capable device mmu_interval_notifier_remove()). A gup-bounce handle's pages are
    /// written back through the write path first, which may wait (frozen, stable pages).
    pub(crate) fn unpin_user_pages(&mut self, handle: usize, dirty: bool) -> Result<(), Stop> {
        let tr = self.w.design.tracking;
        let device = self.w.handle_device(handle);
        let dev = self.w.sc.devices[device].kind.rules();
        let h8 = handle as u8;
        if dev.faults {
            for k in 0..self.w.handle_len(handle) {
                let hs = self.w.handle_slot(handle, k);
                self.s.pinned[hs] = (NONE, 0);
                self.emit(|| Event::Unpin { handle: h8, k });
            }
            self.s.handles[handle].released = true;
            self.call(|| {
                Call::new(
                    "mmu_interval_notifier_remove",
                    "mmu_interval_notifier_remove: the device's mappings are gone",
                )
                .touch(Object::Handle(handle as u8))
            });
            return Ok(());
        }
        if self.s.handles[handle].revoked {
            self.call(|| {
                Call::new(
                    "unpin_user_pages",
                    "the lease was revoked: the pages were already released",
                )
                .touch(Object::Handle(handle as u8))
            });
            return Ok(());
        }
        let bounced = self.bounced(handle);
        if dirty && bounced {
            self.gup_bounce_may_write(handle)?;
        }
        let light =
            dirty && self.w.design.handling.unpin_mkwrite_light && self.w.fs.has_page_mkwrite();
        if light && self.s.freeze >= freeze::PAGEFAULT {
            // page_mkwrite_light is a ->page_mkwrite: sb_start_pagefault() waits for the thaw.
            return Err(Stop::Blocked);
        }
        let r = self.gup_ref(device);
        for k in 0..self.w.handle_len(handle) {
            let (fr, gen) = self.s.pinned[self.w.handle_slot(handle, k)];
            self.emit(|| Event::Unpin { handle: h8, k });
            if !self.pin_holds(fr, gen) {
                continue;
            }
            let owner = self.s.frames[fr as usize].owner;
            if dirty {
                if let Owner::Bounce { file, page } = owner {
                    self.gup_bounce_copy_back(fr, file as usize, page);
                } else if light
                    && matches!(owner, Owner::Cache { .. })
                    && !self.page_mkwrite_light(fr)
                {
                    // The filesystem refused the dirtying (no space): the page stays clean.
                } else {
                    self.call(|| {
                        let function = if dev.foll_pin {
                            tr.unpin_dirty_fn
                        } else {
                            "set_page_dirty_lock"
                        };
                        Call::new(function, format!("{function}(#{fr})"))
                            .touch(Object::Handle(handle as u8))
                            .frame(fr)
                    });
                    self.folio_mark_dirty(fr);
                }
            }
            let f = &mut self.s.frames[fr as usize];
            if dev.foll_pin {
                f.pincount = f.pincount.saturating_sub(1);
            }
            // page-got-evict keeps PageGot (and the page off the LRU) until the page is freed.
            let back_on_lru = dev.foll_pin
                && tr.off_lru
                && tr.pin_ref != PinRef::Sticky
                && f.pincount == 0
                && on_lru(f.owner);
            let rc = f.refcount.saturating_sub(u32::from(r));
            self.end_gup_writeback_mark(fr);
            self.call(|| {
                let function = if dev.foll_pin {
                    tr.unpin_fn
                } else {
                    "put_page"
                };
                Call::new(function, format!("{function}(#{fr}): refcount -{r} = {rc}"))
                    .touch(Object::Handle(handle as u8))
                    .frame(fr)
                    .change(Change::Refcount { frame: fr, to: rc })
            });
            self.info.cost.unpin_pages += 1;
            self.charge_unpin(if dev.foll_pin {
                tr.unpin_page_cost
            } else {
                GET_COST
            });
            if back_on_lru {
                self.charge_unpin(tr.lru_cost);
                self.call(|| {
                    Call::new(
                        "folio_putback_lru",
                        format!("folio_putback_lru(#{fr}): ClearPageGot, back on the LRU"),
                    )
                    .frame(fr)
                    .change(Change::Flag {
                        frame: fr,
                        flag: pg::GOT,
                        set: false,
                    })
                });
            }
            self.folio_put(fr, r);
        }
        self.s.handles[handle].released = true;
        self.info.cost.unpin_calls += 1;
        if dev.foll_pin {
            self.charge_unpin(tr.unpin_call_cost);
        }
        let h = self.w.design.handling;
        if bounced {
            self.charge_unpin(h.unpin_call_cost);
        }
        if self.s.handles[handle].lease {
            self.charge_unpin(h.unpin_call_cost);
            self.call(|| {
                Call::new("fcntl", "layout lease released").touch(Object::Handle(handle as u8))
            });
        }
        Ok(())
    }

    /// page_mkwrite_light() (seed 003, Glisse: "keeping the result of the first page_mkwrite
    /// ... a latter lighter page_mkwrite_light that can be call by put_user_page"), called at the
    /// unpin of a dirty page: the filesystem hears that the page is being dirtied; what the first
    /// ->page_mkwrite set up is kept (buffers, blocks), and only a COW filesystem reserves again.
    /// Returns false when that reservation fails: the device's data, already acknowledged, is
    /// not dirtied (no-late-enospc).
    fn page_mkwrite_light(&mut self, fr: u8) -> bool {
        let Owner::Cache { file, page } = self.s.frames[fr as usize].owner else {
            return true;
        };
        let (file, name) = (file as usize, self.w.sc.files[file as usize].name.as_str());
        let fsname = self.w.fs.name;
        match self.reserve_space(file, page) {
            Ok(reserved) => {
                let f = &mut self.s.frames[fr as usize];
                f.set(pg::PRIVATE, true);
                f.set(pg::FS_CLEAN, false);
                self.emit(|| Event::Prepared { frame: fr });
                self.call(|| {
                    let text = format!(
                        "page_mkwrite_light [{fsname}] ({name}[{page}] #{fr}): {}",
                        if reserved {
                            "a new extent reserved"
                        } else {
                            "the first page_mkwrite's blocks and buffers kept"
                        }
                    );
                    Call::new("page_mkwrite_light", text)
                        .arrow(Arrow::PageMkwrite)
                        .file_page(file, page)
                        .frame(fr)
                });
                true
            }
            Err(e) => {
                let content = self.s.frames[fr as usize].content;
                let v = self.val(content);
                self.violate(Property::NoLateEnospc, || {
                    format!("page_mkwrite_light at unpin of {name}[{page}]: -{}: the device's {v}, acknowledged when its DMA completed, cannot be written", e.name())
                });
                let f8 = file as u8;
                self.emit(|| Event::DataLost {
                    file: f8,
                    page,
                    content,
                    why: Loss::Enospc,
                });
                self.call(|| {
                    let text = format!(
                        "page_mkwrite_light [{fsname}] ({name}[{page}] #{fr}): -{}, not dirtied",
                        e.name()
                    );
                    Call::new("page_mkwrite_light", text)
                        .arrow(Arrow::PageMkwrite)
                        .file_page(file, page)
                        .frame(fr)
                });
                false
            }
        }
    }

    /// gup-bounce's copy-back goes through the write path, so it waits where write(2) would:
    /// for a freeze, and for writeback of a page that must stay stable.
    fn gup_bounce_may_write(&self, handle: usize) -> Result<(), Stop> {
        if self.s.freeze >= freeze::WRITE {
            return Err(Stop::Blocked);
        }
        for k in 0..self.w.handle_len(handle) {
            let Some((file, page)) = self.handle_file_page(handle, k) else {
                continue;
            };
            if page >= self.s.sizes[file] {
                continue;
            }
            let fr = self.s.pages[self.slot(file, page)].cache;
            if self.w.stable && fr != NONE && self.s.frames[fr as usize].has(pg::WRITEBACK) {
                return Err(Stop::Blocked);
            }
        }
        Ok(())
    }

    /// gup-bounce at unpin(dirty): the bounce page's content goes into the page cache (or the
    /// DAX storage) through write_begin/write_end, so the filesystem reserves space as
    /// ->page_mkwrite would. ENOSPC here comes after the device's data was acknowledged.
    fn gup_bounce_copy_back(&mut self, bounce: u8, file: usize, page: u8) {
        let c = self.s.frames[bounce as usize].content;
        let name = self.w.sc.files[file].name.as_str();
        let v = self.val(c);
        if page >= self.s.sizes[file] {
            self.call(|| {
                Call::new("unpin_user_pages", format!("gup-bounce: {name}[{page}] is beyond EOF now (truncated): the bounce page's {v} is dropped"))
                    .file_page(file, page)
            });
            return;
        }
        let enospc = |me: &mut Self| {
            me.violate(Property::NoLateEnospc, || {
                format!("gup-bounce copy-back of {v} into {name}[{page}] at unpin: -ENOSPC reported to the unpinning driver, but the device's write was acknowledged when its DMA completed: the data is lost")
            });
            let f8 = file as u8;
            me.emit(|| Event::DataLost {
                file: f8,
                page,
                content: c,
                why: Loss::Enospc,
            });
            me.call(|| {
                Call::new("write_begin", "gup-bounce: write_begin -> -ENOSPC").file_page(file, page)
            });
        };
        if self.w.fs.dax {
            let slot = self.slot(file, page);
            let mut b = self.s.pages[slot].block;
            if b == NONE {
                if self.s.free_blocks() == 0 {
                    return enospc(self);
                }
                b = self.dax_alloc_block(file, page);
            }
            let old = self.s.frames[b as usize].content.value;
            self.write_frame(b, c, Writer::CopyBack);
            self.info.cost.page_copies += 1;
            self.call(|| {
                Call::new(
                    "dax_iomap_rw",
                    format!("gup-bounce: #{bounce} copied into {name}[{page}] (block {b})"),
                )
                .frame(bounce)
                .file_page(file, page)
                .block(b)
                .change(Change::Content {
                    frame: b,
                    from: old,
                    to: c.value,
                })
            });
            // fs-DAX storage is the disk: the copy may put older data over what an fsync promised.
            self.check_standing_promise(file, page);
            return;
        }
        let Ok(target) = self.filemap_get_folio(file, page) else {
            return;
        };
        if self.reserve_space(file, page).is_err() {
            return enospc(self);
        }
        let f = &mut self.s.frames[target as usize];
        f.set(pg::PRIVATE, true);
        f.set(pg::FS_CLEAN, false);
        self.emit(|| Event::Prepared { frame: target });
        let old = self.s.frames[target as usize].content.value;
        self.write_frame(target, c, Writer::CopyBack);
        self.dirty_in_write_path(target);
        self.info.cost.page_copies += 1;
        self.call(|| {
            Call::new("generic_perform_write", format!("gup-bounce: #{bounce} copied into {name}[{page}] (#{target}) through write_begin/write_end, folio_mark_dirty"))
                .frame(bounce)
                .file_page(file, page)
                .frame(target)
                .change(Change::Content { frame: target, from: old, to: c.value })
                .change(Change::Flag { frame: target, flag: pg::DIRTY, set: true })
        });
    }

    /// break_layout(): a truncate, punch or COW relocation of `file`/`page` breaks the layout
    /// leases of pins that reach it. The model's holders are litmus threads that do not react to
    /// the break notice, so a holder that has not unpinned yet is past the lease-break timeout:
    /// its device access is revoked and its pages released.
    pub(crate) fn break_layout(&mut self, file: usize, page: u8) {
        if self.w.design.handling.layout_lease {
            self.revoke_pins_of(file, page, "break_layout");
        }
    }

    /// Revokes the device access of every leased (long-term) pin that reaches `file`/`page` and
    /// has not been released: its pages are released and its next DMA fails. `by` names the
    /// kernel path that revokes, for the trace.
    pub(crate) fn revoke_pins_of(&mut self, file: usize, page: u8, by: &'static str) {
        for h in 0..self.w.sc.handles.len() {
            let hs = self.s.handles[h];
            if !hs.lease || hs.released {
                continue;
            }
            let len = self.w.handle_len(h);
            let covers = (0..len).any(|k| self.handle_file_page(h, k) == Some((file, page)));
            if !covers {
                continue;
            }
            let device = self.w.handle_device(h);
            let r = self.gup_ref(device);
            let h8 = h as u8;
            for k in 0..len {
                let (fr, gen) = self.s.pinned[self.w.handle_slot(h, k)];
                self.emit(|| Event::Unpin { handle: h8, k });
                if !self.pin_holds(fr, gen) {
                    continue;
                }
                let f = &mut self.s.frames[fr as usize];
                f.pincount = f.pincount.saturating_sub(1);
                self.folio_put(fr, r);
            }
            let hs = &mut self.s.handles[h];
            hs.released = true;
            hs.revoked = true;
            self.info.revoked = true;
            self.emit(|| Event::Revoked { handle: h8 });
            let (name, fname) = (
                self.w.sc.handles[h].as_str(),
                self.w.sc.files[file].name.as_str(),
            );
            self.call(|| {
                Call::new(by, format!("{by}({fname}[{page}]): the lease of {name} is broken; not released by lease-break-time: device access revoked, pages released"))
                    .file_page(file, page)
                    .touch(Object::Handle(h8))
            });
        }
    }

    /// The device writes (`Some(value)`) or reads the k-th page of a handle: no PTE, no fault —
    /// unless the device can fault, in which case it refaults a page whose mapping was
    /// invalidated before touching it.
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
                self.call(|| {
                    Call::new("dma", "the pin failed: the driver skips this transfer")
                        .touch(Object::Handle(handle as u8))
                });
                self.next_op();
                return Ok(());
            }
            PinResult::Ok => {}
        }
        let fail = |me: &mut Self, why: &'static str| {
            me.call(|| Call::new("dma", why).touch(Object::Handle(handle as u8)));
            if let Some(r) = reg {
                me.s.regs[r] = Observed::None;
            }
            me.next_op();
            Ok(())
        };
        if self.s.handles[handle].revoked {
            return fail(
                self,
                "the layout lease was revoked: the device's access fails (-EIO)",
            );
        }
        let dev = self.w.sc.devices[self.w.handle_device(handle)].kind.rules();
        let hs = self.w.handle_slot(handle, k);
        let fr = if dev.faults {
            if self.s.handles[handle].released {
                return fail(self, "the mmu notifier is unregistered: the device has no mapping and its access faults (-EFAULT)");
            }
            let (fr, writable) = self.s.pinned[hs];
            if fr != NONE && (write.is_none() || writable != 0) {
                fr
            } else {
                let (map, start) = self.w.handle_map(handle);
                self.info.cost.refaults += 1;
                let h8 = handle as u8;
                match self.handle_mm_fault(map, start + k, write.is_some(), false) {
                    Ok(fr) => {
                        self.s.pinned[hs] = (fr, write.is_some() as u8 | writable);
                        self.emit(|| Event::Pin {
                            handle: h8,
                            k,
                            frame: fr,
                        });
                        self.call(|| {
                            let text = format!(
                                "device page fault: hmm_range_fault(page {}) -> #{fr}",
                                start + k
                            );
                            Call::new("hmm_range_fault", text)
                                .arrow(Arrow::Fault)
                                .touch(Object::Handle(handle as u8))
                                .pte(map, start + k)
                                .frame(fr)
                        });
                        fr
                    }
                    Err(Stop::Blocked) => return Err(Stop::Blocked),
                    Err(Stop::ZeroPage) => {
                        self.emit(|| Event::Pin {
                            handle: h8,
                            k,
                            frame: NONE,
                        });
                        return self.dma_zero_page(handle, k, write, reg);
                    }
                    Err(_) => {
                        return fail(
                            self,
                            "device page fault: hmm_range_fault -> -EFAULT: the transfer fails",
                        )
                    }
                }
            }
        } else {
            let (fr, gen) = self.s.pinned[hs];
            if fr == NONE {
                return self.dma_zero_page(handle, k, write, reg);
            }
            let f = self.s.frames[fr as usize];
            if matches!(f.owner, Owner::Dax { .. } | Owner::DaxFree) {
                self.dax_check_storage(handle, k, fr, gen);
            } else if f.gen != gen || f.owner == Owner::Free {
                let h = self.w.sc.handles[handle].as_str();
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
                    self.emit_dma(handle, k, fr, write);
                    if let Some(r) = reg {
                        self.s.regs[r] = Observed::None;
                    }
                    self.next_op();
                    return Ok(());
                }
            }
            fr
        };
        let f = self.s.frames[fr as usize];
        self.emit_dma(handle, k, fr, write);
        match write {
            Some(v) => {
                let c = self.content(v);
                if let Owner::Cache { file, page } = f.owner {
                    if self.w.fs.has_page_mkwrite() && f.has(pg::FS_CLEAN) {
                        let name = self.w.sc.files[file as usize].name.as_str();
                        self.violate(Property::MkwriteContract, || {
                            format!("DMA changed {name}[{page}] (#{fr}) while the filesystem has it clean: no ->page_mkwrite since it was cleaned")
                        });
                    }
                }
                let old = self.val(f.content);
                self.write_frame(fr, c, Writer::Dma);
                let new = self.val(c);
                let how = if dev.faults {
                    "through the device's page table"
                } else {
                    "no PTE, no fault"
                };
                self.call(|| {
                    Call::new("dma", format!("DMA write #{fr}: {old} -> {new} ({how})"))
                        .arrow(Arrow::DmaWrite)
                        .touch(Object::Handle(handle as u8))
                        .frame(fr)
                        .change(Change::Content {
                            frame: fr,
                            from: f.content.value,
                            to: c.value,
                        })
                });
                self.ack(c.write);
            }
            None => {
                if let Some(r) = reg {
                    self.s.regs[r] = Observed::Val(f.content.value);
                }
                let vs = self.val(f.content);
                self.call(|| {
                    Call::new("dma", format!("DMA read #{fr} = {vs}"))
                        .arrow(Arrow::DmaRead)
                        .touch(Object::Handle(handle as u8))
                        .frame(fr)
                });
            }
        }
        self.next_op();
        Ok(())
    }

    /// Records the device's access through page `k` of `handle` to `frame` (history).
    fn emit_dma(&mut self, handle: usize, k: u8, frame: u8, write: Option<Value>) {
        let (handle, write) = (handle as u8, write.map(|v| self.content(v)));
        self.emit(|| Event::Dma {
            handle,
            k,
            frame,
            write,
        });
    }

    /// A device access through a handle page that is the shared zero page (a read-only GUP of
    /// a PROT_READ anonymous page nobody wrote, or of an fs-DAX hole): a read returns 0; a write
    /// is a driver bug (the pin was read-only) that would corrupt the zero page every process
    /// reads, and the model has no frame for it: it is traced and dropped.
    fn dma_zero_page(
        &mut self,
        handle: usize,
        k: u8,
        write: Option<Value>,
        reg: Option<usize>,
    ) -> Result<(), Stop> {
        self.emit_dma(handle, k, NONE, write);
        match write {
            Some(v) => {
                let c = self.content(v);
                let new = self.val(c);
                self.call(|| {
                    Call::new("dma", format!("DMA write of {new} into the zero page through a read-only pin: a driver bug; not modelled"))
                        .arrow(Arrow::DmaWrite)
                        .touch(Object::Handle(handle as u8))
                });
                self.ack(c.write);
            }
            None => {
                if let Some(r) = reg {
                    self.s.regs[r] = Observed::Val(Value::default());
                }
                self.call(|| {
                    Call::new("dma", "DMA read of the zero page = 0")
                        .arrow(Arrow::DmaRead)
                        .touch(Object::Handle(handle as u8))
                });
            }
        }
        self.next_op();
        Ok(())
    }
}
