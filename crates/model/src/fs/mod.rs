//! Filesystems: each is a set of rules the model applies (docs/model.md#filesystems), one file each.
//!
//! Adding a filesystem is one new file defining an `FsRules` and one line in `FILESYSTEMS`.

mod btrfs;
mod ext4;
mod ext4_dax;
mod hugetlbfs;
mod memfd;
mod tmpfs;
mod xfs;
mod xfs_dax;

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
];

/// What ->writepages does with a dirty folio that carries no filesystem-private state, i.e. one
/// that was dirtied without `->page_mkwrite`/`->write_begin` (or whose buffers reclaim released).
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelWork {
    /// btrfs_writepage_fixup_worker(): a folio writeback found dirtied behind btrfs's back
    /// (PG_checked) gets its space reservation and delalloc bits; a later writeback writes it.
    BtrfsFixup,
}

impl KernelWork {
    /// The thread's name in traces.
    pub fn thread_name(self) -> &'static str {
        match self {
            KernelWork::BtrfsFixup => "kworker/btrfs-fixup",
        }
    }
    /// The kernel function one step of the thread runs.
    pub fn work_fn(self) -> &'static str {
        match self {
            KernelWork::BtrfsFixup => "btrfs_writepage_fixup_worker",
        }
    }
}

/// The rules of one filesystem.
#[derive(Debug)]
pub struct FsRules {
    pub name: &'static str,
    pub summary: &'static str,
    /// `vm_ops->page_mkwrite` exists: shared writable mappings need dirty tracking
    /// (`vma_needs_dirty_tracking`) and pages must not be dirtied behind the filesystem's back.
    pub page_mkwrite: bool,
    /// Pages have backing storage: writeback, fsync and reclaim act on them, `disk F[i]` exists.
    pub backing: bool,
    /// Copy-on-write data: every writeback of a page writes a newly allocated block and frees the
    /// old one, so every clean→dirty transition needs a new reservation.
    pub cow: bool,
    /// Data checksums: pages must be stable under writeback whatever the device.
    pub data_checksums: bool,
    pub unprepared: Unprepared,
    /// Supports write(2)/read(2) (hugetlbfs has no ->write_iter).
    pub write_syscall: bool,
    /// fs-DAX: no page cache; a mapping maps the storage itself, ->page_mkwrite allocates blocks
    /// directly, stores are persistent at once, and truncate frees blocks a pin may still reach.
    pub dax: bool,
    /// A memfd created with MFD_ALLOW_SEALING: `fcntl(F_ADD_SEALS)` works on its files
    /// (`memfd_add_seals`); every other filesystem's files answer -EINVAL.
    pub sealable: bool,
    /// `->dirty_folio` warns when the folio has no buffers (ext4_dirty_folio:
    /// WARN_ON_ONCE(!folio_buffers(folio))): dirtying a page whose buffers reclaim released is
    /// a filesystem bug at the dirtying, not only at writeback.
    pub warn_dirty_without_buffers: bool,
    /// The filesystem's own kernel threads (see `KernelWork`).
    pub kernel_threads: &'static [KernelWork],
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
