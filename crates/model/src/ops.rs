//! The litmus operations as kernel entry points: one atomic step each (multi-step ops keep their
//! progress in the thread's cursor/phase).

use crate::history::{Event, Writer};
use crate::property::Property;
use crate::scenario::{MapKind, Observed, Op};
use crate::state::{freeze, pg, Owner, NONE};
use crate::trace::{Call, Change, Object};
use crate::world::{Ctx, Stop, MAX_FILE_PAGES};
use crate::writeback::PassKind;

impl Ctx<'_, '_, '_> {
    pub(crate) fn exec(&mut self, op: Op) -> Result<(), Stop> {
        match op {
            Op::Store { map, page, value } => self.store(map, page, value),
            Op::Load { map, page, reg } => {
                match self.handle_mm_fault(map, page, false, false) {
                    Ok(fr) => {
                        let c = self.s.frames[fr as usize].content;
                        self.s.regs[reg] = Observed::Val(c.value);
                    }
                    Err(Stop::Blocked) => return Err(Stop::Blocked),
                    // The shared zero page is mapped: the load reads 0.
                    Err(Stop::ZeroPage) => self.s.regs[reg] = Observed::Val(Default::default()),
                    Err(e) => {
                        self.call(|| {
                            let text = format!(
                                "load faults: {}",
                                if e == Stop::Sigbus {
                                    "SIGBUS"
                                } else {
                                    "SIGSEGV"
                                }
                            );
                            Call::new("load", text).pte(map, page)
                        });
                        self.s.regs[reg] = Observed::None;
                    }
                }
                self.next_op();
                Ok(())
            }
            Op::Write { file, page, value } => self.vfs_write(file, page, value),
            Op::Read { file, page, reg } => {
                self.s.regs[reg] = (self.w.fs.f_ops.read_iter)(self, file, page);
                self.next_op();
                Ok(())
            }
            Op::Pin {
                handle,
                device,
                map,
                start,
                end,
                write,
                longterm,
            } => self.pin_user_pages(handle, device, map, start, end, write, longterm),
            Op::DmaWrite {
                handle,
                page,
                value,
            } => self.dma(handle, page, Some(value), None),
            Op::DmaRead { handle, page, reg } => self.dma(handle, page, None, Some(reg)),
            Op::Unpin { handle, dirty } => {
                match self.s.handles[handle].result {
                    crate::scenario::PinResult::Pending => return Err(Stop::Blocked),
                    crate::scenario::PinResult::Err(_) => self.call(|| {
                        Call::new("unpin_user_pages", "the pin failed: nothing to unpin")
                            .touch(Object::Handle(handle as u8))
                    }),
                    crate::scenario::PinResult::Ok => self.unpin_user_pages(handle, dirty)?,
                }
                self.next_op();
                Ok(())
            }
            Op::Fsync { file } => self.write_cache_pages(Some(file), PassKind::Integrity),
            Op::Sync => self.write_cache_pages(None, PassKind::Integrity),
            Op::Writeback { file } => self.write_cache_pages(Some(file), PassKind::Background),
            Op::Truncate { file, pages } => self.truncate_setsize(file, pages),
            Op::Punch { file, page } if self.write_sealed(file) => {
                // shmem_fallocate(FALLOC_FL_PUNCH_HOLE) refuses to change sealed content.
                let name = self.w.sc.files[file].name.as_str();
                self.call(|| {
                    Call::new(
                        "shmem_fallocate",
                        format!(
                            "shmem_fallocate({name}[{page}], PUNCH_HOLE): F_SEAL_WRITE -> -EPERM"
                        ),
                    )
                    .file_page(file, page)
                });
                self.next_op();
                Ok(())
            }
            Op::Punch { file, page } => self.truncate_inode_pages_range(file, page, page + 1, None),
            Op::Reclaim => self.shrink_folio_list(),
            Op::Freeze => self.write_cache_pages(None, PassKind::Freeze),
            Op::Thaw => {
                if self.s.frozen() {
                    self.s.freeze = freeze::UNFROZEN;
                    self.emit(|| Event::Thawed);
                    self.call(|| Call::new("thaw_super", "thaw_super").touch(Object::Super));
                } else {
                    // thaw_super() of a filesystem that is not (yet) frozen: -EINVAL.
                    self.call(|| {
                        Call::new("thaw_super", "thaw_super: not frozen -> -EINVAL")
                            .touch(Object::Super)
                    });
                }
                self.next_op();
                Ok(())
            }
            Op::Fallocate { file, page } => self.vfs_fallocate(file, page),
            Op::Complete { completion } => {
                self.s.completions[completion] += 1;
                let name = self.w.sc.completions[completion].as_str();
                self.call(|| {
                    Call::new("complete", format!("complete({name})"))
                        .touch(Object::Completion(completion as u8))
                });
                self.next_op();
                Ok(())
            }
            Op::WaitForCompletion { completion } => {
                if self.s.completions[completion] == 0 {
                    return Err(Stop::Blocked);
                }
                self.s.completions[completion] -= 1;
                let name = self.w.sc.completions[completion].as_str();
                self.call(|| {
                    Call::new(
                        "wait_for_completion",
                        format!("wait_for_completion({name}): done"),
                    )
                    .touch(Object::Completion(completion as u8))
                });
                self.next_op();
                Ok(())
            }
            Op::Munmap { map } => {
                let n = self.w.map_pages(map);
                for p in 0..n {
                    let pi = self.w.pte(map, p);
                    self.zap_pte(pi);
                }
                self.s.maps[map].mapped = false;
                let name = self.w.sc.maps[map].name.as_str();
                self.call(|| {
                    Call::new("munmap", format!("munmap({name})")).touch(Object::Map(map as u8))
                });
                self.next_op();
                Ok(())
            }
            Op::Mprotect { map, writable } if writable && self.maywrite_sealed(map) => {
                // memfd_check_seals_mmap() cleared VM_MAYWRITE: mprotect_fixup() says -EACCES.
                let name = self.w.sc.maps[map].name.as_str();
                self.call(|| {
                    Call::new("mprotect", format!("mprotect({name}, PROT_READ|PROT_WRITE): F_SEAL_WRITE, no VM_MAYWRITE -> -EACCES")).touch(Object::Map(map as u8))
                });
                self.next_op();
                Ok(())
            }
            Op::Mprotect { map, writable } => {
                self.s.maps[map].writable = writable;
                if !writable {
                    for p in 0..self.w.map_pages(map) {
                        let pi = self.w.pte(map, p);
                        let fr = self.s.ptes[pi].frame;
                        if fr != NONE {
                            // change_protection() notifies: device mappings go too.
                            self.mmu_notifier_invalidate(fr);
                        }
                        self.s.ptes[pi].writable = false;
                    }
                }
                let name = self.w.sc.maps[map].name.as_str();
                self.call(|| {
                    let text = format!(
                        "mprotect({name}, {})",
                        if writable {
                            "PROT_READ|PROT_WRITE"
                        } else {
                            "PROT_READ"
                        }
                    );
                    Call::new("mprotect", text).touch(Object::Map(map as u8))
                });
                self.next_op();
                Ok(())
            }
            Op::Seal { file, reg } => {
                self.memfd_add_seals(file, reg);
                Ok(())
            }
        }
    }

    /// memfd_check_seals_mmap(): `map` is a live shared mapping of a write-sealed file, whose
    /// VMA has no VM_MAYWRITE. (Sealing fails while a shared mapping exists, so in the kernel
    /// such a mapping is one created after the seal; the model creates its mappings before any
    /// thread runs, so this only guards states built by hand.)
    fn maywrite_sealed(&self, map: usize) -> bool {
        self.s.maps[map].mapped
            && matches!(self.w.sc.maps[map].kind, MapKind::File { file, shared: true, .. } if self.write_sealed(file))
    }

    /// A CPU store: through the PTE if it is writable, else a write fault first.
    fn store(&mut self, map: usize, page: u8, value: crate::scenario::Value) -> Result<(), Stop> {
        let fr = match self.handle_mm_fault(map, page, true, false) {
            Ok(fr) => fr,
            Err(Stop::Blocked) => return Err(Stop::Blocked),
            Err(e) => {
                self.call(|| {
                    let text = format!(
                        "store faults: {}",
                        if e == Stop::Sigbus {
                            "SIGBUS"
                        } else {
                            "SIGSEGV"
                        }
                    );
                    Call::new("store", text).pte(map, page)
                });
                self.next_op();
                return Ok(());
            }
        };
        let f = self.s.frames[fr as usize];
        if let Owner::Cache { file, page } = f.owner {
            // Only reachable if something left a writable PTE on a page the filesystem cleaned.
            if self.w.fs.has_page_mkwrite() && f.has(pg::FS_CLEAN) {
                let name = self.w.sc.files[file as usize].name.as_str();
                self.violate(Property::MkwriteContract, || {
                    format!("store through a writable PTE changed {name}[{page}] while the filesystem has it clean")
                });
            }
        }
        let c = self.content(value);
        let old = self.val(f.content);
        self.write_frame(fr, c, Writer::Cpu);
        let new = self.val(c);
        self.call(|| {
            Call::new("store", format!("store #{fr}: {old} -> {new}"))
                .frame(fr)
                .change(Change::Content {
                    frame: fr,
                    from: f.content.value,
                    to: c.value,
                })
        });
        self.ack(c.write);
        self.next_op();
        Ok(())
    }

    /// write(2): sb_start_write(), seals, i_size, then the filesystem's ->write_iter.
    fn vfs_write(
        &mut self,
        file: usize,
        page: u8,
        value: crate::scenario::Value,
    ) -> Result<(), Stop> {
        // sb_start_write(): writers wait from SB_FREEZE_WRITE until thaw.
        if self.s.freeze >= freeze::WRITE {
            return Err(Stop::Blocked);
        }
        if self.write_sealed(file) {
            // shmem_write_begin(): nothing is written and nothing acknowledged.
            let name = self.w.sc.files[file].name.as_str();
            self.call(|| {
                Call::new(
                    "shmem_write_begin",
                    format!("shmem_write_begin({name}[{page}]): F_SEAL_WRITE -> -EPERM"),
                )
                .file_page(file, page)
            });
            self.next_op();
            return Ok(());
        }
        let old_size = self.s.sizes[file];
        debug_assert!(page < MAX_FILE_PAGES);
        if page >= old_size {
            self.s.sizes[file] = page + 1;
        }
        (self.w.fs.f_ops.write_iter)(self, file, page, value, old_size)
    }

    /// generic_perform_write() with ->write_begin (`AddressSpaceOps::write_begin`) / ->write_end.
    pub(crate) fn generic_perform_write(
        &mut self,
        file: usize,
        page: u8,
        value: crate::scenario::Value,
        old_size: u8,
    ) -> Result<(), Stop> {
        // A step that waits is discarded whole, so the page read in here is not kept then.
        let fr = self.filemap_get_folio(file, page).expect("within i_size");
        // folio_wait_stable(); and writeback-mark's pages wait in wait_on_page_writeback().
        if (self.w.stable && self.s.frames[fr as usize].has(pg::WRITEBACK))
            || self.s.frames[fr as usize].has(pg::GUP_WRITEBACK)
        {
            return Err(Stop::Blocked);
        }
        if let Err(e) = (self.w.fs.a_ops.write_begin)(self, fr, file, page) {
            self.call(|| {
                Call::new("write_begin", format!("write_begin: -{}", e.name()))
                    .file_page(file, page)
            });
            self.s.sizes[file] = old_size;
            if self.s.frames[fr as usize].refcount == 1 && self.s.frames[fr as usize].mapcount == 0
            {
                // Drop a page we only created for this write.
                let slot = self.slot(file, page);
                if page >= old_size {
                    self.s.pages[slot].cache = NONE;
                    self.folio_put(fr, 1);
                }
            }
            self.next_op();
            return Ok(());
        }
        let c = self.content(value);
        let old = self.s.frames[fr as usize].content.value;
        self.write_frame(fr, c, Writer::Syscall);
        self.dirty_in_write_path(fr);
        let v = self.val(c);
        let name = self.w.sc.files[file].name.as_str();
        self.call(|| {
            Call::new(
                "generic_perform_write",
                format!("write_begin/copy/write_end: {name}[{page}] #{fr} = {v}, folio_mark_dirty"),
            )
            .file_page(file, page)
            .frame(fr)
            .change(Change::Content {
                frame: fr,
                from: old,
                to: c.value,
            })
            .change(Change::Flag {
                frame: fr,
                flag: pg::DIRTY,
                set: true,
            })
        });
        if page >= old_size {
            self.emit_size(file);
        }
        self.ack(c.write);
        self.next_op();
        Ok(())
    }

    /// write(2) on fs-DAX: dax_iomap_rw() allocates a hole's block and copies into the storage.
    pub(crate) fn dax_iomap_rw(
        &mut self,
        file: usize,
        page: u8,
        value: crate::scenario::Value,
        old_size: u8,
    ) -> Result<(), Stop> {
        let slot = self.slot(file, page);
        let mut b = self.s.pages[slot].block;
        if b == NONE {
            if self.s.free_blocks() == 0 {
                self.s.sizes[file] = old_size;
                self.call(|| {
                    Call::new("dax_iomap_rw", "dax_iomap_rw: allocate -> -ENOSPC")
                        .file_page(file, page)
                });
                self.next_op();
                return Ok(());
            }
            b = self.dax_alloc_block(file, page);
        }
        let c = self.content(value);
        self.write_frame(b, c, Writer::Syscall);
        let (name, v) = (self.w.sc.files[file].name.as_str(), self.val(c));
        self.call(|| {
            Call::new(
                "dax_iomap_rw",
                format!("dax_iomap_rw: {name}[{page}] = {v} written to block {b}"),
            )
            .file_page(file, page)
            .block(b)
            .change(Change::Block {
                block: b,
                value: c.value,
            })
        });
        if page >= old_size {
            self.emit_size(file);
        }
        self.ack(c.write);
        self.next_op();
        Ok(())
    }

    /// Records `file`'s i_size (history).
    pub(crate) fn emit_size(&mut self, file: usize) {
        let (f, pages) = (file as u8, self.s.sizes[file]);
        self.emit(|| Event::Size { file: f, pages });
    }

    /// fallocate(fd, 0, page, one page) through vfs_fallocate() (sb_start_write): ext4 and xfs
    /// allocate an unwritten extent (it reads zeros; ->page_mkwrite needs no reservation for it;
    /// writeback writes the block and converts the extent at I/O completion), btrfs a
    /// preallocated extent (written in place the first time), fs-DAX a zeroed block, shmem and
    /// hugetlbfs a zeroed page in the page cache. Beyond EOF i_size grows; with no space,
    /// -ENOSPC and nothing changes.
    fn vfs_fallocate(&mut self, file: usize, page: u8) -> Result<(), Stop> {
        if self.s.freeze >= freeze::WRITE {
            return Err(Stop::Blocked);
        }
        (self.w.fs.f_ops.fallocate)(self, file, page)
    }
}
