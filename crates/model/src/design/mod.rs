//! Designs: a tracking mechanism (how the kernel knows a page is pinned) × a handling (what it
//! does about a pinned page). Both axes are data plus small hooks, so any pair combines.
//!
//! Adding a tracking mechanism or a handling is one new file and one line in `TRACKINGS` or
//! `HANDLINGS`; adding a preset is one line in `PRESETS`.

mod bounce_writeback;
mod fs_tolerant;
mod get;
mod gup_bounce;
mod layout_lease;
mod mmu_notifier;
mod none;
mod page_got;
mod page_got_evict;
mod pincount;
mod put_user_page;
mod refuse_longterm;
mod refuse_longterm_wait;
mod revoke;
mod upstream;
mod virtual_vma;
mod wait;
mod writeback_mark;

use crate::fs::FsRules;
use crate::scenario::Errno;

pub static TRACKINGS: &[&Tracking] = &[
    &get::GET,
    &put_user_page::PUT_USER_PAGE,
    &pincount::PINCOUNT,
    &page_got::PAGE_GOT,
    &virtual_vma::VIRTUAL_VMA,
    &page_got_evict::PAGE_GOT_EVICT,
];

pub static HANDLINGS: &[&Handling] = &[
    &none::NONE,
    &wait::WAIT,
    &bounce_writeback::BOUNCE_WRITEBACK,
    &refuse_longterm::REFUSE_LONGTERM,
    &layout_lease::LAYOUT_LEASE,
    &mmu_notifier::MMU_NOTIFIER,
    &gup_bounce::GUP_BOUNCE,
    &fs_tolerant::FS_TOLERANT,
    &refuse_longterm_wait::REFUSE_LONGTERM_WAIT,
    &writeback_mark::WRITEBACK_MARK,
    &revoke::REVOKE,
    &upstream::UPSTREAM,
];

/// Presets: the seeds' proposals by name, as (preset, tracking, handling, where it comes from).
pub static PRESETS: &[Preset] = &[
    Preset { name: "legacy", tracking: "get", handling: "none", source: "get_user_pages() as originally designed: the state seed 002 starts from", mechanism: "get_user_pages() takes ordinary page references and the driver releases them with set_page_dirty_lock() and put_page(). Nothing records that a device may still write the page, so writeback cleans and write-protects it, truncate and reclaim detach or strip it, and the device keeps writing. The next set_page_dirty dirties a page the filesystem believes clean, without ->page_mkwrite." },
    Preset { name: "put-user-page", tracking: "put-user-page", handling: "none", source: "seed 000: John Hubbard's put_user_page*() placeholder API", mechanism: "The same FOLL_GET references as legacy, but released through put_user_page*() so that the kernel can later tell GUP references from others. It is a placeholder: nothing is tracked yet and no kernel path changes its behaviour. Every execution is legacy's." },
    Preset { name: "pin-wait", tracking: "pincount", handling: "wait", source: "seed 002: track GUP references and block unmap/write-protect until they drop", mechanism: "FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to the refcount, so folio_maybe_dma_pinned() can tell (with false positives) that a page is pinned. Writeback (folio_mkclean), truncate and reclaim wait for such a page until it is unpinned. A long-term pin that is never dropped makes them wait forever, and 1024 ordinary references look like a pin." },
    Preset { name: "pin-bounce", tracking: "pincount", handling: "bounce-writeback", source: "seed 003 (Glisse, Dec 2018): page_mkclean reports the pin, writeback uses a bounce page, the filesystem keeps blocks and buffers", mechanism: "Pins are counted as in pin-wait, but writeback of a pinned page goes out from a stable bounce copy while DMA continues. The filesystem keeps the page's blocks and buffers (reclaim too), and the unpin of a dirty page calls Glisse's page_mkwrite_light first, so the filesystem hears of the dirtying; only a COW filesystem reserves again, and an ENOSPC there loses data the device already wrote. The page is still cleaned at writeback, so a DMA write before the unpin breaks the ->page_mkwrite contract (Chinner's answer)." },
    Preset { name: "longterm-refuse", tracking: "get", handling: "refuse-longterm", source: "seed 000 (Lameter): refuse long-term GUP on real filesystem pages", mechanism: "FOLL_LONGTERM pins that would hold pages of a filesystem needing write notifications (ext4, xfs, btrfs) or fs-DAX storage fail with EOPNOTSUPP: shared mappings, and read pins of private ones. A write pin of a private mapping holds anonymous COW copies and, like tmpfs, hugetlbfs and anonymous memory, stays pinnable. Short-term pins (direct I/O) are unchanged and still race with writeback." },
    Preset { name: "layout-lease", tracking: "pincount", handling: "layout-lease", source: "seed 001 (Chinner, Oct 2018): file layout leases, revoked before the storage changes", mechanism: "A long-term pin of a file with a block layout takes a layout lease. Truncate, hole punch and COW relocation break the lease, and a holder that has not unpinned by the lease-break timeout has its device access revoked and its pages released. Writeback of a leased page is not a layout change, so the ->page_mkwrite problem stays." },
    Preset { name: "odp", tracking: "pincount", handling: "mmu-notifier", source: "seed 003 (Glisse, Dec 2018) and seed 001 (Chinner, Oct 2018): page-fault-capable devices with mmu notifiers; devices that cannot fault lose GUP on file pages", mechanism: "Page-fault-capable devices (ODP NICs, HMM GPUs) hold no pins: an mmu interval notifier tears their mapping down on folio_mkclean, unmap and truncate, and they refault through ->page_mkwrite before the next access. Devices that cannot fault lose long-term pins of shared real-filesystem and DAX mappings (EOPNOTSUPP). Short-term pins are unchanged." },
    Preset { name: "gup-bounce", tracking: "pincount", handling: "gup-bounce", source: "seed 002 (Kara): long-term GUP users get bounce pages copied back at set_page_dirty_lock() time", mechanism: "Long-term pins of shared real-filesystem mappings return private bounce pages instead of page-cache pages. At unpin(dirty) each bounce page is written into the page cache through the write path, which reserves space (->page_mkwrite's job) and reports ENOSPC to the unpinning driver. Device writes are invisible to the file until then, and an ENOSPC there loses data the device already wrote." },
    Preset { name: "page-got", tracking: "page-got", handling: "wait", source: "seed 004 (Wilcox, Kara, Jun 2018): PageGot flag and count in page->lru, pinned pages off the LRU", mechanism: "A PageGot flag and an exact got-count live in the page->lru space, so a pinned page leaves the LRU and its aging is lost. folio_maybe_dma_pinned() is exact: no false positives. Writeback, truncate and reclaim wait for pinned pages, with pin-wait's unbounded waits." },
    Preset { name: "virtual-vma", tracking: "virtual-vma", handling: "wait", source: "seed 004 (Kara, Jun 2018): a virtual VMA in the inode's mapping tree, like an mlocked mapping", mechanism: "Each pin inserts a pseudo-VMA for the pinned file range into the inode's i_mmap interval tree, like an mlocked mapping, at the cost of a tree update per pin and unpin. File-range operations find pins there without space in struct page. Writeback and truncate wait for covered pages, even when the pin holds a different frame (a private COW copy); reclaim, as for an mlocked page, moves a covered page aside and never waits." },
    Preset { name: "fs-tolerant", tracking: "pincount", handling: "fs-tolerant", source: "seed 002 (Kara): remove the assumption: bounce buffers for DIF/DIX, filesystems cope with pages dirtied behind their back", mechanism: "Filesystems drop the assumption, as Kara proposes: a page dirtied without ->page_mkwrite is written if its storage is already allocated or reserved, and its data is discarded otherwise. On btrfs every rewrite needs a new extent, so every page dirtied behind its back is discarded: durability sees each loss. Where writes must be stable (checksums, DIF/DIX), every page goes out from a bounce copy; a DMA write to a clean page is still not dirty, so fsync can miss it." },
    Preset { name: "upstream", tracking: "pincount", handling: "upstream", source: "docs/sources.md#what-upstream-linux-did: Linux today (FOLL_PIN v5.7, writable FOLL_LONGTERM refused on dirty-tracked files v6.5)", mechanism: "Linux today: FOLL_PIN with the 1024 bias; writable FOLL_LONGTERM pins of shared dirty-tracked file mappings fail with EFAULT (v6.5), long-term pins of fs-DAX with EOPNOTSUPP, and read-only long-term pins of private file mappings are unshared. Reclaim keeps pinned folios and their buffers (v6.4), DAX truncate waits for busy pages, and fault-capable devices use mmu notifiers. Short-term pins (O_DIRECT) still race with writeback, which ext4 answers by warning and skipping." },
];

#[derive(Debug)]
pub struct Preset {
    pub name: &'static str,
    pub tracking: &'static str,
    pub handling: &'static str,
    /// Who proposed it, where: a seed thread and its message, or a section of docs/sources.md.
    pub source: &'static str,
    /// The mechanism in three sentences (docs/designs.md).
    pub mechanism: &'static str,
}

/// How a GUP reference taken for DMA is recorded, and so what `folio_maybe_dma_pinned()` can
/// answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinRef {
    /// An ordinary reference (`folio_get`): indistinguishable from any other, so
    /// `folio_maybe_dma_pinned()` has nothing to go on and answers false.
    Plain,
    /// FOLL_PIN on a small folio: `GUP_PIN_COUNTING_BIAS` (1024) added to the refcount;
    /// `folio_maybe_dma_pinned()` is `refcount >= 1024` (false positives, never false negatives).
    Bias,
    /// An exact pin count and a flag on the folio (PageGot in the page->lru space): exact answers.
    Exact,
    /// A pseudo-VMA over the pinned file range in the inode's i_mmap tree: exact per file range,
    /// so a page-cache page at a pinned index answers true whatever frame the pin holds.
    FileRange,
    /// A PageGot flag set by the first pin and cleared only when the folio is freed (evicted):
    /// once pinned, a page answers true until it leaves memory (seed 004, Wilcox's variant).
    Sticky,
}

/// The 1024 of `GUP_PIN_COUNTING_BIAS` (include/linux/mm.h).
pub const GUP_PIN_COUNTING_BIAS: u16 = 1024;

/// What one pin or unpin does, in the operations the cost report counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCost {
    /// Atomic read-modify-writes on shared cache lines (refcount, pincount, flags).
    pub atomics: u8,
    /// Locks taken (folio lock, lruvec lock, i_mmap_rwsem, the lease lock).
    pub locks: u8,
    /// Interval-tree or list updates (a pseudo-VMA, a lease).
    pub tree_updates: u8,
}

impl OpCost {
    pub const ZERO: OpCost = OpCost::new(0, 0, 0);

    /// (atomics, locks, tree updates)
    pub const fn new(atomics: u8, locks: u8, tree_updates: u8) -> OpCost {
        OpCost {
            atomics,
            locks,
            tree_updates,
        }
    }
}

#[derive(Debug)]
pub struct Tracking {
    pub name: &'static str,
    pub summary: &'static str,
    pub seed: &'static str,
    pub pin_ref: PinRef,
    /// Kernel function names used in traces.
    pub pin_fn: &'static str,
    pub unpin_fn: &'static str,
    pub unpin_dirty_fn: &'static str,
    /// Per pinned page / per pin call (the whole range), and likewise for unpin.
    pub pin_page_cost: OpCost,
    pub pin_call_cost: OpCost,
    pub unpin_page_cost: OpCost,
    pub unpin_call_cost: OpCost,
    /// Taking a page off the LRU at its first pin, and putting it back at its last unpin
    /// (page-got only).
    pub lru_cost: OpCost,
    /// Bytes of struct page the mechanism occupies (space it needs in every page of memory).
    pub struct_page_bytes: u8,
    /// A pinned page leaves the LRU (its aging is lost; reclaim never sees it).
    pub off_lru: bool,
    /// Reclaim never takes a page the tracking says is pinned, whatever the handling: it is off
    /// the LRU (page-got) or covered by something like an mlocked mapping, which reclaim moves
    /// to the unevictable list instead of waiting for it (virtual-vma).
    pub unevictable_when_pinned: bool,
}

/// What a writeback, truncate or reclaim does when it meets a page the design knows is pinned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnPinned {
    /// Go ahead as if it were not pinned.
    Proceed,
    /// Wait until it is unpinned.
    Wait,
    /// (reclaim only) unmap it but keep it cached with its buffers (`shrink_folio_list`'s
    /// `activate_locked` for maybe-pinned folios, v6.4).
    KeepBuffers,
    /// (writeback only) write a stable bounce copy of it; the page keeps its blocks and buffers.
    Bounce,
}

/// The facts about a pin request a handling decides on (`check_vma_flags` and friends).
#[derive(Clone, Copy, Debug)]
pub struct PinRequest {
    /// The filesystem of a file mapping; `None` for anonymous memory.
    pub fs: Option<&'static FsRules>,
    pub shared: bool,
    pub vma_writable: bool,
    pub write: bool,
    pub longterm: bool,
}

impl PinRequest {
    /// `vma_needs_dirty_tracking()` (mm/mmap.c): a shared writable file mapping whose filesystem
    /// has `->page_mkwrite` or can write back.
    pub fn vma_needs_dirty_tracking(&self) -> bool {
        match self.fs {
            Some(fs) => self.shared && self.vma_writable && (fs.has_page_mkwrite() || fs.backing),
            None => false,
        }
    }

    /// `vma_is_fsdax()`
    pub fn vma_is_fsdax(&self) -> bool {
        self.fs.is_some_and(|f| f.dax)
    }

    /// The page the pin reaches stays a file page whose filesystem needs write notifications
    /// (a shared mapping of ext4/xfs/btrfs, or DAX): the pages seed 000 calls "real filesystem
    /// pages". Private mappings break COW into anonymous copies for writes.
    pub fn real_fs_shared(&self) -> bool {
        self.fs
            .is_some_and(|f| self.shared && (f.has_page_mkwrite() || f.backing))
    }
}

#[derive(Debug)]
pub struct Handling {
    pub name: &'static str,
    pub summary: &'static str,
    pub seed: &'static str,
    /// Only used by a preset (not one of the combinable handlings of docs/model.md#handling).
    pub preset_only: bool,
    /// The handling's veto on a pin, checked per VMA before any page is faulted in.
    pub refuse: fn(&PinRequest) -> Option<Errno>,
    pub writeback_pinned: OnPinned,
    pub truncate_pinned: OnPinned,
    /// Truncate/punch of fs-DAX storage a pin still reaches (`dax_layout_busy_page`): the busy
    /// test is the page refcount, whatever the tracking.
    pub dax_truncate_pinned: OnPinned,
    pub reclaim_pinned: OnPinned,
    /// `gup_must_unshare()` (v6.2): a read-only long-term pin of a page-cache page in a private
    /// mapping gets an exclusive anonymous copy, so it sees later writes through the mapping.
    pub unshare_ro_longterm_private: bool,
    /// Long-term pins of file pages take a layout lease; a layout change (truncate, punch, COW
    /// relocation) breaks it and revokes the device's access when the holder has not unpinned.
    pub layout_lease: bool,
    /// Long-term pins of real filesystem pages get private bounce pages, written back into the
    /// page cache through the write path at unpin.
    pub longterm_bounce: bool,
    /// Filesystems accept pages dirtied without ->page_mkwrite: no `mkwrite-contract`; writeback
    /// writes them where storage is allocated or reserved, discards them otherwise, and bounces
    /// where writes must be stable.
    pub fs_tolerant: bool,
    /// Long-term pins (which hold a lease, `layout_lease`) are revoked before writeback
    /// write-protects or reclaim unmaps a page they reach, not only at layout changes.
    pub revoke: bool,
    /// A FOLL_WRITE pin of a page-cache page marks it PG_writeback until the last unpin, so
    /// writers block in wait_on_page_writeback() and writeback skips or waits for it.
    pub pin_marks_writeback: bool,
    /// The unpin of a dirty pinned page calls a light ->page_mkwrite first, which keeps what the
    /// first one set up and reserves again only where the filesystem must (COW).
    pub unpin_mkwrite_light: bool,
    /// What the handling adds to every pin and unpin call (a lease, a bounce page's bookkeeping).
    pub pin_call_cost: OpCost,
    pub unpin_call_cost: OpCost,
}

pub fn allow_all(_: &PinRequest) -> Option<Errno> {
    None
}

/// A handling's fields as `none` has them, for `..PROCEED` in the handling files.
pub const PROCEED: Handling = Handling {
    name: "",
    summary: "",
    seed: "",
    preset_only: false,
    refuse: allow_all,
    writeback_pinned: OnPinned::Proceed,
    truncate_pinned: OnPinned::Proceed,
    dax_truncate_pinned: OnPinned::Proceed,
    reclaim_pinned: OnPinned::Proceed,
    unshare_ro_longterm_private: false,
    layout_lease: false,
    longterm_bounce: false,
    fs_tolerant: false,
    revoke: false,
    pin_marks_writeback: false,
    unpin_mkwrite_light: false,
    pin_call_cost: OpCost::ZERO,
    unpin_call_cost: OpCost::ZERO,
};

/// A design: one tracking mechanism and one handling.
#[derive(Clone, Copy, Debug)]
pub struct Design {
    pub tracking: &'static Tracking,
    pub handling: &'static Handling,
    /// The preset this design was named by, if any.
    pub preset: Option<&'static str>,
}

impl Design {
    /// The name to print: the preset's, else `tracking+handling`.
    pub fn name(&self) -> String {
        match self.preset {
            Some(p) => p.to_string(),
            None => format!("{}+{}", self.tracking.name, self.handling.name),
        }
    }

    pub fn preset(name: &str) -> Option<Design> {
        let p = PRESETS.iter().find(|p| p.name == name)?;
        Some(Design {
            tracking: tracking(p.tracking)?,
            handling: handling(p.handling)?,
            preset: Some(p.name),
        })
    }

    /// All presets, in `PRESETS` order.
    pub fn presets() -> Vec<Design> {
        PRESETS
            .iter()
            .filter_map(|p| Design::preset(p.name))
            .collect()
    }

    /// Every tracking × combinable handling pair, tracking-major.
    pub fn pairs() -> Vec<Design> {
        TRACKINGS
            .iter()
            .flat_map(|t| {
                HANDLINGS
                    .iter()
                    .filter(|h| !h.preset_only)
                    .map(move |h| Design {
                        tracking: t,
                        handling: h,
                        preset: None,
                    })
            })
            .collect()
    }

    /// The preset this pair is, if any (`pincount+wait` is `pin-wait`).
    pub fn preset_name(&self) -> Option<&'static str> {
        PRESETS
            .iter()
            .find(|p| p.tracking == self.tracking.name && p.handling == self.handling.name)
            .map(|p| p.name)
    }

    /// Parses a preset name or `TRACKING+HANDLING`. The error's text is one line with a hint.
    pub fn parse(s: &str) -> Result<Design, DesignError> {
        if let Some(d) = Design::preset(s) {
            return Ok(d);
        }
        let Some((t, h)) = s.split_once('+') else {
            return Err(DesignError::Unknown(s.to_string()));
        };
        let tr = tracking(t).ok_or_else(|| match PRESETS.iter().find(|p| p.name == t) {
            Some(p) => DesignError::PresetAsTracking {
                name: t.to_string(),
                tracking: p.tracking,
                handling: p.handling,
            },
            None => DesignError::UnknownTracking(t.to_string()),
        })?;
        let ha = handling(h).ok_or_else(|| match tracking(h) {
            Some(_) => DesignError::TrackingAsHandling(h.to_string()),
            None => DesignError::UnknownHandling(h.to_string()),
        })?;
        if ha.preset_only {
            return Err(DesignError::PresetOnlyHandling(h.to_string()));
        }
        Ok(Design {
            tracking: tr,
            handling: ha,
            preset: None,
        })
    }
}

/// Why a design name does not parse; its text names what is known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DesignError {
    #[error("`{name}` is a preset ({tracking}+{handling}), not a tracking mechanism; known: {known}", known = tracking_names())]
    PresetAsTracking {
        name: String,
        tracking: &'static str,
        handling: &'static str,
    },
    #[error("unknown tracking mechanism `{0}`; known: {known}", known = tracking_names())]
    UnknownTracking(String),
    #[error("`{0}` is a tracking mechanism, not a handling; known handlings: {known}", known = handling_names())]
    TrackingAsHandling(String),
    #[error("unknown handling `{0}`; known: {known}", known = handling_names())]
    UnknownHandling(String),
    #[error("`{0}` is not a handling to combine but Linux as it is: use `--design {0}`; known handlings: {known}", known = handling_names())]
    PresetOnlyHandling(String),
    #[error("unknown design `{0}`; {rule}", rule = DesignError::what_a_design_is())]
    Unknown(String),
}

impl DesignError {
    /// What a design name looks like, for a word that is neither a preset nor a pair.
    pub fn what_a_design_is() -> String {
        format!(
            "use a preset ({}) or TRACKING+HANDLING (e.g. pincount+wait)",
            preset_names()
        )
    }
}

fn tracking_names() -> String {
    TRACKINGS
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The handlings a pair may name (not the preset-only ones).
fn handling_names() -> String {
    HANDLINGS
        .iter()
        .filter(|h| !h.preset_only)
        .map(|h| h.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn preset_names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A tracking mechanism by name.
pub fn tracking(name: &str) -> Option<&'static Tracking> {
    TRACKINGS.iter().copied().find(|t| t.name == name)
}

/// A handling by name (including the preset-only `upstream`).
pub fn handling(name: &str) -> Option<&'static Handling> {
    HANDLINGS.iter().copied().find(|h| h.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_pairs_parse() {
        for p in PRESETS {
            let d = Design::parse(p.name).unwrap();
            assert_eq!(d.name(), p.name);
            assert_eq!((d.tracking.name, d.handling.name), (p.tracking, p.handling));
        }
        let d = Design::parse("pincount+refuse-longterm").unwrap();
        assert_eq!(d.name(), "pincount+refuse-longterm");
        assert!(d.preset.is_none());
    }

    #[test]
    fn every_tracking_combines_with_every_handling() {
        let pairs = Design::pairs();
        let combinable = HANDLINGS.iter().filter(|h| !h.preset_only).count();
        assert_eq!(pairs.len(), TRACKINGS.len() * combinable);
        assert_eq!(
            (TRACKINGS.len(), combinable),
            (6, 11),
            "the presets' 5 tracking mechanisms and 8 handlings, and the seeds' variants: page-got-evict, refuse-longterm-wait, writeback-mark, revoke (docs/model.md#designs)"
        );
        for d in &pairs {
            let name = format!("{}+{}", d.tracking.name, d.handling.name);
            let back = Design::parse(&name).unwrap();
            assert!(
                std::ptr::eq(back.tracking, d.tracking) && std::ptr::eq(back.handling, d.handling)
            );
        }
        // Every preset but upstream is one of the pairs.
        for p in PRESETS.iter().filter(|p| p.name != "upstream") {
            assert!(
                pairs.iter().any(|d| d.preset_name() == Some(p.name)),
                "{} is not a pair",
                p.name
            );
        }
    }

    #[test]
    fn pairs_that_make_no_sense_are_refused_in_one_line() {
        for (bad, want) in [
            (
                "pincount+upstream",
                "is not a handling to combine but Linux as it is",
            ),
            ("legacy+wait", "is a preset (get+none)"),
            (
                "pincount+page-got",
                "is a tracking mechanism, not a handling",
            ),
        ] {
            let e = Design::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want) && !e.contains('\n'), "{bad}: {e}");
        }
    }

    #[test]
    fn unknown_names_get_a_hint() {
        let e = Design::parse("pincount+teleport").unwrap_err();
        assert_eq!(e, DesignError::UnknownHandling("teleport".into()));
        let e = e.to_string();
        assert!(
            e.contains("unknown handling `teleport`") && e.contains("wait"),
            "{e}"
        );
        let e = Design::parse("pinwait").unwrap_err().to_string();
        assert!(
            e.contains("TRACKING+HANDLING") && e.contains("pin-wait"),
            "{e}"
        );
    }

    #[test]
    fn upstream_refuses_only_writable_longterm_pins_of_dirty_tracked_shared_files() {
        let up = handling("upstream").unwrap();
        let ext4 = crate::fs::FsKind::from_name("ext4").unwrap().rules();
        let tmpfs = crate::fs::FsKind::from_name("tmpfs").unwrap().rules();
        let req = |fs, shared, write, longterm| PinRequest {
            fs,
            shared,
            vma_writable: true,
            write,
            longterm,
        };
        assert_eq!(
            (up.refuse)(&req(Some(ext4), true, true, true)),
            Some(Errno::EFAULT)
        );
        assert_eq!(
            (up.refuse)(&req(Some(ext4), false, true, true)),
            None,
            "private mappings COW"
        );
        assert_eq!(
            (up.refuse)(&req(Some(ext4), true, false, true)),
            None,
            "read-only pins"
        );
        assert_eq!(
            (up.refuse)(&req(Some(ext4), true, true, false)),
            None,
            "short-term pins"
        );
        assert_eq!(
            (up.refuse)(&req(Some(tmpfs), true, true, true)),
            None,
            "shmem needs no dirty tracking"
        );
        assert_eq!(
            (up.refuse)(&req(None, false, true, true)),
            None,
            "anonymous memory"
        );
        let old = handling("refuse-longterm").unwrap();
        assert_eq!(
            (old.refuse)(&req(Some(ext4), false, false, true)),
            Some(Errno::EOPNOTSUPP)
        );
    }
}
