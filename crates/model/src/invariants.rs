//! Model invariants: facts every reachable state must satisfy whatever the design. The property
//! tests drive random scenarios through the model and check these after every step.

use crate::design::{PinRef, GUP_PIN_COUNTING_BIAS};
use crate::scenario::PinResult;
use crate::state::{Owner, State, NONE};
use crate::world::World;

/// A reachable state that breaks a model invariant: a bug in the model, never in a scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("model invariant broken: {0}")]
pub struct BrokenInvariant(pub String);

impl World<'_> {
    /// Returns the first broken invariant, if any:
    /// - every frame's refcount is exactly page cache + PTEs + held GUP references (so it never
    ///   goes negative and pins balance);
    /// - mapcount is the number of PTEs mapping the frame;
    /// - no PTE, page-cache slot or writeback points at a free frame;
    /// - the page cache and frame owners agree;
    /// - reservations never exceed the free blocks.
    pub fn check_invariants(&self, s: &State) -> Result<(), BrokenInvariant> {
        self.first_broken_invariant(s).map_err(BrokenInvariant)
    }

    fn first_broken_invariant(&self, s: &State) -> Result<(), String> {
        let mut refs = vec![0u32; s.frames.len()];
        let mut maps = vec![0u32; s.frames.len()];
        for (i, p) in s.pages.iter().enumerate() {
            if p.cache != NONE {
                let f = &s.frames[p.cache as usize];
                match f.owner {
                    Owner::Cache { file, page } if self.slot(file as usize, page) == i => {}
                    o => {
                        return Err(format!(
                            "page slot {i} caches #{} whose owner is {o:?}",
                            p.cache
                        ))
                    }
                }
                refs[p.cache as usize] += 1;
            }
        }
        for (i, p) in s.ptes.iter().enumerate() {
            if p.frame != NONE {
                if s.frames[p.frame as usize].owner == Owner::Free {
                    return Err(format!("PTE {i} maps free frame #{}", p.frame));
                }
                refs[p.frame as usize] += 1;
                maps[p.frame as usize] += 1;
            }
        }
        // Recomputed from the design's definition, not through the model's own helper, so a
        // wrong reference count in the model cannot also hide here.
        for (handle, hs) in s.handles.iter().enumerate() {
            // A pin in progress (Pending) already holds the pages it has taken, one a step; a
            // failed or refused pin holds none (gup_release_prefix), a released one none.
            let in_progress = hs.result == PinResult::Pending;
            if matches!(hs.result, PinResult::Err(_)) || hs.released {
                continue;
            }
            let device = self.handle_device(handle);
            if self.sc.devices[device].kind.rules().faults {
                // A device page table holds no references.
                continue;
            }
            let r = match self.design.tracking.pin_ref {
                PinRef::Bias if self.sc.devices[device].kind.rules().foll_pin => {
                    GUP_PIN_COUNTING_BIAS as u32
                }
                _ => 1,
            };
            for k in 0..self.handle_len(handle) {
                let (fr, gen) = s.pinned[self.handle_slot(handle, k)];
                if fr == NONE {
                    // Not taken yet (a pin in progress), or the zero page, returned without a
                    // pin: of a PROT_READ anonymous page, or of an fs-DAX hole.
                    if !in_progress
                        && !matches!(
                            self.sc.maps[self.handle_map(handle).0].kind,
                            crate::scenario::MapKind::Anon { .. }
                        )
                        && !self.fs.dax
                    {
                        return Err(format!(
                            "a held pin of {} has no frame, but only anonymous memory and fs-DAX holes have a zero page to return",
                            self.sc.handles[handle]
                        ));
                    }
                    continue;
                }
                let dax = matches!(
                    s.frames[fr as usize].owner,
                    Owner::Dax { .. } | Owner::DaxFree
                );
                // DAX storage a pin still reaches may be freed and reused: that is the
                // `no-storage-uaf` property's business, and the reference is still held.
                if !dax
                    && (s.frames[fr as usize].gen != gen
                        || s.frames[fr as usize].owner == Owner::Free)
                {
                    return Err(format!(
                        "a held pin of {} points at a freed frame #{fr}",
                        self.sc.handles[handle]
                    ));
                }
                refs[fr as usize] += r;
            }
        }
        for &(fr, k) in self.extra_refs() {
            refs[fr as usize] += k as u32;
        }
        // btrfs's fixup worker holds a folio reference from queueing to running.
        for (i, f) in s.frames.iter().enumerate() {
            if f.has(crate::state::pg::CHECKED) {
                refs[i] += 1;
            }
        }
        for (i, f) in s.frames.iter().enumerate() {
            if f.owner == Owner::Free {
                continue;
            }
            let storage = matches!(f.owner, Owner::Dax { .. } | Owner::DaxFree);
            if storage != (self.fs.dax && i < s.blocks.len()) {
                return Err(format!(
                    "#{i} ({:?}): fs-DAX frame i must be block i's storage",
                    f.owner
                ));
            }
            if f.refcount != refs[i] {
                return Err(format!(
                    "#{i} refcount {} but {} references are held",
                    f.refcount, refs[i]
                ));
            }
            if f.mapcount as u32 != maps[i] {
                return Err(format!(
                    "#{i} mapcount {} but {} PTEs map it",
                    f.mapcount, maps[i]
                ));
            }
            if f.refcount == 0 && !storage {
                return Err(format!("#{i} allocated with refcount 0"));
            }
            if let Owner::Dax { file, page } = f.owner {
                if s.pages[self.slot(file as usize, page)].block != i as u8 {
                    return Err(format!(
                        "DAX #{i} claims {file}[{page}], whose extent differs"
                    ));
                }
            }
        }
        let unused = s.blocks.iter().filter(|b| !b.used).count();
        let reserved = s.pages.iter().filter(|p| p.reserved).count();
        if reserved > unused {
            return Err(format!(
                "{reserved} reservations but {unused} unused blocks"
            ));
        }
        Ok(())
    }
}
