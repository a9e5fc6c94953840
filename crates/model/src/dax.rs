//! fs-DAX (fs/dax.c): no page cache. A file mapping maps the persistent memory of the file's
//! blocks; frame `b` is block `b`'s storage for the whole run (`Owner::Dax`/`DaxFree`), so a pin
//! holds storage, and truncate frees storage a pin may still reach (seed 001).

use crate::history::Event;
use crate::property::Property;
use crate::state::{freeze, Content, Owner, Pte, NONE};
use crate::trace::{Arrow, Call, Change};
use crate::world::{Ctx, Stop};

impl Ctx<'_, '_, '_> {
    /// Allocates the lowest free block for `file`/`page` (ext4_iomap_alloc / xfs_iomap_write_direct
    /// with IOMAP_F_NEW: the new block is zeroed). Its storage frame gets a new generation, so a
    /// stale pin of the block's previous life is told apart.
    pub(crate) fn dax_alloc_block(&mut self, file: usize, page: u8) -> u8 {
        let b = self
            .s
            .blocks
            .iter()
            .position(|b| !b.used)
            .expect("callers check free_blocks()") as u8;
        self.s.blocks[b as usize].used = true;
        self.emit(|| Event::BlockAlloc { block: b });
        let f = &mut self.s.frames[b as usize];
        f.owner = Owner::Dax {
            file: file as u8,
            page,
        };
        f.content = Content::default();
        f.flags = 0;
        f.gen = f
            .gen
            .checked_add(1)
            .expect("a block allocated more often than there are ops");
        self.set_extent(file, page, b, false);
        b
    }

    /// dax_iomap_fault() (ext4_dax_huge_fault, xfs_dax_fault): the PTE maps the block's storage.
    /// A write fault runs the filesystem's ->page_mkwrite equivalent: it waits while frozen and
    /// allocates a hole's block directly (ENOSPC is SIGBUS). A read fault on a hole maps the zero
    /// page (`Stop::ZeroPage`).
    pub(crate) fn dax_iomap_fault(
        &mut self,
        map: usize,
        file: usize,
        page: u8,
        shared: bool,
        write: bool,
        unshare: bool,
    ) -> Result<u8, Stop> {
        let pi = self.w.pte(map, page);
        let slot = self.slot(file, page);
        let mut fr = self.s.ptes[pi].frame;
        let m = self.w.sc.maps[map].name.as_str();
        if fr == NONE {
            let b = self.s.pages[slot].block;
            if b == NONE {
                if !write {
                    self.call(|| {
                        Call::new(
                            "dax_load_hole",
                            format!("dax_load_hole: {m}[{page}] is a hole: zero page"),
                        )
                        .arrow(Arrow::Fault)
                        .pte(map, page)
                    });
                    return Err(Stop::ZeroPage);
                }
            } else {
                fr = b;
                self.set_pte(pi, fr, false);
                self.call(|| {
                    Call::new(
                        "dax_iomap_fault",
                        format!("dax_iomap_fault: map {m}[{page}] -> block {b} (#{fr}, ro)"),
                    )
                    .arrow(Arrow::Fault)
                    .pte(map, page)
                    .block(b)
                    .frame(fr)
                    .pte_set(map, page, fr, false)
                });
            }
        }
        if !(write || unshare) || (fr != NONE && self.s.ptes[pi].writable) {
            return Ok(fr);
        }
        let fsname = self.w.fs.name;
        if shared {
            // sb_start_pagefault(): DAX write faults wait from SB_FREEZE_PAGEFAULT too.
            if self.s.freeze >= freeze::PAGEFAULT
                && !self.mutated(crate::world::Mutation::NoFreezeWait)
            {
                return Err(Stop::Blocked);
            }
            if fr == NONE {
                if self.s.free_blocks() == 0 {
                    self.call(|| {
                        Call::new("dax_iomap_fault", format!("dax_iomap_fault(FAULT_FLAG_WRITE) [{fsname}]: allocate -> ENOSPC => VM_FAULT_SIGBUS"))
                            .arrow(Arrow::Fault)
                            .pte(map, page)
                    });
                    return Err(Stop::Sigbus);
                }
                fr = self.dax_alloc_block(file, page);
                self.set_pte(pi, fr, true);
                self.call(|| {
                    Call::new("dax_iomap_fault", format!("dax_iomap_fault(FAULT_FLAG_WRITE) [{fsname}]: block {fr} allocated and zeroed, {m}[{page}] -> #{fr} rw"))
                        .arrow(Arrow::Fault)
                        .block(fr)
                        .pte(map, page)
                        .frame(fr)
                        .change(Change::Extent { file: file as u8, page, block: fr })
                        .pte_set(map, page, fr, true)
                });
            } else {
                self.s.ptes[pi].writable = true;
                self.call(|| {
                    Call::new("dax_iomap_fault", format!("dax_iomap_fault(FAULT_FLAG_WRITE) [{fsname}]: block {fr} already allocated, {m}[{page}] rw"))
                        .arrow(Arrow::Fault)
                        .block(fr)
                        .pte(map, page)
                        .pte_set(map, page, fr, true)
                });
            }
            return Ok(fr);
        }
        // A private mapping: a COW copy of the storage (of the zero page for a hole).
        let content = if fr == NONE {
            Content::default()
        } else {
            self.s.frames[fr as usize].content
        };
        let new = self.alloc_frame(Owner::Anon, content);
        let nf = &mut self.s.frames[new as usize];
        nf.refcount = 1;
        nf.mapcount = 1;
        if fr != NONE {
            self.s.frames[fr as usize].mapcount -= 1;
            self.mmu_notifier_invalidate(fr);
            self.folio_put(fr, 1);
        }
        self.s.ptes[pi] = Pte {
            frame: new,
            writable: write,
        };
        self.call(|| {
            Call::new(
                "wp_page_copy",
                format!("wp_page_copy: DAX {m}[{page}] -> anonymous copy #{new}"),
            )
            .arrow(Arrow::Fault)
            .pte(map, page)
            .frame(new)
            .pte_set(map, page, new, write)
        });
        Ok(new)
    }

    /// dax_layout_busy_page(): after unmapping, a DAX page whose refcount is still raised is
    /// in use by GUP/DMA (any reference, FOLL_GET or FOLL_PIN: the test is the refcount).
    pub(crate) fn dax_layout_busy_page(&self, fr: u8) -> bool {
        let f = &self.s.frames[fr as usize];
        f.refcount > u32::from(f.mapcount)
    }

    /// ext4_free_blocks() / xfs_bunmapi() on fs-DAX: the block, and so its storage, goes back to
    /// the allocator; a device that still writes it is `no-storage-uaf`.
    pub(crate) fn dax_free_block(&mut self, b: u8) {
        self.s.blocks[b as usize].used = false;
        self.s.frames[b as usize].owner = Owner::DaxFree;
        self.emit(|| Event::BlockFree { block: b });
    }

    /// A device access to DAX storage through a handle taken when the block had generation
    /// `gen`: the storage may have been freed, or freed and given to another file.
    pub(crate) fn dax_check_storage(&mut self, handle: usize, k: u8, fr: u8, gen: u8) {
        let f = self.s.frames[fr as usize];
        if f.owner == Owner::DaxFree || f.gen != gen {
            let h = self.w.sc.handles[handle].as_str();
            let now = match f.owner {
                Owner::Dax { file, page } => format!(
                    ", now {}[{page}]'s: data written through one file shows up in another",
                    self.w.sc.files[file as usize].name
                ),
                _ => String::new(),
            };
            self.violate(Property::NoStorageUaf, || {
                format!(
                    "DMA through {h}[{k}] reached block {fr} after the filesystem freed it{now}"
                )
            });
        }
    }
}
