//! Filesystems, in the kernel's own shape (docs/model.md#filesystems): each is one file holding a
//! `FsRules` — a few static facts plus its operations tables, after the kernel's
//! `address_space_operations` (`AddressSpaceOps`), `vm_operations_struct` (`VmOperations`),
//! `file_operations` (`FileOperations`), `inode_operations` (`InodeOperations`) and
//! `super_operations` (`SuperOperations`) — and the
//! functions of its own those tables point at. Shared defaults live in files named after the
//! kernel's helpers: `generic` (mm/filemap.c, fs/libfs.c), `buffer` (fs/buffer.c: block_*),
//! `iomap` (fs/iomap/buffered-io.c), `shmem` (mm/shmem.c) and `dax` (fs/dax.c).
//!
//! Adding a filesystem is one new file defining an `FsRules` and one line in `FILESYSTEMS`
//! (README.md, "Adding a filesystem or a device"); a behaviour no other filesystem has is a
//! function in that file that its table points at (`testfs.rs`, built only for the model's unit
//! tests, is one).

mod btrfs;
mod buffer;
mod dax;
mod ext4;
mod ext4_dax;
mod generic;
mod hugetlbfs;
mod iomap;
mod memfd;
mod shmem;
#[cfg(test)]
mod testfs;
mod tmpfs;
mod xfs;
mod xfs_dax;

use crate::scenario::{Errno, Observed, Value};
use crate::world::{Ctx, Stop};

/// The registry. The position of an entry is its `FsKind`.
pub static FILESYSTEMS: &[&FsRules] = &[
    &ext4::EXT4,
    &xfs::XFS,
    &btrfs::BTRFS,
    &tmpfs::TMPFS,
    &memfd::MEMFD,
    &hugetlbfs::HUGETLBFS,
    &ext4_dax::EXT4_DAX,
    &xfs_dax::XFS_DAX,
    #[cfg(test)]
    &testfs::TESTFS,
];

/// What ->writepages does with a dirty folio that carries no filesystem-private state, i.e. one
/// that was dirtied without `->page_mkwrite`/`->write_begin` (or whose buffers reclaim released).
///
/// This is the filesystem's declared contract, which the independent oracle
/// (crates/check/src/oracle.rs) judges executions by; the model runs `AddressSpaceOps::
/// writepage_map`, and the oracle's agreement tests catch a table that does otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unprepared {
    /// ext4 `mpage_prepare_extent_to_map`: "page %lu does not have buffers attached" — warn, clear
    /// dirty, skip the folio (a BUG_ON before v5.18). An `fs-integrity` violation; the data is lost.
    WarnAndSkip,
    /// btrfs `btrfs_writepage_cow_fixup`: queue the fixup worker, which reserves space and
    /// redirties; no space means the data is dropped with ENOSPC (`no-late-enospc`).
    CowFixup,
    /// iomap (`iomap_writepage_map_blocks`): written if blocks are allocated; an `IOMAP_HOLE`
    /// range is silently skipped (docs/sources.md#xfs-and-iomap).
    WriteIfMapped,
}

/// Work a filesystem does in a kernel thread of its own, which the checker interleaves with
/// the litmus threads (it runs whenever work is queued).
#[derive(Clone, Copy, Debug)]
pub struct KernelWork {
    /// The thread's name in traces.
    pub thread_name: &'static str,
    /// The kernel function one step of the thread runs.
    pub work_fn: &'static str,
    /// One step of the thread; None when it has nothing queued.
    pub(crate) run: fn(&mut Ctx<'_, '_, '_>) -> Option<Result<(), Stop>>,
}

impl KernelWork {
    /// The thread's name in traces.
    pub fn thread_name(self) -> &'static str {
        self.thread_name
    }
    /// The kernel function one step of the thread runs.
    pub fn work_fn(self) -> &'static str {
        self.work_fn
    }
}

/// `struct address_space_operations`, plus the block-reservation and end-of-I/O callbacks the
/// kernel reaches through them: what the filesystem does with its page-cache folios.
#[derive(Debug)]
pub struct AddressSpaceOps {
    /// ->write_begin's reservation (ext4_da_reserve_space, xfs delalloc,
    /// btrfs_delalloc_reserve_space), also run by ->page_mkwrite and the btrfs fixup worker:
    /// Ok(true) when a block was reserved, Ok(false) when none was needed, Err(ENOSPC).
    pub(crate) reserve_space: fn(&mut Ctx<'_, '_, '_>, usize, u8) -> Result<bool, Errno>,
    /// ->write_begin for write(2) on page-cache frame `fr` of `file`/`page`: reserve and
    /// attach the filesystem's private state, or fail (nothing is then written).
    pub(crate) write_begin: fn(&mut Ctx<'_, '_, '_>, u8, usize, u8) -> Result<(), Errno>,
    /// ->dirty_folio as reached from outside the filesystem's own paths (folio_mark_dirty at
    /// unpin): its checks of frame `fr`, `file`/`page` (ext4_dirty_folio's WARN_ON_ONCE).
    pub(crate) dirty_folio: fn(&mut Ctx<'_, '_, '_>, u8, usize, u8),
    /// ->writepages, before folio_clear_dirty_for_io() of `file`/`page`.
    pub(crate) writepage_start: fn(&mut Ctx<'_, '_, '_>, usize, u8),
    /// ->writepages, after folio_clear_dirty_for_io() of frame `fr` (`file`/`page`): the block
    /// the bio goes to (a COW filesystem allocates a new one), or None when the folio is not
    /// written in this pass (skipped, redirtied, or its data dropped) — the unprepared-folio
    /// fixup lives here.
    pub(crate) writepage_map: fn(&mut Ctx<'_, '_, '_>, u8, usize, u8) -> Option<u8>,
    /// The end-of-I/O work (ext4_end_io, xfs_end_ioend, btrfs_finish_ordered_io) once block
    /// `b` holds `file`/`page`'s data and the folio is still cached.
    pub(crate) end_io: fn(&mut Ctx<'_, '_, '_>, usize, u8, u8),
    /// ->release_folio at reclaim: drop frame `fr`'s buffers / reservation.
    pub(crate) release_folio: fn(&mut Ctx<'_, '_, '_>, u8),
}

/// ->fault: (map, file, page, shared, write, unshare) → the frame now mapped.
pub(crate) type FaultFn =
    fn(&mut Ctx<'_, '_, '_>, usize, usize, u8, bool, bool, bool) -> Result<u8, Stop>;

/// ->page_mkwrite: (frame, file, page).
pub(crate) type PageMkwriteFn = fn(&mut Ctx<'_, '_, '_>, u8, usize, u8) -> Result<(), Stop>;

/// `struct vm_operations_struct`: what a mapping of the file does on a fault.
#[derive(Debug)]
pub struct VmOperations {
    /// ->fault (and ->huge_fault for fs-DAX): make `map`[`page`] of `file` present, writable
    /// when asked; args are (map, file, page, shared, write, unshare).
    pub(crate) fault: FaultFn,
    /// ->page_mkwrite: a clean page-cache frame `fr` of `file`/`page` is about to be dirtied
    /// through a mapping. None: no write notification (shared writable mappings are mapped
    /// writable at once, and the filesystem never has a page clean behind a writable PTE).
    pub(crate) page_mkwrite: Option<PageMkwriteFn>,
}

/// `struct file_operations`: read(2), write(2) and fallocate(2) on the file.
#[derive(Debug)]
pub struct FileOperations {
    /// ->read_iter of `file`/`page`: what read(2) returns.
    pub(crate) read_iter: fn(&mut Ctx<'_, '_, '_>, usize, u8) -> Observed,
    /// ->write_iter of `value` to `file`/`page`, after sb_start_write(), seals and i_size
    /// growth (`old_size` is i_size before); ends the op.
    pub(crate) write_iter: fn(&mut Ctx<'_, '_, '_>, usize, u8, Value, u8) -> Result<(), Stop>,
    /// ->fallocate of `file`/`page` (mode 0), after sb_start_write(); ends the op.
    pub(crate) fallocate: fn(&mut Ctx<'_, '_, '_>, usize, u8) -> Result<(), Stop>,
}

/// `struct inode_operations`, as far as truncate and hole punching reach the filesystem
/// (->setattr → ext4_break_layouts / xfs_break_layouts, then the extent's blocks freed).
#[derive(Debug)]
pub struct InodeOperations {
    /// Before `file`/`page`'s block is freed: wait (Err(Blocked)) while the design says a
    /// layout still in use must be waited for.
    pub(crate) break_layouts: fn(&mut Ctx<'_, '_, '_>, usize, u8) -> Result<(), Stop>,
    /// Frees block `b` of page `page` of `file`, truncated or punched (ext4_free_blocks,
    /// xfs_bmap_del_extent).
    pub(crate) free_block: fn(&mut Ctx<'_, '_, '_>, usize, u8, u8),
}

/// `struct super_operations`.
#[derive(Debug)]
pub struct SuperOperations {
    /// ->freeze_fs, once freeze_super() has synced the filesystem.
    pub(crate) freeze_fs: fn(&mut Ctx<'_, '_, '_>),
}

/// One filesystem: what it is (static facts other layers ask about) and what it does (its
/// operations tables).
#[derive(Debug)]
pub struct FsRules {
    pub name: &'static str,
    pub summary: &'static str,
    /// Pages have backing storage: writeback, fsync and reclaim act on them, `disk F[i]` exists.
    pub backing: bool,
    /// Data checksums: pages must be stable under writeback whatever the device.
    pub data_checksums: bool,
    /// Supports write(2)/read(2) (hugetlbfs has no ->write_iter).
    pub write_syscall: bool,
    /// fs-DAX: no page cache; a mapping maps the storage itself, stores are persistent at once,
    /// and truncate frees blocks a pin may still reach (its operations are fs/dax.c's).
    pub dax: bool,
    /// A memfd created with MFD_ALLOW_SEALING: `fcntl(F_ADD_SEALS)` works on its files
    /// (`memfd_add_seals`); every other filesystem's files answer -EINVAL.
    pub sealable: bool,
    /// Copy-on-write data, as a fact for docs and readers (the behaviour is in `a_ops`):
    /// every writeback of a page writes a newly allocated block and frees the old one.
    pub cow: bool,
    /// The filesystem's own kernel threads (see `KernelWork`).
    pub kernel_threads: &'static [KernelWork],
    /// Declared contract for the oracle (see `Unprepared`).
    pub unprepared: Unprepared,
    /// Declared contract for the oracle: `a_ops.dirty_folio` warns when the folio has no
    /// buffers (ext4_dirty_folio: WARN_ON_ONCE(!folio_buffers(folio))).
    pub warn_dirty_without_buffers: bool,
    /// What `pinlab probe` runs this filesystem's scenarios on by default (`ProbeBacking`).
    pub probe: ProbeBacking,
    pub(crate) a_ops: &'static AddressSpaceOps,
    pub(crate) vm_ops: &'static VmOperations,
    pub(crate) f_ops: &'static FileOperations,
    pub(crate) i_ops: &'static InodeOperations,
    pub(crate) s_ops: &'static SuperOperations,
}

/// The backing the probe (crates/probe, `pinlab probe`) makes for a filesystem's scenarios on a
/// running kernel. The probe matches it exhaustively: a filesystem it cannot make is an explicit,
/// reported skip, never another filesystem by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeBacking {
    /// A loop-mounted ext4 image.
    Ext4,
    /// A loop-mounted xfs image.
    Xfs,
    /// A loop-mounted btrfs image.
    Btrfs,
    /// A tmpfs mount of the probe's own.
    Tmpfs,
    /// A hugetlbfs mount of the probe's own (2 MiB pages).
    Hugetlbfs,
    /// memfd_create(MFD_ALLOW_SEALING).
    Memfd,
    /// The probe cannot make it; the reason is what it reports for every such scenario.
    Skip(&'static str),
}

impl FsRules {
    /// `vm_ops->page_mkwrite` exists: shared writable mappings need dirty tracking
    /// (`vma_needs_dirty_tracking`) and pages must not be dirtied behind the filesystem's back.
    pub fn has_page_mkwrite(&self) -> bool {
        self.vm_ops.page_mkwrite.is_some()
    }
}

/// A filesystem, by its position in `FILESYSTEMS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FsKind(pub u8);

impl FsKind {
    pub fn rules(self) -> &'static FsRules {
        FILESYSTEMS[self.0 as usize]
    }
    pub fn name(self) -> &'static str {
        self.rules().name
    }
    pub fn from_name(s: &str) -> Option<FsKind> {
        FILESYSTEMS
            .iter()
            .position(|f| f.name == s)
            .map(|i| FsKind(i as u8))
    }
    pub fn names() -> Vec<&'static str> {
        FILESYSTEMS.iter().map(|f| f.name).collect()
    }
}
