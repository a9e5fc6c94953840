//! A filesystem that exists only in the model's unit tests, added by following README.md's "Adding
//! a filesystem or a device" to show that a behaviour no other filesystem has is one file: like
//! ext2 (block_write_full_folio), its ->writepages gives a folio dirtied behind its back buffers
//! and allocates its block at writeback, where ext4 warns and skips, xfs skips a hole and btrfs
//! defers to its fixup worker.

use super::buffer::{
    block_fallocate_unwritten, block_map_blocks, block_reserve_space, block_write_begin,
};
use super::generic::{
    filemap_dirty_folio, filemap_fault, filemap_page_mkwrite, filemap_read, filemap_release_folio,
    fs_tolerant_discards, generic_end_io, generic_file_write_iter, generic_freeze_fs,
    generic_writepage_start, GENERIC_INODE_OPS,
};
use super::{
    AddressSpaceOps, FileOperations, FsRules, ProbeBacking, SuperOperations, Unprepared,
    VmOperations,
};
use crate::history::Event;
use crate::state::pg;
use crate::trace::Call;
use crate::world::Ctx;

pub static TESTFS: FsRules = FsRules {
    name: "testfs",
    summary: "test only: ext2-like, a folio without buffers gets them and its block at writeback",
    backing: true,
    data_checksums: false,
    write_syscall: true,
    dax: false,
    sealable: false,
    cow: false,
    kernel_threads: &[],
    unprepared: Unprepared::WriteIfMapped,
    warn_dirty_without_buffers: false,
    probe: ProbeBacking::Skip("testfs is a filesystem of the unit tests only"),
    a_ops: &TESTFS_AOPS,
    vm_ops: &TESTFS_VM_OPS,
    f_ops: &TESTFS_FILE_OPS,
    i_ops: &GENERIC_INODE_OPS,
    s_ops: &TESTFS_SOPS,
};

static TESTFS_AOPS: AddressSpaceOps = AddressSpaceOps {
    reserve_space: block_reserve_space,
    write_begin: block_write_begin,
    dirty_folio: filemap_dirty_folio,
    writepage_start: generic_writepage_start,
    writepage_map: testfs_writepage_map,
    end_io: generic_end_io,
    release_folio: filemap_release_folio,
};

static TESTFS_VM_OPS: VmOperations = VmOperations {
    fault: filemap_fault,
    page_mkwrite: Some(filemap_page_mkwrite),
};

static TESTFS_FILE_OPS: FileOperations = FileOperations {
    read_iter: filemap_read,
    write_iter: generic_file_write_iter,
    fallocate: block_fallocate_unwritten,
};

static TESTFS_SOPS: SuperOperations = SuperOperations {
    freeze_fs: generic_freeze_fs,
};

/// block_write_full_folio() as ext2 runs it: a folio without buffers gets them
/// (create_empty_buffers) and get_block(create=1) allocates its block now.
fn testfs_writepage_map(c: &mut Ctx<'_, '_, '_>, fr: u8, file: usize, page: u8) -> Option<u8> {
    if fs_tolerant_discards(c, fr, file, page, false) {
        return None;
    }
    if !c.s.frames[fr as usize].has(pg::PRIVATE) {
        c.s.frames[fr as usize].set(pg::PRIVATE, true);
        c.emit(|| Event::Prepared { frame: fr });
        c.call(|| {
            Call::new(
                "writepages",
                format!(
                    "testfs_writepages(#{fr}): no buffers: create_empty_buffers, get_block allocates"
                ),
            )
            .frame(fr)
        });
    }
    block_map_blocks(c, fr, file, page)
}

#[cfg(test)]
mod tests {
    use crate::design::Design;
    use crate::property::Property;
    use crate::scenario::*;
    use crate::world::{Step, World};

    /// A page pinned for writing, written back, its buffers released by reclaim while pinned,
    /// then written by DMA and unpinned dirty: writeback meets a dirty folio without buffers.
    fn dirtied_behind_its_back(fs: &str) -> Scenario {
        let pin = Op::Pin {
            handle: 0,
            device: 0,
            map: 0,
            start: 0,
            end: 1,
            write: true,
            longterm: true,
        };
        let ops = vec![
            pin,
            Op::Writeback { file: 0 },
            Op::Reclaim,
            Op::DmaWrite {
                handle: 0,
                page: 0,
                value: Value(1),
            },
            Op::Unpin {
                handle: 0,
                dirty: true,
            },
            Op::Writeback { file: 0 },
        ];
        crate::test_scenario::one_page(fs, "rdma", ops)
    }

    /// Runs the one thread to its end; the disk's page, every violation and the trace.
    fn run(fs: &str) -> (Observed, Vec<Property>, Vec<String>) {
        let sc = dirtied_behind_its_back(fs);
        let w = World::new(&sc, Design::preset("legacy").unwrap());
        let (mut s, mut violated, mut calls) = (w.init(), vec![], vec![]);
        while let Step::Done(n, info) = w.step(&s, 0, true) {
            violated.extend(info.violations.iter());
            calls.extend(info.calls.into_iter().map(|c| c.text));
            s = n;
        }
        (
            w.observe(&s, Loc::Disk { file: 0, page: 0 }),
            violated,
            calls,
        )
    }

    #[test]
    fn testfs_allocates_at_writeback_where_ext4_warns_and_skips() {
        let (disk, violated, calls) = run("testfs");
        assert_eq!(
            disk,
            Observed::Val(Value(1)),
            "the DMA's data reached the disk"
        );
        assert!(!violated.contains(&Property::FsIntegrity), "{violated:?}");
        assert!(
            calls.iter().any(|c| c.starts_with("testfs_writepages(")),
            "testfs's own ->writepages ran: {calls:#?}"
        );

        let (disk, violated, _) = run("ext4");
        assert_eq!(disk, Observed::Val(Value(0)), "ext4 skipped the page");
        assert!(violated.contains(&Property::FsIntegrity), "{violated:?}");
    }
}
