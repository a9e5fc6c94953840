//! File sealing (mm/memfd.c): F_SEAL_WRITE on a memfd. Sealing is refcount-based, not
//! pin-tracking-based, so it is the same under every design: it fails while anything may still
//! write the file — a shared mapping that could be made writable, or a page with references beyond
//! the page cache's and its mappings' (a pin, or a plain FOLL_GET reference).

use crate::scenario::{Errno, MapKind, Observed, PinResult};
use crate::state::NONE;
use crate::trace::{Call, Object};
use crate::world::{Ctx, MAX_FILE_PAGES};

impl Ctx<'_, '_, '_> {
    /// The file carries F_SEAL_WRITE (`info->seals & F_SEAL_WRITE`).
    pub(crate) fn write_sealed(&self, file: usize) -> bool {
        self.s.sealed & (1 << file) != 0
    }

    /// memfd_add_seals(F_SEAL_WRITE): `fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)`, one atomic step
    /// (the kernel holds inode_lock throughout). Writes `ok` or the errno into `reg`.
    pub(crate) fn memfd_add_seals(&mut self, file: usize, reg: usize) {
        let name = self.w.sc.files[file].name.as_str();
        let result = if !self.w.fs.sealable {
            // memfd_file_seals_ptr() is NULL: -EINVAL. The litmus parser rejects `seal` there, so
            // only a hand-built scenario gets here; the model has no EINVAL to report.
            self.call(|| {
                Call::new(
                    "memfd_add_seals",
                    format!("memfd_add_seals({name}): not a memfd -> -EINVAL"),
                )
                .touch(Object::File(file as u8))
            });
            Observed::None
        } else if self.write_sealed(file) {
            // Seals are only added: a second F_SEAL_WRITE finds the bit set and does nothing more.
            self.call(|| {
                Call::new(
                    "memfd_add_seals",
                    format!("memfd_add_seals({name}, F_SEAL_WRITE): already sealed -> 0"),
                )
                .touch(Object::File(file as u8))
            });
            Observed::Pin(PinResult::Ok)
        } else if let Some(m) = self.mapping_deny_writable(file) {
            let mname = self.w.sc.maps[m].name.as_str();
            self.call(|| {
                Call::new("memfd_add_seals", format!("memfd_add_seals({name}, F_SEAL_WRITE): mapping_deny_writable: {mname} is MAP_SHARED of an O_RDWR memfd (VM_SHARED|VM_MAYWRITE counts in i_mmap_writable whatever its protection) -> -EBUSY"))
                    .touch(Object::File(file as u8))
                    .touch(Object::Map(m as u8))
            });
            Observed::Pin(PinResult::Err(Errno::EBUSY))
        } else if let Some((page, fr, rc, expected)) = self.memfd_wait_for_pins(file) {
            // The kernel rescans for about 150 ms (LAST_SCAN) before it gives up; no other
            // thread of the model can drop its reference inside one atomic step, so the wait
            // always ends the way it would after the timeout: -EBUSY at once.
            self.call(|| {
                Call::new("memfd_add_seals", format!("memfd_add_seals({name}, F_SEAL_WRITE): memfd_wait_for_pins: {name}[{page}] (#{fr}) has refcount {rc}, expected {expected} (page cache + mappings) -> -EBUSY"))
                    .file_page(file, page)
                    .frame(fr)
            });
            Observed::Pin(PinResult::Err(Errno::EBUSY))
        } else {
            self.s.sealed |= 1 << file;
            self.call(|| {
                Call::new("memfd_add_seals", format!("memfd_add_seals({name}, F_SEAL_WRITE): no writable mapping, no extra references: sealed -> 0")).touch(Object::File(file as u8))
            });
            Observed::Pin(PinResult::Ok)
        };
        self.s.regs[reg] = result;
        self.next_op();
    }

    /// mapping_deny_writable(): fails while `i_mmap_writable` counts a VM_SHARED|VM_MAYWRITE
    /// mapping of the file. A memfd is opened O_RDWR, so every MAP_SHARED mapping is VM_MAYWRITE,
    /// PROT_READ or not, and mprotect(PROT_READ) does not change that; munmap does. Returns the
    /// first such mapping.
    fn mapping_deny_writable(&self, file: usize) -> Option<usize> {
        (0..self.w.sc.maps.len()).find(|&m| {
            matches!(self.w.sc.maps[m].kind, MapKind::File { file: f, shared: true, .. } if f == file)
                && self.s.maps[m].mapped
        })
    }

    /// memfd_wait_for_pins(): the first page-cache page of the file whose refcount differs from
    /// folio_expected_ref_count() (the page cache's reference plus one per PTE), as (page, frame,
    /// refcount, expected). Any GUP reference counts — FOLL_PIN or FOLL_GET — so this does not
    /// depend on how the design tracks pins. Pages others hold with `refs=K` stand for other
    /// processes' read-only mappings: expected references too.
    fn memfd_wait_for_pins(&self, file: usize) -> Option<(u8, u8, u32, u32)> {
        (0..MAX_FILE_PAGES).find_map(|page| {
            let fr = self.s.pages[self.slot(file, page)].cache;
            if fr == NONE {
                return None;
            }
            let f = &self.s.frames[fr as usize];
            let others = self
                .w
                .extra_refs()
                .iter()
                .find(|&&(x, _)| x == fr)
                .map_or(0, |&(_, k)| k);
            let expected = 1 + u32::from(f.mapcount) + u32::from(others);
            (f.refcount != expected).then_some((page, fr, f.refcount, expected))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::design::Design;
    use crate::fs::FsKind;
    use crate::scenario::*;
    use crate::world::{Step, World};

    /// A memfd page holding `A`, mapped shared read-only, with a register and no device.
    fn scenario(ops: Vec<Op>) -> Scenario {
        let mut sc = crate::test_scenario::one_page("memfd", "rdma", ops);
        sc.fs.blocks = 0;
        sc.files[0].data = vec![Some(Value(1))];
        sc.maps[0].kind = MapKind::File {
            file: 0,
            shared: true,
            writable: false,
        };
        sc.devices.clear();
        sc.handles.clear();
        sc.regs = vec!["r".into()];
        sc
    }

    #[test]
    fn a_shared_mapping_of_a_sealed_file_cannot_be_made_writable() {
        // Unreachable from a litmus file (the seal needs every shared mapping unmapped, and the
        // model's mappings exist from the start): a mapping created after the seal, which
        // memfd_check_seals_mmap() left without VM_MAYWRITE, stands in for it here.
        let sc = scenario(vec![Op::Mprotect {
            map: 0,
            writable: true,
        }]);
        let w = World::new(&sc, Design::preset("upstream").unwrap());
        let mut s = w.init();
        s.sealed = 1;
        let Step::Done(n, info) = w.step(&s, 0, true) else {
            panic!()
        };
        assert!(!n.maps[0].writable, "mprotect changed nothing");
        assert!(
            info.calls[0].text.ends_with("-> -EACCES"),
            "{:?}",
            info.calls
        );
        // Without the seal it works.
        s.sealed = 0;
        let Step::Done(n, _) = w.step(&s, 0, false) else {
            panic!()
        };
        assert!(n.maps[0].writable);
    }

    #[test]
    fn sealing_a_file_that_is_not_a_memfd_returns_nothing() {
        let mut sc = scenario(vec![Op::Seal { file: 0, reg: 0 }]);
        sc.fs.kind = FsKind::from_name("tmpfs").unwrap();
        let w = World::new(&sc, Design::preset("legacy").unwrap());
        let Step::Done(n, info) = w.step(&w.init(), 0, true) else {
            panic!()
        };
        assert_eq!((n.sealed, n.regs[0]), (0, Observed::None));
        assert!(info.calls[0].text.ends_with("-EINVAL"));
    }
}
