//! Memory management: page faults, the page cache lookup, ->page_mkwrite and rmap walks.

use crate::history::{Event, Writer};
use crate::property::Property;
use crate::scenario::{Errno, MapKind};
use crate::state::{freeze, pg, Content, Owner, NONE};
use crate::trace::{Arrow, Call, Change, Object};
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
        // A hole or an unwritten extent reads as zeros.
        let content = self.disk_content_of(file, page);
        let fr = self.alloc_frame(
            Owner::Cache {
                file: file as u8,
                page,
            },
            content,
        );
        let needs_mkwrite = self.w.fs.has_page_mkwrite();
        let f = &mut self.s.frames[fr as usize];
        f.refcount = 1;
        // Read in clean and without buffers: to the filesystem it is clean until ->page_mkwrite.
        f.set(pg::FS_CLEAN, needs_mkwrite);
        self.s.pages[slot].cache = fr;
        let v = self.val(content);
        let name = self.w.sc.files[file].name.as_str();
        self.call(|| {
            Call::new(
                "filemap_fault",
                format!("filemap_fault: read_folio({name}) -> #{fr} = {v}"),
            )
            .arrow(Arrow::Fault)
            .file_page(file, page)
            .frame(fr)
        });
        Ok(fr)
    }

    /// The filesystem's delalloc reservation for `file`/`page` (`AddressSpaceOps::reserve_space`:
    /// ext4_da_reserve_space, xfs delalloc, btrfs_delalloc_reserve_space). Ok(true) when a block
    /// was reserved, Ok(false) when none was needed, Err(ENOSPC) when the disk is full.
    pub(crate) fn reserve_space(&mut self, file: usize, page: u8) -> Result<bool, Errno> {
        (self.w.fs.a_ops.reserve_space)(self, file, page)
    }

    /// filemap_page_mkwrite(), as ext4_page_mkwrite, iomap_page_mkwrite and btrfs_page_mkwrite
    /// do it: the filesystem's notification that a clean page is about to be dirtied through a
    /// mapping; the reservation is the filesystem's `reserve_space`.
    pub(crate) fn filemap_page_mkwrite(
        &mut self,
        fr: u8,
        file: usize,
        page: u8,
    ) -> Result<(), Stop> {
        // sb_start_pagefault(): write faults wait from SB_FREEZE_PAGEFAULT until thaw.
        if self.s.freeze >= freeze::PAGEFAULT && !self.mutated(Mutation::NoFreezeWait) {
            return Err(Stop::Blocked);
        }
        // writeback-mark: the page a GUP user may write carries PG_writeback, and writers
        // block in wait_on_page_writeback() (seed 003, Chinner).
        if self.s.frames[fr as usize].has(pg::GUP_WRITEBACK) {
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
                    let text = format!(
                        "page_mkwrite [{fsname}]: reserve -> {} => VM_FAULT_SIGBUS",
                        e.name()
                    );
                    Call::new("page_mkwrite", text)
                        .arrow(Arrow::PageMkwrite)
                        .file_page(file, page)
                });
                return Err(Stop::Sigbus);
            }
        };
        let f = &mut self.s.frames[fr as usize];
        f.set(pg::PRIVATE, true);
        f.set(pg::FS_CLEAN, false);
        self.emit(|| Event::Prepared { frame: fr });
        let what = if reserved {
            "one block reserved"
        } else {
            "blocks already allocated"
        };
        self.call(|| {
            Call::new(
                "page_mkwrite",
                format!("page_mkwrite [{fsname}]: {what}, buffers attached"),
            )
            .arrow(Arrow::PageMkwrite)
            .file_page(file, page)
            .change(Change::Flag {
                frame: fr,
                flag: pg::PRIVATE,
                set: true,
            })
        });
        Ok(())
    }

    /// folio_mark_dirty() as reached from outside the filesystem's own paths
    /// (set_page_dirty_lock / unpin_user_pages_dirty_lock at unpin): ->dirty_folio, which for
    /// ext4 warns about a folio without buffers; checks that the filesystem was told first.
    pub(crate) fn folio_mark_dirty(&mut self, fr: u8) {
        let f = self.s.frames[fr as usize];
        let Owner::Cache { file, page } = f.owner else {
            // folio->mapping is NULL (truncated) or anonymous: nothing for a filesystem to do.
            self.call(|| {
                Call::new(
                    "folio_mark_dirty",
                    format!("folio_mark_dirty(#{fr}): no mapping, no-op"),
                )
                .frame(fr)
            });
            return;
        };
        let name = self.w.sc.files[file as usize].name.as_str();
        if self.w.fs.has_page_mkwrite() && f.has(pg::FS_CLEAN) {
            self.violate(Property::MkwriteContract, || {
                format!("{name}[{page}] (#{fr}) dirtied while the filesystem has it clean: no ->page_mkwrite since it was cleaned")
            });
        }
        (self.w.fs.a_ops.dirty_folio)(self, fr, file as usize, page);
        if self.s.frozen() && self.w.fs.backing {
            self.violate(Property::FreezeConsistency, || {
                format!("{name}[{page}] dirtied while the filesystem is frozen")
            });
        }
        if !f.has(pg::DIRTY) {
            self.s.frames[fr as usize].set(pg::DIRTY, true);
            self.emit(|| Event::Dirtied {
                frame: fr,
                outside: true,
            });
        }
        self.call(|| {
            Call::new("folio_mark_dirty", format!("folio_mark_dirty(#{fr})"))
                .frame(fr)
                .change(Change::Flag {
                    frame: fr,
                    flag: pg::DIRTY,
                    set: true,
                })
        });
    }

    /// The page became dirty through the filesystem's own write path (a write fault after
    /// ->page_mkwrite, ->write_end).
    pub(crate) fn dirty_in_write_path(&mut self, fr: u8) {
        if self.s.frames[fr as usize].has(pg::DIRTY) {
            return;
        }
        self.s.frames[fr as usize].set(pg::DIRTY, true);
        self.emit(|| Event::Dirtied {
            frame: fr,
            outside: false,
        });
        if self.s.frozen() && self.w.fs.backing {
            self.violate(Property::FreezeConsistency, || {
                format!("#{fr} dirtied through the write path while frozen")
            });
        }
    }

    /// A store, write(2) or DMA wrote `c` into frame `fr`.
    /// On fs-DAX the frame is the storage: a write there is a disk write, which a frozen
    /// filesystem must not get, whoever makes it.
    pub(crate) fn write_frame(&mut self, fr: u8, c: Content, by: Writer) {
        if self.s.frozen()
            && matches!(
                self.s.frames[fr as usize].owner,
                Owner::Dax { .. } | Owner::DaxFree
            )
        {
            let who = match by {
                Writer::Cpu => "a CPU store",
                Writer::Syscall => "write(2)",
                Writer::Dma => "DMA",
                Writer::CopyBack => "a gup-bounce copy-back",
            };
            self.violate(Property::FreezeConsistency, || {
                format!("{who} wrote DAX block {fr} while the filesystem is frozen")
            });
        }
        self.s.frames[fr as usize].content = c;
        self.emit(|| Event::Write {
            frame: fr,
            content: c,
            by,
        });
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
                let m = self.w.sc.maps[map].name.as_str();
                if !write && !unshare {
                    // do_anonymous_page() on a read fault maps the shared zero page, writable
                    // mapping or not (the write fault later COWs away from it); the model leaves
                    // the PTE empty, which reads 0 all the same. A reference taken meanwhile
                    // (vmsplice) holds the zero page, not the page a later store creates: the
                    // probe measured it (pin matrix, MAP_PRIVATE anon, vmsplice after a read).
                    self.call(|| {
                        Call::new(
                            "do_anonymous_page",
                            format!("do_anonymous_page: {m}[{page}] -> the zero page"),
                        )
                        .arrow(Arrow::Fault)
                        .pte(map, page)
                    });
                    return Err(Stop::ZeroPage);
                }
                let fr = self.alloc_frame(Owner::Anon, Content::default());
                let f = &mut self.s.frames[fr as usize];
                f.refcount = 1;
                f.mapcount = 1;
                self.s.ptes[pi] = crate::state::Pte {
                    frame: fr,
                    writable: ms.writable,
                };
                if ms.writable {
                    self.call(|| {
                        Call::new("do_anonymous_page", format!("do_anonymous_page -> #{fr}"))
                            .arrow(Arrow::Fault)
                            .pte(map, page)
                            .frame(fr)
                            .pte_set(map, page, fr, true)
                    });
                } else {
                    // gup_must_unshare(): a read-only long-term pin must not hold the zero page,
                    // which a later write would COW away from: FAULT_FLAG_UNSHARE gives the
                    // mapping an exclusive zeroed page, still mapped read-only.
                    self.call(|| {
                        Call::new("do_anonymous_page", format!("do_anonymous_page + FAULT_FLAG_UNSHARE: {m}[{page}] -> exclusive #{fr} (ro)"))
                            .arrow(Arrow::Fault)
                            .pte(map, page)
                            .frame(fr)
                            .pte_set(map, page, fr, false)
                    });
                }
                Ok(fr)
            }
            MapKind::File { file, shared, .. } => {
                if page >= self.s.sizes[file] {
                    return Err(Stop::Sigbus);
                }
                (self.w.fs.vm_ops.fault)(self, map, file, page, shared, write, unshare)
            }
        }
    }

    /// filemap_fault() and, for a write, do_shared_fault / wp_page_shared (->page_mkwrite, then
    /// dirty) or wp_page_copy (a private COW copy): the page-cache filesystems' ->fault.
    pub(crate) fn filemap_fault(
        &mut self,
        map: usize,
        file: usize,
        page: u8,
        shared: bool,
        write: bool,
        unshare: bool,
    ) -> Result<u8, Stop> {
        let ms = self.s.maps[map];
        let pi = self.w.pte(map, page);
        let pte = self.s.ptes[pi];
        let mut fr = pte.frame;
        if fr == NONE {
            fr = self.filemap_get_folio(file, page)?;
            // Without write notification (tmpfs) a shared writable mapping is mapped
            // writable at once; otherwise read-only until the write fault.
            let writable = shared && ms.writable && !self.w.fs.has_page_mkwrite();
            self.set_pte(pi, fr, writable);
            let m = self.w.sc.maps[map].name.as_str();
            self.call(|| {
                let text = format!(
                    "map {m}[{page}] -> #{fr} ({})",
                    if writable { "rw" } else { "ro" }
                );
                Call::new("finish_fault", text)
                    .arrow(Arrow::Fault)
                    .pte(map, page)
                    .frame(fr)
                    .pte_set(map, page, fr, writable)
            });
        }
        if !(write || unshare) || self.s.ptes[pi].writable {
            return Ok(fr);
        }
        if shared {
            // do_shared_fault / wp_page_shared: ->page_mkwrite, then dirty and map writable.
            if let Some(page_mkwrite) = self.w.fs.vm_ops.page_mkwrite {
                page_mkwrite(self, fr, file, page)?;
            }
            self.dirty_in_write_path(fr);
            self.s.ptes[pi].writable = true;
            let m = self.w.sc.maps[map].name.as_str();
            self.call(|| {
                Call::new(
                    "wp_page_shared",
                    format!("wp_page_shared: folio_mark_dirty(#{fr}), {m}[{page}] writable"),
                )
                .arrow(Arrow::Fault)
                .frame(fr)
                .pte(map, page)
                .change(Change::Flag {
                    frame: fr,
                    flag: pg::DIRTY,
                    set: true,
                })
                .pte_set(map, page, fr, true)
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
            self.mmu_notifier_invalidate(fr);
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
            self.call(|| {
                Call::new(
                    "wp_page_copy",
                    format!("wp_page_copy ({why}): #{fr} -> anonymous copy #{new}"),
                )
                .arrow(Arrow::Fault)
                .frame(fr)
                .frame(new)
                .pte(map, page)
                .pte_set(map, page, new, write)
            });
            Ok(new)
        }
    }

    /// set_pte_at() for an empty PTE slot: the mapping takes a reference and a mapcount.
    pub(crate) fn set_pte(&mut self, pi: usize, fr: u8, writable: bool) {
        self.s.ptes[pi] = crate::state::Pte {
            frame: fr,
            writable,
        };
        let f = &mut self.s.frames[fr as usize];
        f.refcount += 1;
        f.mapcount += 1;
    }

    /// folio_mkclean(): write-protect every PTE that maps the frame (rmap walk).
    pub(crate) fn folio_mkclean(&mut self, fr: u8) {
        let mut n = 0;
        if self.mutated(Mutation::NoMkclean) {
            return;
        }
        self.mmu_notifier_invalidate(fr);
        for p in self.s.ptes.iter_mut() {
            if p.frame == fr && p.writable {
                p.writable = false;
                n += 1;
            }
        }
        self.call(|| {
            Call::new(
                "folio_mkclean",
                format!("folio_mkclean(#{fr}): {n} PTE(s) write-protected"),
            )
            .frame(fr)
        });
    }

    /// try_to_unmap(): remove every PTE that maps the frame.
    pub(crate) fn try_to_unmap(&mut self, fr: u8) {
        self.mmu_notifier_invalidate(fr);
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
            self.call(|| {
                Call::new(
                    "try_to_unmap",
                    format!("try_to_unmap(#{fr}): {n} PTE(s) removed"),
                )
                .frame(fr)
            });
            self.folio_put(fr, n);
        }
    }

    /// Drops one PTE (zap_pte_range).
    pub(crate) fn zap_pte(&mut self, pi: usize) {
        let fr = self.s.ptes[pi].frame;
        if fr == NONE {
            return;
        }
        self.mmu_notifier_invalidate(fr);
        self.s.ptes[pi] = crate::state::Pte {
            frame: NONE,
            writable: false,
        };
        self.s.frames[fr as usize].mapcount -= 1;
        self.folio_put(fr, 1);
    }

    /// mmu_notifier_invalidate_range_start() as a fault-capable device sees it: every device
    /// page-table entry for `fr` is torn down; the device refaults before its next access.
    pub(crate) fn mmu_notifier_invalidate(&mut self, fr: u8) {
        let w = self.w;
        for &hs in w.fault_slots() {
            if self.s.pinned[hs].0 == fr {
                self.s.pinned[hs] = (NONE, 0);
                let (handle, k) = w.slot_handle(hs);
                self.emit(|| Event::Unpin { handle, k });
                self.info.cost.invalidations += 1;
                self.call(|| {
                    let text = format!(
                        "mmu_notifier_invalidate_range: the device's mapping of #{fr} is torn down"
                    );
                    Call::new("mmu_notifier_invalidate_range", text)
                        .touch(Object::Handle(handle))
                        .frame(fr)
                });
            }
        }
    }
}
