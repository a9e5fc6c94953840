//! Reclaim: one pass of shrink_folio_list() over the clean page-cache pages of disk filesystems.

use crate::design::OnPinned;
use crate::state::{pg, Owner, NONE};
use crate::trace::Call;
use crate::world::{Ctx, Stop, MAX_FILE_PAGES};

impl Ctx<'_, '_, '_> {
    fn reclaim_wants(&self, fr: u8) -> bool {
        let f = &self.s.frames[fr as usize];
        if f.has(pg::DIRTY) || f.has(pg::WRITEBACK) {
            return false;
        }
        // page-got: a pinned page is off the LRU, where reclaim never looks; virtual-vma: the
        // pseudo-VMA is like an mlocked mapping, and reclaim moves such a page to the
        // unevictable list instead of unmapping it or waiting (seed 004, Kara).
        if self.w.design.tracking.unevictable_when_pinned && self.maybe_pinned(fr) {
            return false;
        }
        f.mapcount > 0
            || f.has(pg::PRIVATE)
            || f.refcount == 1
            || (self.w.design.handling.reclaim_pinned == OnPinned::Wait && self.maybe_pinned(fr))
    }

    fn reclaim_target(&self, cursor: u8) -> Option<u8> {
        let n = self.w.sc.files.len() * MAX_FILE_PAGES as usize;
        (cursor as usize..n)
            .find(|&i| {
                let fr = self.s.pages[i].cache;
                fr != NONE && self.reclaim_wants(fr)
            })
            .map(|i| i as u8)
    }

    /// One step of `reclaim`: try_to_unmap(), then release_folio() (buffers, reservation), then
    /// free the folio if nothing else holds it. What happens to a maybe-pinned folio is the
    /// design's call.
    pub(crate) fn shrink_folio_list(&mut self) -> Result<(), Stop> {
        if !self.w.fs.backing {
            self.call(|| {
                Call::new(
                    "shrink_folio_list",
                    "reclaim: memory-only filesystem, nothing reclaimable (no swap modelled)",
                )
            });
            self.next_op();
            return Ok(());
        }
        let t = self.thread;
        let Some(i) = self.reclaim_target(self.s.threads[t].cursor) else {
            self.call(|| Call::new("shrink_folio_list", "reclaim: nothing to do"));
            self.next_op();
            return Ok(());
        };
        let fr = self.s.pages[i as usize].cache;
        if self.w.design.handling.revoke {
            // try_to_unmap() of a page a revocable pin reaches: revoke first.
            if let Owner::Cache { file, page } = self.s.frames[fr as usize].owner {
                self.revoke_pins_of(file as usize, page, "try_to_unmap");
            }
        }
        let policy = self.w.design.handling.reclaim_pinned;
        let pinned = policy != OnPinned::Proceed && self.folio_maybe_dma_pinned(fr);
        if pinned && policy == OnPinned::Wait {
            return Err(Stop::Blocked);
        }
        self.try_to_unmap(fr);
        if pinned && policy == OnPinned::KeepBuffers {
            self.call(|| {
                Call::new("shrink_folio_list", format!("shrink_folio_list(#{fr}): folio_maybe_dma_pinned -> activate_locked, buffers kept")).frame(fr)
            });
        } else {
            (self.w.fs.a_ops.release_folio)(self, fr);
            if self.s.frames[fr as usize].refcount == 1 {
                self.s.pages[i as usize].cache = NONE;
                let f = &mut self.s.frames[fr as usize];
                if let Owner::Cache { .. } = f.owner {
                    self.call(|| {
                        Call::new(
                            "__remove_mapping",
                            format!("__remove_mapping(#{fr}): freed"),
                        )
                        .frame(fr)
                    });
                }
                self.folio_put(fr, 1);
            } else {
                let rc = self.s.frames[fr as usize].refcount;
                self.call(|| {
                    Call::new("shrink_folio_list", format!("shrink_folio_list(#{fr}): refcount {rc}, still referenced: stays cached, unmapped, no buffers")).frame(fr)
                });
            }
        }
        self.s.threads[t].cursor = i + 1;
        if self.reclaim_target(i + 1).is_none() {
            self.next_op();
        }
        Ok(())
    }
}
